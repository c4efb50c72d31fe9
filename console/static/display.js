// The public screen refreshes its figures on its own (no login, aggregates only).
(function () {
  "use strict";
  var hall = document.body.dataset.hall;
  var every = parseFloat(document.body.dataset.refresh || "10") * 1000;
  function pct(v) { return v === null ? "—" : (v * 100).toFixed(1) + "%"; }
  function set(id, text) { var e = document.getElementById(id); if (e) e.textContent = text; }
  function cell(tr, text, num) { var td = document.createElement("td"); td.textContent = text; if (num) td.className = "num"; tr.appendChild(td); }
  function refresh() {
    fetch("/display/" + hall + "/data", { cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (f) {
        if (!f) return;
        set("today-active", f.today.active); set("today-good", pct(f.today.good_rate));
        set("month-active", f.month.active); set("month-good", pct(f.month.good_rate));
        var body = document.getElementById("windows");
        body.textContent = "";
        f.windows.forEach(function (w) {
          var tr = document.createElement("tr");
          cell(tr, w.window); cell(tr, w.today_active, 1); cell(tr, pct(w.today_good_rate), 1);
          cell(tr, w.month_active, 1); cell(tr, pct(w.month_good_rate), 1);
          body.appendChild(tr);
        });
        set("updated", f.updated.substring(11, 19));
      }).catch(function () { /* keep showing the last figures; try again next time */ });
  }
  setInterval(refresh, every);
})();
