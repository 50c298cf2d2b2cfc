// Draws each <canvas data-chart="…"> of the compliance page with the vendored Chart.js. The
// figures come from the JSON attribute, the same numbers as the table under the chart; without
// JavaScript (or Chart.js) the table alone says everything.
(function () {
  "use strict";
  var COLOURS = ["#8a1c15", "#1f5fa8", "#d9a400", "#1e5b2c"];

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.dataset.chart);
    } catch (e) {
      return;
    }
    /* global Chart */
    new Chart(canvas, {
      type: spec.type || "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: COLOURS[i % COLOURS.length] };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  function start() {
    if (typeof Chart === "undefined") return;
    Chart.defaults.font.family =
      '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
