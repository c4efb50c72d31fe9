// The statistics page's trend chart (uPlot, vendored): good and bad rate per day.
(function () {
  "use strict";
  var el = document.getElementById("chart");
  var src = document.getElementById("chart-data");
  if (!el || !src || !window.uPlot) return;
  var d = JSON.parse(src.textContent);
  var days = d.series.days.map(function (k) { return Date.parse(k + "T00:00:00+08:00") / 1000; });
  function pct(a) { return a.map(function (v) { return v === null ? null : v * 100; }); }
  var width = Math.max(280, el.clientWidth - 16);
  new window.uPlot({
    width: width, height: 240,
    scales: { y: { range: [0, 100] } },
    series: [{}, { label: d.good, stroke: "#17663a", width: 2, points: { show: true } },
             { label: d.bad, stroke: "#b3261e", width: 2, points: { show: true } }],
    axes: [{}, { values: function (u, vals) { return vals.map(function (v) { return v + "%"; }); } }]
  }, [days, pct(d.series.good), pct(d.series.bad)], el);
})();
