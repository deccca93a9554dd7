// The run page: the run's record, actions, and its log streaming live.
"use strict";

(() => {
  const W = window.wasmdrive;
  const { el, clear, api, live, putRun } = W;
  const MAX_DOM_LINES = 20000;
  const levels = { debug: 0, info: 1, warn: 2, error: 3 };
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  const clock = (t) => { const d = new Date(t); return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3); };

  // lineEl renders one log line with text nodes only: the message and the
  // fields are untrusted plugin output.
  function lineEl(l) {
    const lv = levels[l.level] === undefined ? "info" : l.level;
    const m = el("span", { class: "m" }, l.msg);
    let text = (l.msg || "");
    for (const [k, v] of Object.entries(l.fields || {})) {
      const vs = typeof v === "string" ? v : JSON.stringify(v);
      m.appendChild(el("span", { class: "f" }, el("span", { class: "k" }, k), "=", el("span", { class: "v" }, vs)));
      text += " " + k + "=" + vs;
    }
    const e = el("div", { class: "line lvl-" + lv, dataset: { seq: l.seq, level: lv } },
      el("span", { class: "t", title: l.time }, clock(l.time)),
      el("span", { class: "lv" }, lv.toUpperCase()), m);
    e._text = text.toLowerCase();
    return e;
  }

  function headCard(rec, id) {
    const t = W.describeTrigger(rec.trigger);
    const failed = rec.status === "failed" || rec.status === "dead";
    const active = rec.status === "queued" || rec.status === "running";
    const retry = async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await api("POST", "/api/runs/" + encodeURIComponent(id) + "/retry");
        W.toast("Retry queued as " + r.id);
        location.hash = "#/runs/" + encodeURIComponent(r.id);
      } catch (e) { W.toast("Retry failed: " + e.message, true); ev.target.disabled = false; }
    };
    const cancel = async (ev) => {
      ev.target.disabled = true;
      try { await api("POST", "/api/runs/" + encodeURIComponent(id) + "/cancel"); W.toast("Cancel requested"); }
      catch (e) { W.toast("Cancel failed: " + e.message, true); ev.target.disabled = false; }
    };
    const base = "/api/runs/" + encodeURIComponent(id);
    const item = (k, ...v) => el("div", {}, el("dt", {}, k), el("dd", {}, ...v));
    const at = (v) => (W.ms(v) ? W.fmtTime(W.ms(v)) : "—");
    return el("div", { class: "card run-head" },
      el("div", { class: "title" },
        el("h1", {}, rec.plugin || "run"),
        el("span", { class: "badge " + W.statusText(rec), id: "run-status" }, W.statusText(rec)),
        el("span", { class: "tag" }, rec.id),
        el("div", { class: "actions" },
          failed ? el("button", { class: "btn primary", id: "retry", onclick: retry }, "↻ Retry") : null,
          active ? el("button", { class: "btn danger", id: "cancel", onclick: cancel }, "Cancel") : null,
          el("a", { class: "btn", href: base + "/log.txt", download: "" }, "Download log"),
          el("a", { class: "btn", href: base + "/log.jsonl", download: "" }, ".jsonl"))),
      el("dl", { class: "meta" },
        item("Trigger", t.of ? [el("span", { class: "tkind" }, "retry"), "of ", el("a", { href: "#/runs/" + encodeURIComponent(t.of) }, t.of)] : W.triggerEl(rec.trigger)),
        item("Version", rec.version ? "v" + rec.version : "—", rec.hash ? el("span", { class: "sub", title: rec.hash }, " · " + rec.hash.slice(0, 12)) : null),
        item("Account · node", [rec.account, rec.node].filter(Boolean).join(" · ") || "—"),
        item("Queued", at(rec.queued)), item("Started", at(rec.started)), item("Ended", at(rec.ended)),
        item("Duration", W.duration(rec)),
        rec.attempt > 1 ? item("Attempt", String(rec.attempt)) : null,
        rec.entry ? item("Entry", rec.entry) : null),
      rec.status === "running" ? el("div", { style: null, class: "resultbox" }, W.progressBar(rec.progress)) : null,
      rec.error ? el("div", { class: "errbox", id: "run-error" }, rec.error) : null,
      rec.result ? el("div", { class: "resultbox" }, el("h2", {}, "Result"), el("pre", {}, W.pretty(rec.result))) : null,
      rec.input && JSON.stringify(rec.input) !== "{}" ? el("details", { class: "resultbox" }, el("summary", {}, "Input"), el("pre", {}, W.pretty(rec.input))) : null);
  }

  W.pages.run = (main, parts) => {
    const id = parts[0];
    let rec = null;
    const head = el("div", {}, el("div", { class: "card run-head" }, el("p", { class: "empty" }, "Loading run…")));
    main.append(el("a", { class: "back", href: "#/runs" }, "← All runs"), head);
    const showHead = () => { clear(head).appendChild(headCard(rec, id)); };

    // ---- log viewer state ----
    let lastSeq = 0, shown = 0, inDom = 0, trimmed = false, paused = false, pinned = true;
    let minLevel = 0, query = "", queue = [], held = [], frame = 0;
    const logEl = el("div", { class: "log", id: "log", role: "log", tabindex: "0", "aria-label": "Run log" });
    const count = el("span", { class: "count", id: "log-count" }, "0 lines");
    const streaming = el("span", { class: "streaming", id: "streaming", "data-on": "false" }, "catching up");
    const pauseBtn = el("button", { class: "btn small", id: "pause", onclick: () => setPaused(!paused) }, "Pause");
    const jump = el("button", { class: "btn small jump", id: "jump", hidden: true, onclick: () => { pinned = true; jump.hidden = true; logEl.scrollTop = logEl.scrollHeight; } }, "↓ Latest");
    const visible = (e) => Number(levels[e.dataset.level]) >= minLevel && (!query || e._text.includes(query));
    const refilter = () => { for (const e of logEl.children) if (e.classList.contains("line")) e.hidden = !visible(e); if (pinned) logEl.scrollTop = logEl.scrollHeight; };
    const logbar = el("div", { class: "logbar" },
      pauseBtn,
      el("button", { class: "btn small", id: "wrap", "aria-pressed": "false", onclick: (e) => {
        const on = logEl.classList.toggle("wrap"); e.target.setAttribute("aria-pressed", String(on));
      } }, "Wrap"),
      el("select", { class: "small", id: "level", "aria-label": "Minimum level", onchange: (e) => { minLevel = Number(e.target.value); refilter(); } },
        el("option", { value: 0 }, "All levels"), el("option", { value: 1 }, "Info +"), el("option", { value: 2 }, "Warn +"), el("option", { value: 3 }, "Errors")),
      el("input", { type: "search", class: "grow", id: "search", placeholder: "Search the log", "aria-label": "Search the log", oninput: (e) => { query = e.target.value.toLowerCase(); refilter(); } }),
      streaming, count);
    main.append(el("div", { class: "card" }, logbar, el("div", { class: "logwrap" }, logEl, jump)));
    logEl.addEventListener("scroll", () => {
      pinned = logEl.scrollTop + logEl.clientHeight >= logEl.scrollHeight - 8;
      jump.hidden = pinned;
    });

    const updateCount = () => {
      count.textContent = shown + (shown === 1 ? " line" : " lines") + (held.length ? " · " + held.length + " held" : "");
    };
    function setPaused(p) {
      paused = p;
      pauseBtn.textContent = p ? "Resume" : "Pause";
      pauseBtn.setAttribute("aria-pressed", String(p));
      if (!p && held.length) { queue.push(...held); held = []; schedule(); }
      updateCount();
    }
    function flush() {
      frame = 0;
      if (!queue.length) return;
      if (shown === 0 && logEl.firstChild) clear(logEl);
      const frag = document.createDocumentFragment();
      for (const l of queue) { const e = lineEl(l); e.hidden = !visible(e); frag.appendChild(e); }
      shown += queue.length;
      queue = [];
      inDom += frag.childNodes.length;
      logEl.appendChild(frag);
      if (inDom > MAX_DOM_LINES) {
        for (let extra = inDom - MAX_DOM_LINES; extra > 0; extra--) logEl.querySelector(".line").remove();
        inDom = MAX_DOM_LINES;
        if (!trimmed) { trimmed = true; logEl.prepend(el("div", { class: "note" }, "Older lines are not shown here; download the log to see all of it.")); }
      }
      updateCount();
      if (pinned) logEl.scrollTop = logEl.scrollHeight;
    }
    const schedule = () => { if (!frame) frame = requestAnimationFrame(flush); };
    logEl.appendChild(el("div", { class: "note", id: "log-empty" }, "No log lines yet."));

    live.on("log", (f) => {
      if (f.run !== id) return;
      const fresh = f.lines.filter((l) => l.seq > lastSeq);
      if (!fresh.length) return;
      lastSeq = fresh[fresh.length - 1].seq;
      if (live.logs.has(id)) live.logs.set(id, lastSeq); // resume point after a reconnect
      if (paused) { held.push(...fresh); updateCount(); return; }
      queue.push(...fresh);
      schedule();
    });
    live.on("live", (f) => { if (f.run === id) { streaming.dataset.on = "true"; streaming.textContent = "live"; } });
    live.on("run", (f) => {
      if (f.run.id === id && putRun(f.run)) { rec = W.runs.get(id); showHead(); }
    });
    live.on("runs", () => {});

    api("GET", "/api/runs/" + encodeURIComponent(id)).then((r) => {
      putRun(r);
      rec = W.runs.get(id);
      showHead();
      live.subRuns({ plugin: rec.plugin, limit: 1 });
    }).catch((e) => {
      clear(head).appendChild(el("div", { class: "card run-head" }, el("div", { class: "empty" }, el("strong", {}, "Run not found"), e.message)));
    });
    live.subLog(id, 0);

    return () => {
      live.unsubLog(id); live.unsubRuns();
      for (const t of ["log", "live", "run", "runs"]) live.on(t, null);
      if (frame) cancelAnimationFrame(frame);
    };
  };
})();
