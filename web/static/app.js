// wasmdrive console. No framework, no build step.
//
// Safety rule: every piece of data from the server (plugin names, log text,
// errors, file names) reaches the DOM only through textContent or text
// nodes (see el()). Nothing here assigns innerHTML.
"use strict";

(() => {
  // ---------- DOM and format helpers ----------
  const $ = (sel, root = document) => root.querySelector(sel);

  // el("div", {class: "x", onclick: f}, "text", child...) builds an element.
  // Strings become text nodes, never markup.
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else if (k === "dataset") Object.assign(e.dataset, v);
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    append(e, children);
    return e;
  }
  function append(parent, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return parent;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }

  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  let clockOffset = 0; // server time minus local time, from the hello frame
  const now = () => Date.now() + clockOffset;
  // ms parses a server time; Go's zero time ("0001-01-01...") means unset.
  const ms = (t) => { const v = t ? Date.parse(t) : 0; return v > 0 ? v : 0; };

  function fmtDur(d) {
    if (d < 0) d = 0;
    const s = Math.floor(d / 1000);
    if (s < 60) return d < 10000 ? (d / 1000).toFixed(1) + "s" : s + "s";
    const m = Math.floor(s / 60), h = Math.floor(m / 60), dd = Math.floor(h / 24);
    if (dd > 0) return dd + "d " + (h % 24) + "h";
    if (h > 0) return h + "h " + (m % 60) + "m";
    return m + "m " + String(s % 60).padStart(2, "0") + "s";
  }
  function fmtAgo(t) {
    const d = now() - t;
    if (d < 45000) return "just now";
    if (d < 3600000) return Math.round(d / 60000) + " min ago";
    if (d < 86400000) return Math.round(d / 3600000) + " h ago";
    return new Date(t).toLocaleDateString();
  }
  const fmtTime = (t) => new Date(t).toLocaleString();
  function fmtBytes(n) {
    if (!n) return "0 B";
    const u = ["B", "KB", "MB", "GB", "TB", "PB"];
    const i = Math.min(u.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
    return (n / Math.pow(1024, i)).toFixed(i ? 1 : 0) + " " + u[i];
  }
  function firstLine(s) { return String(s || "").split("\n")[0]; }
  function pretty(raw) {
    try { return JSON.stringify(raw, null, 2); } catch (e) { return String(raw); }
  }

  // describeTrigger splits "subject:x", "schedule:id@slot", "retry:id" and
  // "manual" into a kind and a text.
  function describeTrigger(t) {
    t = t || "";
    const i = t.indexOf(":");
    const kind = i < 0 ? t : t.slice(0, i), rest = i < 0 ? "" : t.slice(i + 1);
    switch (kind) {
      case "manual": return { kind, text: "run now" };
      case "subject": return { kind, text: rest };
      case "schedule": {
        const at = rest.lastIndexOf("@");
        return { kind, text: at < 0 ? rest : rest.slice(0, at) + " · " + slotText(rest.slice(at + 1)) };
      }
      case "retry": return { kind, text: "of " + rest, of: rest };
      default: return { kind: kind || "?", text: t || "unknown" };
    }
  }
  // triggerEl renders a trigger as a kind label and its text.
  const triggerEl = (t) => { const d = describeTrigger(t); return [el("span", { class: "tkind" }, d.kind), d.text]; };
  function slotText(s) { const t = Date.parse(s); return t ? new Date(t).toLocaleString() : s; }

  function toast(msg, bad) {
    const box = $("#toast");
    const t = el("div", { class: bad ? "bad" : "" }, msg);
    box.appendChild(t);
    setTimeout(() => t.remove(), bad ? 6000 : 3500);
  }

  // ---------- JSON API ----------
  async function api(method, path, body) {
    const opt = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      opt.headers["X-CSRF-Token"] = csrf;
      if (body !== undefined) {
        opt.headers["Content-Type"] = "application/json";
        opt.body = typeof body === "string" ? body : JSON.stringify(body);
      }
    }
    const r = await fetch(path, opt);
    if (r.status === 401) { location.href = "/"; throw new Error("signed out: enter the token again"); }
    let data = null;
    try { data = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error((data && data.error) || r.status + " " + r.statusText);
    return data;
  }

  // ---------- Live connection ----------
  // One websocket; subscriptions survive reconnects. Each log subscription
  // remembers the last sequence number shown, and a reconnect resumes after
  // it, so no line is missed or shown twice.
  const live = {
    ws: null, backoff: 1000, timer: 0, lastMsg: 0,
    runsFilter: null, logs: new Map(), handlers: {},
    on(type, fn) { this.handlers[type] = fn; },
    setState(state, text) { const c = $("#conn"); c.dataset.state = state; c.textContent = text; },
    connect() {
      clearTimeout(this.timer);
      this.setState(this.ws ? "reconnecting" : "connecting", this.ws ? "reconnecting" : "connecting");
      const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
      this.ws = ws;
      ws.onopen = () => {
        this.backoff = 1000; this.lastMsg = Date.now();
        this.setState("live", "live");
        if (this.runsFilter) this.send({ op: "sub", topic: "runs", filter: this.runsFilter });
        for (const [run, seq] of this.logs) this.send({ op: "sub", topic: "log", run, after: seq });
      };
      ws.onmessage = (ev) => {
        this.lastMsg = Date.now();
        for (const part of String(ev.data).split("\n")) {
          if (!part) continue;
          let f;
          try { f = JSON.parse(part); } catch (e) { continue; }
          const h = this.handlers[f.t];
          if (h) h(f);
        }
      };
      ws.onclose = () => {
        if (this.ws !== ws) return;
        const wait = this.backoff;
        this.backoff = Math.min(this.backoff * 2, 16000);
        let left = Math.round(wait / 1000);
        this.setState("offline", "offline · retry in " + left + "s");
        const tick = () => {
          left--;
          if (left > 0) { this.setState("offline", "offline · retry in " + left + "s"); this.timer = setTimeout(tick, 1000); }
          else this.connect();
        };
        this.timer = setTimeout(tick, 1000);
      };
    },
    send(m) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(m)); },
    subRuns(filter) { this.runsFilter = filter; this.send({ op: "sub", topic: "runs", filter }); },
    unsubRuns() { this.runsFilter = null; this.send({ op: "unsub", topic: "runs" }); },
    subLog(run, after) { this.logs.set(run, after); this.send({ op: "sub", topic: "log", run, after }); },
    unsubLog(run) { if (this.logs.delete(run)) this.send({ op: "unsub", topic: "log", run }); },
  };
  // A silent socket (no heartbeat for 45 s) is dead even if the OS has not noticed.
  setInterval(() => {
    if (live.ws && live.ws.readyState === 1 && Date.now() - live.lastMsg > 45000) live.ws.close();
  }, 5000);
  live.on("hello", (f) => { clockOffset = ms(f.time) - Date.now(); });
  live.on("error", (f) => toast(f.msg, true));

  // ---------- Run records ----------
  const runs = new Map(); // id → record, the freshest copy seen
  const rank = { queued: 0, running: 1, succeeded: 2, failed: 2, dead: 3, cancelled: 2 };
  // A queued run that carries an error is waiting to retry: it comes after
  // the attempt that ran.
  const rankOf = (r) => (r.status === "queued" && r.error ? 1.5 : rank[r.status] || 0);
  // statusText is what a badge says: "retrying" for a run waiting to retry.
  const statusText = (r) => (r.status === "queued" && r.error ? "retrying" : r.status);
  // fresher reports whether record a is at least as new as b. Snapshot and
  // live frames may arrive in either order; a run never goes back.
  function fresher(a, b) {
    const k = (r) => [r.attempt || 0, rankOf(r), ms(r.started), ms(r.ended), r.last_log_seq || 0, (r.progress && r.progress.done) || 0];
    const x = k(a), y = k(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] > y[i];
    return true;
  }
  function putRun(r) {
    const old = runs.get(r.id);
    if (old && !fresher(r, old)) return false;
    runs.set(r.id, r);
    return true;
  }
  function matches(f, r) {
    if (f.plugin && r.plugin !== f.plugin) return false;
    if (f.trigger && !(r.trigger || "").startsWith(f.trigger)) return false;
    if (f.status === "failed") return r.status === "failed" || r.status === "dead";
    if (f.status) return r.status === f.status;
    return true;
  }

  // ---------- Router ----------
  const pages = {};
  let leave = null; // cleanup of the current page
  function route() {
    const hash = location.hash.replace(/^#/, "") || "/runs";
    const [path, qs] = hash.split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const params = new URLSearchParams(qs || "");
    if (leave) { leave(); leave = null; }
    const main = clear($("#main"));
    const name = parts[0] || "runs";
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === name);
    const page = name === "runs" && parts[1] ? pages.run : pages[name] || pages.runs;
    leave = page(main, parts.slice(1), params) || null;
    main.focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", route);

  // One ticker refreshes every live duration and countdown.
  setInterval(() => {
    for (const e of document.querySelectorAll("[data-since]")) e.textContent = fmtDur(now() - Number(e.dataset.since));
    for (const e of document.querySelectorAll("[data-until]")) {
      const d = Number(e.dataset.until) - now();
      e.textContent = d > 0 ? "in " + fmtDur(d) : "due";
    }
    for (const e of document.querySelectorAll("[data-ago]")) e.textContent = fmtAgo(Number(e.dataset.ago));
  }, 1000);

  const W = window.wasmdrive = { statusText, $, el, append, clear, api, live, runs, putRun, matches, fresher, pages, route, toast,
    fmtDur, fmtAgo, fmtTime, fmtBytes, firstLine, pretty, describeTrigger, triggerEl, now, ms };
  // Page scripts (runs.js, run.js, plugins.js, drives.js) are deferred too,
  // so they have registered their pages by DOMContentLoaded.
  document.addEventListener("DOMContentLoaded", () => { live.connect(); route(); });
})();
