// The statistics page's trend chart (uPlot, vendored): good and bad rate per day of the period.
(function () {
  "use strict";
  var el = document.getElementById("chart");
  var src = document.getElementById("chart-data");
  if (!el || !src || !window.uPlot) return;
  var d = JSON.parse(src.textContent);
  function ts(day) { return Date.parse(day + "T00:00:00+08:00") / 1000; }
  var days = d.series.days.map(ts);
  function pct(a) { return a.map(function (v) { return v === null ? null : v * 100; }); }
  function day(u, v) { return v === null || v === undefined ? "--" : new Date(v * 1000 + 8 * 3600e3).toISOString().substring(0, 10); }
  var width = Math.max(280, el.clientWidth - 16);
  new window.uPlot({
    width: width, height: 240, tzDate: function (t) { return window.uPlot.tzDate(new Date(t * 1e3), "Asia/Shanghai"); },
    scales: { x: { time: true, range: [ts(d.series.first) - 43200, ts(d.series.last) + 43200] }, y: { range: [0, 100] } },
    series: [{ label: d.day, value: day },
             { label: d.good, stroke: "#17663a", width: 2, points: { show: true, size: 7 },
               value: function (u, v) { return v === null ? "--" : v.toFixed(1) + "%"; } },
             { label: d.bad, stroke: "#b3261e", width: 2, points: { show: true, size: 7 },
               value: function (u, v) { return v === null ? "--" : v.toFixed(1) + "%"; } }],
    axes: [{}, { values: function (u, vals) { return vals.map(function (v) { return v + "%"; }); } }]
  }, [days, pct(d.series.good), pct(d.series.bad)], el);
})();
