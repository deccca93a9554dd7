// The Runs page: a live list, newest first, filtered on the server.
"use strict";

(() => {
  const W = window.wasmdrive;
  const { el, clear, api, live, runs, putRun, matches } = W;
  const statuses = ["queued", "running", "succeeded", "failed", "cancelled"];
  const triggers = [["manual", "Manual"], ["subject", "Subject"], ["schedule", "Schedule"], ["retry", "Retry"]];
  let pluginNames = [];

  // progressBar shows done/total, or an indeterminate bar when unknown.
  W.progressBar = (p) => {
    if (p && p.total > 0) {
      const pct = Math.max(0, Math.min(100, (100 * p.done) / p.total));
      const bar = el("div", { class: "bar", role: "progressbar", "aria-valuenow": Math.round(pct), "aria-valuemin": 0, "aria-valuemax": 100 }, el("i"));
      bar.firstChild.style.width = pct.toFixed(1) + "%";
      const label = el("div", { class: "bar-label" }, p.done + " / " + p.total + (p.unit ? " " + p.unit : "") + (p.note ? " · " + p.note : ""));
      return el("div", { class: "progress" }, bar, label);
    }
    return el("div", { class: "progress" }, el("div", { class: "bar indeterminate", role: "progressbar" }, el("i")),
      p && p.note ? el("div", { class: "bar-label" }, p.note) : null);
  };

  // duration renders a run's duration; a running one keeps ticking.
  W.duration = (r) => {
    const s = W.ms(r.started), e = W.ms(r.ended);
    if (s && e) return el("span", {}, W.fmtDur(e - s));
    if (s && r.status === "running") return el("span", { dataset: { since: s } }, W.fmtDur(W.now() - s));
    return el("span", {}, "—");
  };

  function runRow(r) {
    const at = W.ms(r.started) || W.ms(r.queued);
    const row = el("a", { class: "run " + r.status, href: "#/runs/" + encodeURIComponent(r.id), dataset: { id: r.id, status: r.status } },
      el("span", { class: "status" }, el("span", { class: "badge " + W.statusText(r) }, W.statusText(r))),
      el("span", { class: "plugin", title: r.plugin }, r.plugin, r.version ? el("small", {}, "v" + r.version) : null),
      el("span", { class: "trigger", title: r.trigger }, W.triggerEl(r.trigger)),
      el("span", { class: "where" }, [r.account, r.node].filter(Boolean).join(" · ") || "—"),
      el("span", { class: "when", title: at ? W.fmtTime(at) : "", dataset: at ? { ago: at } : {} }, at ? W.fmtAgo(at) : "—"),
      el("span", { class: "dur" }, W.duration(r)));
    if (r.status === "running") row.appendChild(el("div", { class: "bar-cell" }, W.progressBar(r.progress)));
    if ((r.status === "failed" || r.status === "dead" || r.status === "queued") && r.error) row.appendChild(el("span", { class: "err", title: r.error }, W.firstLine(r.error)));
    return row;
  }

  function select(label, value, options, onchange) {
    return el("select", { "aria-label": label, onchange: (e) => onchange(e.target.value) },
      options.map(([v, text]) => el("option", { value: v, selected: v === value }, text)));
  }

  W.pages.runs = (main, _parts, params) => {
    const f = { plugin: params.get("plugin") || "", status: params.get("status") || "", trigger: params.get("trigger") || "" };
    const go = (k, v) => {
      const q = new URLSearchParams();
      for (const [key, val] of Object.entries({ ...f, [k]: v })) if (val) q.set(key, val);
      location.hash = "#/runs" + (q.toString() ? "?" + q : "");
    };
    const filtered = f.plugin || f.status || f.trigger;
    const plugSel = select("Plugin", f.plugin, [["", "All plugins"], ...pluginNames.map((n) => [n, n])], (v) => go("plugin", v));
    const failedOnly = f.status === "failed";
    const head = el("div", { class: "page-head" },
      el("h1", {}, "Runs"),
      el("div", { class: "filters" },
        plugSel,
        select("Status", f.status, [["", "Any status"], ...statuses.map((s) => [s, s[0].toUpperCase() + s.slice(1)])], (v) => go("status", v)),
        select("Trigger", f.trigger, [["", "Any trigger"], ...triggers], (v) => go("trigger", v)),
        el("button", { class: "btn", id: "failed-only", "aria-pressed": failedOnly ? "true" : "false", onclick: () => go("status", failedOnly ? "" : "failed") }, "Failed only")));
    const list = el("div", { class: "card runs", id: "runs-list", "aria-live": "polite" });
    main.append(head, list);

    // The plugin filter's options come from the plugin list.
    api("GET", "/api/plugins").then((d) => {
      const names = d.plugins.map((p) => p.name).sort();
      if (names.join() === pluginNames.join()) return;
      pluginNames = names;
      const fresh = select("Plugin", f.plugin, [["", "All plugins"], ...names.map((n) => [n, n])], (v) => go("plugin", v));
      plugSel.replaceWith(fresh);
    }).catch(() => {});

    let loaded = false, pending = false;
    const render = () => {
      pending = false;
      clear(list);
      if (!loaded) { list.appendChild(el("p", { class: "empty" }, "Loading runs…")); return; }
      const rows = [...runs.values()].filter((r) => matches(f, r))
        .sort((a, b) => (W.ms(b.queued) - W.ms(a.queued)) || (a.id < b.id ? 1 : -1)).slice(0, 200);
      if (rows.length === 0) {
        list.appendChild(filtered
          ? el("div", { class: "empty" }, el("strong", {}, "No runs match these filters"), el("a", { href: "#/runs" }, "Show all runs"))
          : el("div", { class: "empty" }, el("strong", {}, "No runs yet"),
            "Runs appear here as plugins are triggered by a subject, a schedule, or ",
            el("a", { href: "#/plugins" }, "Run now"), "."));
        return;
      }
      list.appendChild(el("div", { class: "runs-head", "aria-hidden": "true" },
        el("span", {}, "Status"), el("span", {}, "Plugin"), el("span", {}, "Trigger"), el("span", {}, "Account · node"),
        el("span", {}, "Started"), el("span", {}, "Duration")));
      for (const r of rows) list.appendChild(runRow(r));
    };
    const later = () => { if (!pending) { pending = true; requestAnimationFrame(render); } };
    runs.clear();
    live.on("runs", (fr) => { for (const r of fr.runs) putRun(r); loaded = true; later(); });
    live.on("run", (fr) => { if (putRun(fr.run)) later(); });
    live.subRuns({ plugin: f.plugin, status: f.status, trigger: f.trigger, limit: 200 });
    render();
    return () => { live.unsubRuns(); live.on("runs", null); live.on("run", null); };
  };
})();
