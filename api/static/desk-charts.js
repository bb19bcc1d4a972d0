// Draws the chart specs the server embeds (api/charts.py) with the vendored uPlot: axes with units, dates on a
// time axis, a legend, percentages on a fixed 0-100 scale.
(function () {
  "use strict";
  var COLORS = ["#2457d6", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#a16207", "#475569"];

  function options(spec, width) {
    var category = spec.x === "category";
    var n = category ? spec.labels.length : spec.times.length;
    var bars = spec.kind === "bars";
    var count = spec.series.length;
    var series = [{ label: spec.x_label, value: category ? function (u, i) { return i == null ? "" : spec.labels[i]; } : undefined }];
    spec.series.forEach(function (s, k) {
      var one = { label: s.name, stroke: COLORS[k % COLORS.length], width: bars ? 1 : 2,
                  value: function (u, v) { return v == null ? "—" : v + (spec.max === 100 ? " %" : ""); } };
      if (bars) {
        one.fill = COLORS[k % COLORS.length] + "cc";
        // Two series sit side by side (one left of the tick, one right); one series is centred on it.
        var align = count === 2 ? (k === 0 ? 1 : -1) : 0;
        one.paths = uPlot.paths.bars({ size: [count === 2 ? 0.35 : 0.6, 60], align: align, gap: 1 });
        one.points = { show: false };
      }
      series.push(one);
    });
    var y = { auto: spec.max == null };
    if (spec.max != null) y.range = [0, spec.max];
    else y.range = function (u, lo, hi) { return [0, hi > 0 ? hi * 1.1 : 1]; };
    var x = category ? { time: false, range: [-0.5, n - 0.5] } : { time: true };
    if (!category && n) {
      // Bars get half a step either side; a single snapshot gets an hour either side instead of uPlot's years.
      var pad = bars ? (n > 1 ? (spec.times[1] - spec.times[0]) / 2 : 43200) : (n > 1 ? 0 : 3600);
      x.range = [spec.times[0] - pad, spec.times[n - 1] + pad];
    }
    var xAxis = { label: spec.x_label, stroke: "#344054", grid: { show: false } };
    if (category) {
      xAxis.splits = function () { return Array.from({ length: n }, function (_, i) { return i; }); };
      xAxis.values = function (u, splits) { return splits.map(function (i) { return spec.labels[i] || ""; }); };
      xAxis.rotate = n > 4 ? -20 : 0;
      xAxis.size = n > 4 ? 80 : 50;
    }
    return {
      width: width, height: 260, series: series, scales: { x: x, y: y }, padding: [12, 48, 0, 0],
      axes: [xAxis, { label: spec.unit, stroke: "#344054", size: 60 }],
      legend: { show: true, live: true },
      cursor: { points: { show: !bars } }
    };
  }

  function data(spec) {
    var xs = spec.x === "category" ? spec.labels.map(function (_, i) { return i; }) : spec.times;
    return [xs].concat(spec.series.map(function (s) { return s.values; }));
  }

  function draw() {
    if (typeof uPlot === "undefined") return;
    document.querySelectorAll("script.chart-spec").forEach(function (el) {
      var spec = JSON.parse(el.textContent);
      var holder = document.getElementById("chart-" + spec.id);
      if (!holder || holder.dataset.drawn) return;
      holder.dataset.drawn = "1";
      // Nothing to draw when every value is missing, or zero on a scale without a fixed top (money, counts).
      var empty = spec.series.every(function (s) {
        return s.values.every(function (v) { return v == null || (spec.max == null && v === 0); });
      });
      if (!spec.series.length || empty || (spec.x === "category" ? !spec.labels.length : !spec.times.length)) {
        holder.innerHTML = '<p class="empty">No data yet.</p>';
        return;
      }
      new uPlot(options(spec, Math.max(320, holder.clientWidth - 8)), data(spec), holder);
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
