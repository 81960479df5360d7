/**
 * The dashboard's client script (served as /_router/dashboard/assets/dashboard.js):
 * draws the charts the server describes (uPlot), polls the page's data and
 * swaps in the sections that changed, fills the overview's rows as they
 * scroll into view, and runs the actions' confirmations (a dry run shows
 * what will be written before anything is).
 *
 * Layer: HTTP edge (dashboard assets). Plain ES2020 in a string: no build
 * step. It never builds HTML from data (server sections are HTML the server
 * escaped; everything else goes in through textContent), sends the
 * session's CSRF token on every write, and on a 401 goes to the sign-in page.
 * test/browser/ runs it in Chromium and fails on any console error.
 */
export const DASHBOARD_JS = String.raw`(function () {
  "use strict";
  var BASE = "/_router/dashboard";
  var POLL_MS = 3000;
  var OVERVIEW_POLL_MS = 5000;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var dataEl = document.getElementById("page-data");
  var PAGE = dataEl ? JSON.parse(dataEl.textContent) : null;
  var liveEl = document.getElementById("live-state");
  var refreshNow = function () {};

  function signInAgain() {
    location.href = BASE + "/sign-in?next=" + encodeURIComponent(location.pathname + location.search);
  }

  async function api(path, options) {
    options = options || {};
    var method = options.method || "GET";
    var headers = { accept: "application/json" };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (method !== "GET") headers["x-dashboard-csrf"] = CSRF;
    var res = await fetch(BASE + "/api" + path, {
      method: method,
      headers: headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
      cache: "no-store",
    });
    if (res.status === 401) {
      signInAgain();
      return { ok: false, status: 401, body: { message: "signed out" } };
    }
    var body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    return { ok: res.ok, status: res.status, body: body || {} };
  }

  function toast(text, bad) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast" + (bad ? " bad" : "");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, bad ? 9000 : 6000);
  }

  // ---- live state ------------------------------------------------------
  var lastOk = 0;
  var failing = false;
  function renderLive() {
    if (!liveEl || !lastOk) return;
    liveEl.hidden = false;
    if (failing) {
      liveEl.textContent = "connection lost, retrying";
      liveEl.classList.add("stale");
      return;
    }
    var s = Math.round((Date.now() - lastOk) / 1000);
    liveEl.textContent = "live \u00b7 updated " + (s < 2 ? "just now" : s + " s ago");
    liveEl.classList.remove("stale");
  }
  function markOk() { lastOk = Date.now(); failing = false; renderLive(); }
  function markFail() { failing = true; renderLive(); }
  setInterval(renderLive, 1000);

  // ---- charts ------------------------------------------------------------
  var charts = new Map();
  var TONE = { good: "#16a34a", bad: "#dc2626", warn: "#ca8a04", info: "#2563eb" };
  var resizer = typeof ResizeObserver === "function" ? new ResizeObserver(function (entries) {
    entries.forEach(function (e) {
      var c = charts.get(e.target);
      if (c && !c.spark) {
        var w = Math.max(120, Math.floor(e.contentRect.width));
        if (Math.abs(w - c.plot.width) > 2) c.plot.setSize({ width: w, height: c.height });
      }
    });
  }) : null;

  function fmt(unit, v) {
    if (v === null || v === undefined || !isFinite(v)) return "\u2013";
    if (unit === "%") return v.toFixed(2) + "%";
    if (unit === "ms") return (v < 10 ? v.toFixed(1) : String(Math.round(v))) + " ms";
    if (unit === "req/s") return (v < 10 ? v.toFixed(1) : String(Math.round(v))) + " req/s";
    return String(Math.round(v));
  }

  function markersPlugin(entry) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.lineWidth = 2;
          ctx.setLineDash([5, 4]);
          (entry.spec.markers || []).forEach(function (m) {
            var x = Math.round(u.valToPos(m.x, "x", true));
            if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
            ctx.strokeStyle = TONE[m.tone] || TONE.info;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          });
          ctx.restore();
        }],
      },
    };
  }

  function optionsFor(entry, width, height) {
    var spec = entry.spec;
    var spark = entry.spark;
    var series = [{}].concat(spec.series.map(function (s) {
      var o = {
        label: s.label,
        stroke: s.color,
        width: spark ? 1.25 : 1.75,
        spanGaps: false,
        points: { show: false },
        value: function (u, v) { return fmt(spec.unit, v); },
      };
      if (s.dash) o.dash = [6, 4];
      if (spec.kind === "bars") {
        o.fill = s.color + "bb";
        o.paths = uPlot.paths.bars({ size: [0.85, 48] });
      }
      return o;
    }));
    var yRange = function (u, min, max) {
      var top = max === null || max === undefined || !isFinite(max) ? 0 : max;
      var floor = spec.unit === "%" ? 1 : spec.unit === "pairs" ? 1 : 0.5;
      var hi = Math.max(floor, top * 1.15);
      // A sparkline's zero line sits just above the bottom edge, so it shows.
      return [spark ? -hi * 0.08 : 0, hi];
    };
    var opts = {
      width: width,
      height: height,
      series: series,
      plugins: [markersPlugin(entry)],
      legend: { show: !spark },
      cursor: spark ? { show: false } : { drag: { x: false, y: false } },
      scales: { y: { range: yRange } },
      axes: [
        {},
        { size: 72, values: function (u, splits) { return splits.map(function (v) { return fmt(spec.unit, v); }); } },
      ],
    };
    if (spec.kind === "time") {
      // Fewer than two points: the minute up to now, rather than uPlot's guess of years.
      opts.scales.x = {
        time: true,
        range: function (u, min, max) {
          var known = function (v) { return typeof v === "number" && isFinite(v); };
          if (!known(min) || !known(max) || max - min < 1) {
            var end = known(max) ? max : Date.now() / 1000;
            return [end - 60, end];
          }
          return [min, max];
        },
      };
    }
    if (spec.kind === "bars") {
      opts.scales.x = {
        time: false,
        range: function () { return [-0.5, Math.max(0.5, spec.x.length - 0.5)]; },
      };
      opts.axes[0] = {
        incrs: [1, 2, 3, 4, 5, 10, 20],
        space: 64,
        values: function (u, splits) {
          return splits.map(function (i) { return Number.isInteger(i) ? (spec.categories[i] || "") : ""; });
        },
      };
      opts.axes[1].values = function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) ? String(v) : ""; }); };
      opts.axes[1].size = 48;
    }
    if (spark) {
      opts.axes = [{ show: false }, { show: false }];
      opts.padding = [2, 2, 2, 2];
    }
    return opts;
  }

  function chartSig(spec) {
    return spec.kind + "|" + spec.unit + "|" + spec.series.map(function (s) { return s.label + s.color + (s.dash ? "-" : ""); }).join(",") + "|" + (spec.categories || []).join(",");
  }

  function drawChart(el, spec, spark) {
    if (!el || typeof uPlot !== "function") return;
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var entry = charts.get(el);
    var sig = chartSig(spec);
    if (entry && entry.sig === sig) {
      entry.spec = spec;
      entry.plot.setData(data);
      setEmpty(entry);
      return;
    }
    if (entry) entry.plot.destroy();
    el.textContent = "";
    var height = spark ? 32 : el.classList.contains("small") ? 150 : 190;
    if (!spark) {
      var title = document.createElement("div");
      title.className = "chart-title";
      title.textContent = spec.title + " (" + spec.unit + ")";
      el.appendChild(title);
    }
    entry = { spec: spec, spark: spark, sig: sig, height: height, plot: null, empty: null };
    var width = spark ? 120 : Math.max(120, Math.floor(el.clientWidth || 320));
    entry.plot = new uPlot(optionsFor(entry, width, height), data, el);
    var empty = document.createElement("div");
    empty.className = "chart-empty";
    el.appendChild(empty);
    entry.empty = empty;
    charts.set(el, entry);
    el.dataset.points = "0";
    setEmpty(entry);
    if (resizer && !spark) resizer.observe(el);
  }

  function setEmpty(entry) {
    var el = entry.plot.root.parentNode;
    entry.empty.textContent = entry.spec.hasData ? "" : entry.spark ? "" : entry.spec.empty;
    entry.empty.hidden = !!entry.spec.hasData;
    var points = 0;
    entry.spec.series.forEach(function (s) {
      s.values.forEach(function (v) { if (v !== null && v !== 0) points++; });
    });
    if (el && el.dataset) el.dataset.points = String(points);
  }

  function sweepCharts() {
    charts.forEach(function (entry, el) {
      if (!document.body.contains(el)) {
        entry.plot.destroy();
        if (resizer) resizer.unobserve(el);
        charts.delete(el);
      }
    });
  }

  // ---- overview ----------------------------------------------------------
  function drawSparks(tr, sparks) {
    if (!tr || !sparks) return;
    sparks.forEach(function (spec) {
      drawChart(tr.querySelector('[data-spark="' + spec.id + '"]'), spec, true);
    });
  }

  function fillRow(tr, cellsHtml) {
    var tpl = document.createElement("template");
    tpl.innerHTML = "<table><tbody><tr>" + cellsHtml + "</tr></tbody></table>";
    var fresh = Array.from(tpl.content.querySelectorAll("td"));
    var old = Array.from(tr.querySelectorAll("td"));
    var sameShape = old.length === fresh.length && fresh.every(function (td, i) { return old[i].dataset.col === td.dataset.col && td.dataset.col; });
    if (!sameShape) {
      old.forEach(function (td) { td.remove(); });
      fresh.forEach(function (td) { tr.appendChild(td); });
      sweepCharts();
      return;
    }
    fresh.forEach(function (td, i) {
      var was = old[i];
      if (td.querySelector(".spark")) {
        var v = was.querySelector(".spark-value");
        var nv = td.querySelector(".spark-value");
        if (v && nv) v.textContent = nv.textContent;
      } else if (was.innerHTML !== td.innerHTML) {
        was.replaceWith(td);
      }
    });
  }

  function initOverview() {
    var rows = Array.from(document.querySelectorAll("tr[data-service]"));
    var byName = new Map(rows.map(function (r) { return [r.dataset.service, r]; }));
    var fetchedAt = new Map();
    var visible = new Set();
    (PAGE.rows || []).forEach(function (r) {
      fetchedAt.set(r.service, Date.now());
      drawSparks(byName.get(r.service), r.sparks);
    });
    if (PAGE.rows && PAGE.rows.length) markOk();
    var busy = false;
    var timer = null;
    async function refresh(force) {
      if (busy) return;
      busy = true;
      try {
        var now = Date.now();
        var due = Array.from(visible).filter(function (n) {
          return force || now - (fetchedAt.get(n) || 0) > OVERVIEW_POLL_MS - 500;
        });
        for (var i = 0; i < due.length; i += 25) {
          var batch = due.slice(i, i + 25);
          var res = await api("/overview?services=" + batch.map(encodeURIComponent).join(","));
          if (!res.ok) { markFail(); break; }
          markOk();
          (res.body.rows || []).forEach(function (r) {
            var tr = byName.get(r.service);
            if (!tr) return;
            fetchedAt.set(r.service, Date.now());
            fillRow(tr, r.cells);
            tr.dataset.filled = "1";
            drawSparks(tr, r.sparks);
          });
        }
      } catch (e) {
        markFail();
      } finally {
        busy = false;
      }
    }
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(false); }, 80);
    }
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        var name = e.target.dataset.service;
        if (e.isIntersecting) visible.add(name);
        else visible.delete(name);
      });
      schedule();
    }, { rootMargin: "300px 0px" });
    rows.forEach(function (r) { io.observe(r); });
    var filter = document.getElementById("filter");
    if (filter) {
      filter.addEventListener("input", function () {
        var q = filter.value.trim().toLowerCase();
        rows.forEach(function (r) {
          r.classList.toggle("hidden", q !== "" && r.dataset.service.toLowerCase().indexOf(q) < 0);
        });
      });
    }
    refreshNow = function () { refresh(true); };
    setInterval(function () { if (!document.hidden) refresh(false); }, OVERVIEW_POLL_MS);
  }

  // ---- service page --------------------------------------------------------
  var AGREEMENT_WINDOW_S = 30;

  function initService() {
    var state = {
      minutes: PAGE.minutes,
      historyVersion: PAGE.version,
      snapshots: {},
      colors: {},
    };
    function armColors(model) {
      (model.charts || []).forEach(function (c) {
        if (c.id !== "requests") return;
        c.series.forEach(function (s) { state.colors[s.label.split(" (")[0]] = s.color; });
      });
    }
    function recordAgreement(model) {
      var t = model.now / 1000;
      Object.keys(model.agreement || {}).forEach(function (shadow) {
        var list = state.snapshots[shadow] || (state.snapshots[shadow] = []);
        list.push({ t: t, arms: model.agreement[shadow] });
        while (list.length > 1200) list.shift();
      });
    }
    function agreementSpec(shadow, model) {
      var list = state.snapshots[shadow] || [];
      var arms = {};
      list.forEach(function (s) { Object.keys(s.arms).forEach(function (a) { arms[a] = true; }); });
      var names = Object.keys(arms);
      var x = [];
      var values = names.map(function () { return []; });
      for (var i = 1; i < list.length; i++) {
        var cur = list[i];
        var j = i - 1;
        while (j > 0 && cur.t - list[j].t < AGREEMENT_WINDOW_S) j--;
        var base = list[j];
        x.push(cur.t);
        names.forEach(function (a, k) {
          var c = cur.arms[a] || { compared: 0, agreed: 0 };
          var b = base.arms[a] || { compared: 0, agreed: 0 };
          var dc = c.compared - b.compared;
          values[k].push(dc > 0 ? ((c.agreed - b.agreed) / dc) * 100 : null);
        });
      }
      if (x.length < 2) {
        // Nothing to draw yet: an empty minute up to now, so the axis reads as time.
        x = [model.now / 1000 - 60, model.now / 1000];
        values = names.map(function () { return [null, null]; });
      }
      return {
        id: "agreement-" + shadow,
        title: "Label agreement per production arm, last " + AGREEMENT_WINDOW_S + " s",
        unit: "%",
        kind: "time",
        x: x,
        series: names.map(function (a, k) {
          return { label: a, color: state.colors[a] || "#64748b", values: values[k] };
        }),
        markers: [],
        empty: "Fills in while this page is open (the shadow summary counts since it began).",
        hasData: values.some(function (v) { return v.some(function (y) { return y !== null; }); }),
      };
    }
    function drawAll(model) {
      sweepCharts();
      (model.charts || []).forEach(function (spec) {
        drawChart(document.querySelector('[data-chart="' + spec.id + '"]'), spec, false);
      });
      Object.keys(state.snapshots).forEach(function (shadow) {
        var el = document.querySelector('[data-chart="agreement-' + shadow + '"]');
        if (el) drawChart(el, agreementSpec(shadow, model), false);
      });
    }
    function updateSection(name, text) {
      var el = document.querySelector('[data-section="' + name + '"]');
      if (!el || el.dataset.html === text) return;
      var open = new Set();
      el.querySelectorAll("details[open][data-key]").forEach(function (d) { open.add(d.dataset.key); });
      var keep = new Map();
      el.querySelectorAll("[data-chart]").forEach(function (c) { keep.set(c.dataset.chart, c); });
      el.innerHTML = text;
      el.dataset.html = text;
      el.querySelectorAll("[data-chart]").forEach(function (c) {
        var old = keep.get(c.dataset.chart);
        if (old) c.replaceWith(old);
      });
      el.querySelectorAll("details[data-key]").forEach(function (d) { if (open.has(d.dataset.key)) d.open = true; });
    }
    armColors(PAGE);
    recordAgreement(PAGE);
    drawAll(PAGE);
    markOk();
    var busy = false;
    async function poll() {
      if (busy) return;
      busy = true;
      try {
        var res = await api(
          "/services/" + encodeURIComponent(PAGE.service) + "?minutes=" + state.minutes +
            "&history=" + (state.historyVersion === null ? "" : state.historyVersion),
        );
        if (!res.ok) { markFail(); return; }
        markOk();
        var m = res.body;
        Object.keys(m.sections).forEach(function (name) { updateSection(name, m.sections[name]); });
        if (m.sections.history !== undefined) state.historyVersion = m.version;
        armColors(m);
        recordAgreement(m);
        drawAll(m);
      } catch (e) {
        markFail();
      } finally {
        busy = false;
      }
    }
    var select = document.getElementById("window");
    if (select) {
      select.addEventListener("change", function () {
        state.minutes = Number(select.value);
        history.replaceState(null, "", "?minutes=" + state.minutes);
        poll();
      });
    }
    refreshNow = function () {
      state.historyVersion = null;
      poll();
    };
    setInterval(function () { if (!document.hidden) poll(); }, POLL_MS);
  }

  // ---- actions ---------------------------------------------------------------
  var dialog = null;
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function ensureDialog() {
    if (dialog) return dialog;
    var d = el("dialog");
    d.id = "confirm";
    var form = el("form");
    form.method = "dialog";
    var title = el("h2");
    var effect = el("p", "effect");
    var note = el("p", "note");
    var shareBox = el("div", "share-input");
    var shareLabel = el("label", "", "New share ");
    var share = el("input");
    share.type = "number";
    share.min = "0";
    share.max = "100";
    share.step = "0.01";
    share.name = "share";
    shareLabel.appendChild(share);
    shareBox.appendChild(shareLabel);
    shareBox.appendChild(el("span", "muted", "% of users"));
    var preview = el("div", "preview-box");
    var problem = el("p", "problem");
    problem.setAttribute("role", "alert");
    var buttons = el("div", "buttons");
    var cancel = el("button", "secondary", "Cancel");
    cancel.type = "button";
    cancel.value = "cancel";
    var confirm = el("button", "primary", "Confirm");
    confirm.type = "button";
    confirm.value = "confirm";
    buttons.appendChild(cancel);
    buttons.appendChild(confirm);
    [title, effect, note, shareBox, preview, problem, buttons].forEach(function (x) { form.appendChild(x); });
    d.appendChild(form);
    document.body.appendChild(d);
    cancel.addEventListener("click", function () { d.close(); });
    dialog = { d: d, title: title, effect: effect, note: note, shareBox: shareBox, share: share, preview: preview, problem: problem, confirm: confirm };
    return dialog;
  }

  function diffList(lines) {
    var ul = el("ul", "diff");
    (lines || []).forEach(function (l) {
      var show = function (v) { return typeof v === "string" ? v : JSON.stringify(v); };
      var text = l.kind === "added" ? "+ " + l.path + ": " + show(l.after)
        : l.kind === "removed" ? "- " + l.path + ": " + show(l.before)
        : "~ " + l.path + ": " + show(l.before) + " \u2192 " + show(l.after);
      var li = el("li", l.kind);
      li.appendChild(el("code", "", text));
      ul.appendChild(li);
    });
    return ul;
  }

  var previewSeq = 0;
  function openAction(button) {
    var g = ensureDialog();
    var action = button.dataset.action;
    var baseArgs = JSON.parse(button.dataset.args || "{}");
    var version = button.dataset.version ? Number(button.dataset.version) : undefined;
    var isEdit = action.indexOf("rollout.") !== 0;
    var path = "/services/" + encodeURIComponent(PAGE.service) + "/actions/" + action;
    var asksShare = button.dataset.shareBp !== undefined;
    g.title.textContent = button.dataset.title;
    g.effect.textContent = button.dataset.effect;
    g.note.textContent = button.dataset.note || "";
    g.note.hidden = !button.dataset.note;
    g.confirm.textContent = button.dataset.confirm;
    g.confirm.className = "primary" + (button.classList.contains("danger") ? " danger" : "");
    g.confirm.disabled = false;
    g.problem.textContent = "";
    g.problem.hidden = true;
    g.shareBox.hidden = !asksShare;
    g.preview.hidden = true;
    g.preview.textContent = "";
    if (asksShare) g.share.value = String(Number(button.dataset.shareBp) / 100);
    function args() {
      if (!asksShare) return baseArgs;
      return Object.assign({}, baseArgs, { shareBp: Math.round(Number(g.share.value) * 100) });
    }
    async function preview() {
      if (!isEdit) return;
      var seq = ++previewSeq;
      g.preview.hidden = false;
      g.preview.textContent = "Checking what this writes\u2026";
      g.confirm.disabled = true;
      var res = await api(path, { method: "POST", body: { args: args(), expectedVersion: version, dryRun: true } });
      if (seq !== previewSeq) return;
      g.preview.textContent = "";
      if (res.ok) {
        g.preview.appendChild(el("p", "", "Writes version " + res.body.version + ": " + res.body.change));
        g.preview.appendChild(diffList(res.body.diff));
        g.confirm.disabled = false;
      } else {
        g.preview.appendChild(el("p", "problem", res.body.message || "refused (" + res.status + ")"));
      }
    }
    var typing = null;
    g.share.oninput = function () {
      clearTimeout(typing);
      typing = setTimeout(preview, 250);
    };
    g.confirm.onclick = async function () {
      g.confirm.disabled = true;
      g.problem.hidden = true;
      try {
        var res = await api(path, { method: "POST", body: { args: args(), expectedVersion: version } });
        if (res.ok) {
          g.d.close();
          toast(res.body.message || "done");
          refreshNow();
        } else {
          g.problem.textContent = res.body.message || "refused (" + res.status + ")";
          g.problem.hidden = false;
          if (res.status !== 409 && res.status !== 412) g.confirm.disabled = false;
        }
      } catch (e) {
        g.problem.textContent = "The router did not answer; check the service before trying again.";
        g.problem.hidden = false;
        g.confirm.disabled = false;
      }
    };
    g.d.showModal();
    preview().catch(function () {
      g.preview.textContent = "Could not check what this writes.";
    });
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    var button = target && target.closest ? target.closest("button[data-action]") : null;
    if (!button) return;
    ev.preventDefault();
    openAction(button);
  });

  if (PAGE && PAGE.kind === "overview") initOverview();
  if (PAGE && PAGE.kind === "service") initService();
})();
`;
