// Polls the JSON feed every 2 s, fills the per-class table and draws two small SVG line charts.
// No libraries: the example must run on a closed network.
(function () {
  "use strict";
  const script = document.currentScript;
  const FEED = script.dataset.feed;
  const MAX_WINDOW = Number(script.dataset.history || 300);
  let WINDOW = 60; // grows with the history, a minute at a time, up to MAX_WINDOW
  const names = {}; // class key (upper case) -> the class as the client names it
  const PERIOD_MS = 2000;
  const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4d7c0f",
                  "#9333ea", "#0f766e"];
  const SVG_NS = "http://www.w3.org/2000/svg";
  const colorOf = {};

  function color(key) {
    if (!(key in colorOf)) colorOf[key] = COLORS[Object.keys(colorOf).length % COLORS.length];
    return colorOf[key];
  }

  function fmt(v) { return v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US"); }

  function ratio(part, whole) {
    const pct = (100 * part) / whole;
    return (pct >= 99.95 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)) + " %";
  }

  function key(cclass) { return String(cclass || "").split(".").pop().toUpperCase(); }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function renderTable(rows) {
    const body = document.getElementById("rows");
    body.replaceChildren();
    if (!rows.length) {
      const tr = document.createElement("tr");
      const td = cell("No pools and no broker classes yet: open a tenant's page.", "muted");
      td.colSpan = 10;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    for (const r of rows) {
      const tr = document.createElement("tr");
      const k = key(r.cclass);
      names[k] = String(r.cclass || k).split(".").pop();
      const name = cell(r.tenant || "shared");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = color(k);
      name.prepend(swatch);
      tr.append(name, cell(r.broker_class || r.cclass, "code"),
        cell(fmt(r.opened)), cell(fmt(r.busy)), cell(fmt(r.max)),
        cell(fmt(r.requests)), cell(fmt(r.hits)), cell(fmt(r.misses)), cell(fmt(r.waits)),
        cell(r.requests ? ratio(r.hits, r.requests) : "–"));
      tr.dataset.cclass = k;
      body.appendChild(tr);
    }
  }

  // Per-class series from the history: broker requests/s (delta of NUM_REQUESTS) and client busy.
  function series(history, now) {
    const rates = {};
    const busy = {};
    for (let i = 0; i < history.length; i++) {
      const s = history[i];
      const x = s.t - now;
      for (const [k, v] of Object.entries(s.busy || {})) (busy[k] = busy[k] || []).push([x, v]);
      if (i === 0) continue;
      const p = history[i - 1];
      const dt = s.t - p.t;
      if (dt <= 0) continue;
      for (const [k, v] of Object.entries(s.broker || {})) {
        if (!(k in (p.broker || {}))) continue;
        (rates[k] = rates[k] || []).push([x, Math.max(0, (v - p.broker[k]) / dt)]);
      }
    }
    return { rates, busy };
  }

  function el(name, attrs, text) {
    const e = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function niceMax(v) {
    if (v <= 1) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function drawChart(svg, data, unit) {
    const W = 560, H = 190, L = 44, R = 10, T = 10, B = 24;
    svg.replaceChildren();
    let max = 0;
    for (const pts of Object.values(data)) for (const [, y] of pts) max = Math.max(max, y);
    max = niceMax(max);
    const xs = (x) => L + ((x + WINDOW) / WINDOW) * (W - L - R);
    const ys = (y) => T + (1 - y / max) * (H - T - B);
    for (let i = 0; i <= 4; i++) {
      const y = (max * i) / 4;
      svg.appendChild(el("line", { x1: L, x2: W - R, y1: ys(y), y2: ys(y), class: "gridline" }));
      svg.appendChild(el("text", { x: L - 6, y: ys(y) + 4, class: "tick", "text-anchor": "end" },
        Number.isInteger(y) ? y : y.toFixed(1)));
    }
    const step = WINDOW <= 120 ? 15 : 60;
    for (let t = 0; t <= WINDOW; t += step) {
      const label = t === 0 ? "now" : t % 60 ? "-" + t + " s" : "-" + t / 60 + " min";
      svg.appendChild(el("text", { x: xs(-t), y: H - 6, class: "tick", "text-anchor": "middle" }, label));
    }
    svg.appendChild(el("text", { x: L + 4, y: T + 12, class: "unit" }, unit));
    let drawn = 0;
    for (const [k, pts] of Object.entries(data)) {
      const visible = pts.filter(([x]) => x >= -WINDOW);
      if (visible.length < 2) continue;
      const d = visible.map(([x, y]) => xs(x).toFixed(1) + "," + ys(y).toFixed(1)).join(" ");
      svg.appendChild(el("polyline", { points: d, fill: "none", stroke: color(k), "stroke-width": 2,
        "data-cclass": k }));
      drawn++;
    }
    if (!drawn) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, class: "empty", "text-anchor": "middle" },
        "collecting samples…"));
    }
  }

  function renderLegend() {
    const legend = document.getElementById("legend");
    legend.replaceChildren();
    for (const [k, c] of Object.entries(colorOf)) {
      const item = document.createElement("span");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c;
      item.append(sw, names[k] || k);
      legend.appendChild(item);
    }
  }

  function renderCards(data) {
    const set = (id, text) => { document.getElementById(id).textContent = text; };
    const bp = data.broker_pool;
    set("servers", bp ? fmt(bp.num_open_servers) : "–");
    set("servers-sub", bp ? fmt(bp.num_busy_servers) + " busy · max " + fmt(bp.maxsize) : "V$CPOOL_STATS unavailable");
    const pools = data.pools || [];
    const opened = pools.reduce((n, p) => n + (p.opened || 0), 0);
    const busy = pools.reduce((n, p) => n + (p.busy || 0), 0);
    set("clients", fmt(opened));
    set("clients-sub", busy + " busy · " + pools.length + (pools.length === 1 ? " pool" : " pools"));
    const rows = data.broker || [];
    const req = rows.reduce((n, r) => n + r.num_requests, 0);
    const hits = rows.reduce((n, r) => n + r.num_hits, 0);
    const waits = rows.reduce((n, r) => n + r.num_waits, 0);
    set("requests", fmt(req));
    set("requests-sub", (req ? ratio(hits, req) + " hits" : "no requests yet") + " · " + fmt(waits) + " waits · "
      + rows.length + (rows.length === 1 ? " class" : " classes"));
  }

  function render(data) {
    const history = data.history || [];
    const span = history.length ? data.time - history[0].t : 0;
    WINDOW = Math.min(MAX_WINDOW, Math.max(60, Math.ceil(span / 60) * 60));
    for (const w of document.querySelectorAll(".window")) {
      w.textContent = WINDOW === 60 ? "minute" : WINDOW / 60 + " minutes";
    }
    renderCards(data);
    renderTable(data.rows || []);
    const { rates, busy } = series(data.history || [], data.time);
    drawChart(document.getElementById("chart-requests"), rates, "requests/s");
    drawChart(document.getElementById("chart-busy"), busy, "busy");
    renderLegend();
    const err = document.getElementById("broker-error");
    err.hidden = !data.broker_error;
    err.textContent = data.broker_error ? "Broker figures unavailable: " + data.broker_error : "";
    document.getElementById("updated").textContent =
      "updated " + new Date(data.time * 1000).toLocaleTimeString();
  }

  async function poll() {
    try {
      const resp = await fetch(FEED, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (resp.ok) render(await resp.json());
      else document.getElementById("updated").textContent = "feed error " + resp.status;
    } catch (e) {
      document.getElementById("updated").textContent = "feed unreachable";
    }
    setTimeout(poll, PERIOD_MS);
  }

  render(JSON.parse(document.getElementById("initial-stats").textContent));
  setTimeout(poll, PERIOD_MS);
})();
