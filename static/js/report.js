// Progressive help on the report channel; every page works without it.
(function () {
  "use strict";

  // Real-name fields are shown only when "real name" is chosen (without JS they are always shown).
  var radios = document.querySelectorAll('input[name="identity_mode"]');
  var realName = document.getElementById("real-name-fields");
  if (radios.length && realName) {
    var sync = function () {
      var chosen = document.querySelector('input[name="identity_mode"]:checked');
      realName.hidden = !chosen || chosen.value !== "real_name";
    };
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  // Ask before leaving a report form that has been filled in.
  var form = document.querySelector("form[data-warn-unsaved]");
  if (form) {
    var dirty = false;
    var sending = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { sending = true; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !sending) { event.preventDefault(); event.returnValue = ""; }
    });
    var errors = document.getElementById("form-errors");
    if (errors) { errors.focus(); }
  }

  // The code page: leaving before confirming that the code is kept asks first.
  var codePage = document.querySelector("[data-keep-code]");
  if (codePage) {
    var kept = document.getElementById("kept");
    var confirming = false;
    codePage.querySelector("form.confirm-kept").addEventListener("submit", function () { confirming = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!confirming && !(kept && kept.checked)) { event.preventDefault(); event.returnValue = ""; }
    });
  }
})();
