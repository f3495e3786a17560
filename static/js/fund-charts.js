/*
 * Charts of fund disclosures, drawn with the vendored Apache ECharts.
 *
 * Each chart is a container `[data-fund-chart="bar|line"]` inside a hidden <figure>; its data is
 * the JSON element named by `data-source` (written by Django's json_script):
 *   {unit: "万元", categories: [...], series: [{key, name, values: ["1.00", null, ...]}]}
 * The figures are also in the table above each chart, which is what screen readers and visitors
 * without JavaScript use: the container is aria-hidden and the figure stays hidden unless the
 * chart is drawn.
 */
(function () {
  "use strict";

  var COLOURS = { income: "#0b4f8a", expenditure: "#b3141c", current_balance: "#2f6f3e" };
  var SYMBOLS = ["circle", "rect", "triangle"];
  var LINE_TYPES = ["solid", "dashed", "dotted"];

  function readData(container) {
    var source = document.getElementById(container.dataset.source);
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  // Figures arrive as exact decimal strings; the chart only needs them approximately.
  function toNumber(value) {
    return value === null || value === "" ? null : Number(value);
  }

  function formatFigure(value) {
    if (value === null || value === undefined || isNaN(value)) {
      return "—";
    }
    return Number(value).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function seriesFor(kind, data) {
    return data.series.map(function (series, index) {
      var options = {
        name: series.name,
        type: kind,
        data: series.values.map(toNumber),
        itemStyle: { color: COLOURS[series.key] }
      };
      if (kind === "line") {
        // Shape and dash tell the lines apart without relying on colour.
        options.symbol = SYMBOLS[index % SYMBOLS.length];
        options.symbolSize = 8;
        options.showSymbol = true;
        options.showAllSymbol = true;
        options.lineStyle = { type: LINE_TYPES[index % LINE_TYPES.length], width: 2 };
        options.connectNulls = false;
      } else {
        options.barMaxWidth = 48;
      }
      return options;
    });
  }

  function draw(container) {
    var data = readData(container);
    if (!data || !data.categories || data.categories.length === 0) {
      return;
    }
    var figure = container.closest("figure");
    if (figure) {
      figure.hidden = false;
    }
    var kind = container.dataset.fundChart === "line" ? "line" : "bar";
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var chart = window.echarts.init(container, null, { renderer: "svg", height: 360 });
    chart.setOption({
      animation: !reduceMotion,
      // Bars also differ by pattern, for readers who cannot tell the colours apart (ECharts ties
      // patterns to its aria option). No generated description: the container is aria-hidden.
      aria: { enabled: kind === "bar", label: { enabled: false }, decal: { show: true } },
      tooltip: { trigger: "axis", valueFormatter: formatFigure },
      legend: { top: 0 },
      grid: { left: 16, right: 16, top: 48, bottom: 16 },
      xAxis: {
        type: "category",
        data: data.categories,
        axisLabel: { interval: 0, rotate: data.categories.length > 4 ? 30 : 0 }
      },
      yAxis: { type: "value", name: data.unit },
      series: seriesFor(kind, data)
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  function drawAll() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll("[data-fund-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
