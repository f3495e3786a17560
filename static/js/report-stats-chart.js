/*
 * The chart by month of the report statistics dashboard (admin), drawn with the vendored Apache
 * ECharts.
 *
 * The container `[data-report-stats-chart]` sits inside a hidden <figure>; its data is the JSON
 * element named by `data-source` (written by Django's json_script, no inline script):
 *   {unit: "件", categories: ["2026-01", ...], series: [{key, name, values: [3, 0, ...]}]}
 * The table by month holds the same figures and is what screen readers and users without
 * JavaScript read: the container is aria-hidden and the figure stays hidden unless the chart is
 * drawn.
 */
(function () {
  "use strict";

  var COLOURS = {
    received: "#0b4f8a",
    accepted: "#2f6f3e",
    concluded: "#8a5a00",
    substantiated: "#b3141c"
  };

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

  function formatCount(value) {
    if (value === null || value === undefined || isNaN(value)) {
      return "—";
    }
    return Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 0 });
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
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var chart = window.echarts.init(container, null, { renderer: "svg", height: 360 });
    chart.setOption({
      animation: !reduceMotion,
      // Bars also differ by pattern, for readers who cannot tell the colours apart. No generated
      // description: the container is aria-hidden, the table is the accessible version.
      aria: { enabled: true, label: { enabled: false }, decal: { show: true } },
      tooltip: { trigger: "axis", valueFormatter: formatCount },
      legend: { top: 0 },
      grid: { left: 16, right: 16, top: 48, bottom: 16 },
      xAxis: {
        type: "category",
        data: data.categories,
        axisLabel: { interval: 0, rotate: data.categories.length > 6 ? 30 : 0 }
      },
      yAxis: { type: "value", name: data.unit, minInterval: 1 },
      series: data.series.map(function (series) {
        return {
          name: series.name,
          type: "bar",
          data: series.values,
          barMaxWidth: 32,
          itemStyle: { color: COLOURS[series.key] }
        };
      })
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  function drawAll() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll("[data-report-stats-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
