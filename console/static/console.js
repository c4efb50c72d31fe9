// hall-console: live updates over Server-Sent Events (EventSource), no framework.
// The server renders every page; this file keeps the device grid and the rating feed current,
// refreshes the work-order queue, and rings for a new bad rating (sound + title badge).
(function () {
  "use strict";
  var body = document.body;
  var lang = body.dataset.lang || "zh_CN";
  var hall = body.dataset.hall || "";
  var csrf = body.dataset.csrf || "";
  var words = {};
  var wordsEl = document.getElementById("words");
  if (wordsEl) words = JSON.parse(wordsEl.textContent);
  var baseTitle = document.title;
  var unseen = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function hhmmss(iso) { return iso ? iso.substring(11, 19) : ""; }

  // --- device grid ---
  var grid = document.getElementById("grid");
  function tileId(d) { return "dev-" + d.hall_id + "-" + d.device_id; }
  function renderTile(d) {
    var t = el("article", "tile " + d.health);
    t.id = tileId(d);
    t.dataset.health = d.health;
    var head = el("div", "tile-head");
    head.appendChild(el("b", "", d.device_id));
    head.appendChild(el("span", "health", words[d.health] || d.health));
    t.appendChild(head);
    var dl = el("dl");
    function row(k, v) { dl.appendChild(el("dt", "", k)); dl.appendChild(el("dd", "", v)); }
    row(words.window, (d.window_id || "-") + (hall ? "" : " · " + d.hall_id));
    row(words.clerk, d.clerk || words.none);
    var pw = words.periph || { names: {}, states: {} };
    var p = Object.keys(d.peripherals).map(function (k) {
      return (pw.names[k] || k) + " " + (pw.states[d.peripherals[k]] || d.peripherals[k]);
    }).join(lang === "en" ? ", " : "，");
    row(words.peripherals, p || "-");
    row(words.backlog, d.backlog);
    row(words.last_rating, d.last_rating ? words["level" + d.last_rating.level] + " " + hhmmss(d.last_rating.rated_at) : "-");
    t.appendChild(dl);
    if (d.detail) t.appendChild(el("p", "detail", d.detail));
    if (words.may_act) {
      var cmds = el("div", "cmds");
      ["identify", "restart"].forEach(function (name) {
        var b = el("button", "small", words[name]);
        b.type = "button";
        b.addEventListener("click", function () { command(d, name, t); });
        cmds.appendChild(b);
      });
      cmds.appendChild(el("span", "answer"));
      t.appendChild(cmds);
    }
    return t;
  }
  function putDevice(d) {
    if (!grid || (hall && d.hall_id !== hall)) return;
    var old = document.getElementById(tileId(d));
    var answer = old ? old.querySelector(".answer") : null;
    var t = renderTile(d);
    if (answer && answer.textContent) t.querySelector(".answer").textContent = answer.textContent;
    if (old) grid.replaceChild(t, old);
    else {
      var after = null;
      Array.prototype.forEach.call(grid.children, function (c) { if (!after && c.id > t.id) after = c; });
      grid.insertBefore(t, after);
    }
    var none = document.getElementById("no-devices");
    if (none) none.hidden = true;
  }
  function command(d, name, tile) {
    var out = tile.querySelector(".answer");
    out.textContent = "…";
    fetch("/api/v1/devices/" + d.hall_id + "/" + d.device_id + "/commands/" + name, {
      method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (a) {
      var cur = document.getElementById(tileId(d));
      var o = cur ? cur.querySelector(".answer") : out;
      o.textContent = a.error ? a.error : (words[a.result] || a.result) + (a.reason ? ": " + a.reason : "");
    }).catch(function () { out.textContent = words.timeout; });
  }

  // --- rating feed ---
  var feed = document.getElementById("feed");
  function putRating(r, fresh) {
    if (!feed || (hall && r.hall_id !== hall)) return;
    var li = el("li", "lv" + r.level + (r.level <= 2 ? " bad" : ""));
    li.dataset.event = r.event_id;
    li.appendChild(el("time", "", hhmmss(r.rated_at)));
    li.appendChild(el("b", "level", r.level_text[lang] || r.level));
    li.appendChild(el("span", "", (words.window || "") + " " + (r.window_id || "-")));
    if (r.staff.length) li.appendChild(el("span", "", r.staff.join("、")));
    var reasons = r.reasons_text[lang] || [];
    if (reasons.length) li.appendChild(el("span", "reasons", reasons.join("；")));
    if (fresh) feed.insertBefore(li, feed.firstChild); else feed.appendChild(li);
    while (feed.children.length > 100) feed.removeChild(feed.lastChild);
    var none = document.getElementById("no-ratings");
    if (none) none.hidden = true;
  }

  // --- work orders: ring, badge, refresh the queue ---
  function ring() {
    try {
      var C = window.AudioContext || window.webkitAudioContext;
      var ctx = new C();
      var o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 880; g.gain.value = 0.2;
      o.connect(g); g.connect(ctx.destination);
      o.start(); o.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no audio here: the badge still shows */ }
  }
  function badge() {
    unseen += 1;
    document.title = "(" + unseen + ") " + baseTitle;
    var b = document.getElementById("wo-badge");
    if (b) { b.hidden = false; b.textContent = unseen; }
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && document.getElementById("queue")) { unseen = 0; document.title = baseTitle; }
  });
  var refreshing = false;
  function refreshQueue() {
    var q = document.getElementById("queue");
    if (!q || refreshing) return;
    refreshing = true;
    fetch(location.pathname + location.search + (location.search ? "&" : "?") + "fragment=1",
          { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) q.innerHTML = html; })
      .finally(function () { refreshing = false; });
  }

  // --- the stream ---
  function connect() {
    var src = new EventSource("/api/v1/stream" + (hall ? "?hall=" + encodeURIComponent(hall) : ""));
    var link = document.getElementById("link");
    src.addEventListener("hello", function () {
      body.dataset.live = "1";
      if (link) { link.className = "ok"; link.textContent = link.dataset.ok; }
    });
    src.addEventListener("device", function (e) { putDevice(JSON.parse(e.data)); });
    src.addEventListener("rating", function (e) { putRating(JSON.parse(e.data), true); });
    src.addEventListener("workorder", function (e) {
      var w = JSON.parse(e.data);
      if (w.kind === "new") { ring(); badge(); }
      refreshQueue();
    });
    src.onerror = function () {
      body.dataset.live = "0";
      if (link) { link.className = "bad"; link.textContent = link.dataset.bad; }
    };
  }

  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); });
  });

  var initDev = document.getElementById("initial-devices");
  if (initDev) JSON.parse(initDev.textContent).forEach(putDevice);
  var initRat = document.getElementById("initial-ratings");
  if (initRat) JSON.parse(initRat.textContent).forEach(function (r) { putRating(r, false); });
  if (window.EventSource) connect();
})();
