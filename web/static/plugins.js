// The Plugins page: what is loaded, its triggers and schedules (with a
// countdown to the next fire), enable/disable, and "Run now" with a form
// generated from the plugin's config schema.
"use strict";

(() => {
  const W = window.wasmdrive;
  const { el, clear, api, live } = W;

  // schemaForm builds inputs for a JSON Schema object; read() returns the
  // input object or throws with a message for the user.
  function schemaForm(schema) {
    const props = schema && typeof schema === "object" && schema.properties && typeof schema.properties === "object" ? schema.properties : null;
    if (!props || !Object.keys(props).length) {
      const ta = el("textarea", { name: "input", rows: 4, spellcheck: "false", "aria-label": "Input (JSON)" }, "{}");
      return { nodes: [el("label", {}, "Input (JSON)", ta)], read: () => JSON.parse(ta.value || "{}") };
    }
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const fields = [];
    for (const [name, ps0] of Object.entries(props)) {
      const ps = ps0 && typeof ps0 === "object" ? ps0 : {};
      const type = Array.isArray(ps.type) ? ps.type.find((t) => t !== "null") : ps.type;
      const title = (ps.title || name) + (required.has(name) ? " *" : "");
      const help = ps.description ? el("span", { class: "help" }, ps.description) : null;
      const def = ps.default;
      let input, read;
      if (Array.isArray(ps.enum)) {
        input = el("select", { name }, required.has(name) ? null : el("option", { value: "" }, "—"),
          ps.enum.map((v, i) => el("option", { value: String(i), selected: v === def }, String(v))));
        read = () => (input.value === "" ? undefined : ps.enum[Number(input.value)]);
      } else if (type === "boolean") {
        input = el("input", { type: "checkbox", name, checked: def === true });
        read = () => input.checked;
        fields.push({ name, read });
        const lab = el("label", { class: "check" }, input, title);
        fields[fields.length - 1].node = el("div", {}, lab, help);
        continue;
      } else if (type === "integer" || type === "number") {
        input = el("input", { type: "number", name, step: type === "integer" ? "1" : "any", min: ps.minimum, max: ps.maximum, value: def });
        read = () => (input.value === "" ? undefined : Number(input.value));
      } else if (type === "array" && ps.items && ps.items.type === "string") {
        input = el("textarea", { name, rows: 3, placeholder: "one per line" }, Array.isArray(def) ? def.join("\n") : "");
        read = () => { const v = input.value.split("\n").map((s) => s.trim()).filter(Boolean); return v.length ? v : undefined; };
      } else if (type === "object" || type === "array") {
        input = el("textarea", { name, rows: 3, spellcheck: "false", placeholder: "JSON" }, def === undefined ? "" : JSON.stringify(def, null, 2));
        read = () => { if (!input.value.trim()) return undefined; try { return JSON.parse(input.value); } catch (e) { throw new Error(name + ": not valid JSON"); } };
      } else {
        input = el("input", { type: ps.format === "password" ? "password" : "text", name, value: def, placeholder: ps.examples ? String(ps.examples[0]) : "" });
        read = () => (input.value === "" ? undefined : input.value);
      }
      fields.push({ name, read, node: el("label", {}, title, input, help) });
    }
    return {
      nodes: fields.map((f) => f.node),
      read: () => {
        const out = {};
        for (const f of fields) {
          const v = f.read();
          if (v === undefined) { if (required.has(f.name)) throw new Error((props[f.name].title || f.name) + " is required"); continue; }
          out[f.name] = v;
        }
        return out;
      },
    };
  }

  function lastRun(r) {
    if (!r) return el("span", { class: "sub" }, "never run");
    const at = W.ms(r.started) || W.ms(r.queued);
    return el("span", {}, el("a", { href: "#/runs/" + encodeURIComponent(r.id) }, el("span", { class: "badge " + r.status }, r.status)),
      " ", el("span", { class: "sub", dataset: { ago: at }, title: W.fmtTime(at) }, W.fmtAgo(at)));
  }

  function card(p, reload, lastRuns) {
    const enc = encodeURIComponent(p.name);
    const toggle = async (ev) => {
      ev.target.disabled = true;
      try { await api("POST", "/api/plugins/" + enc + "/" + (p.enabled ? "disable" : "enable")); W.toast(p.name + (p.enabled ? " disabled" : " enabled")); reload(); }
      catch (e) { W.toast(e.message, true); ev.target.disabled = false; }
    };
    const form = schemaForm(p.config_schema);
    const err = el("p", { class: "error-text", hidden: true });
    const submit = async (ev) => {
      ev.preventDefault();
      let input;
      try { input = form.read(); } catch (e) { err.hidden = false; err.textContent = e.message; return; }
      err.hidden = true;
      const btn = ev.target.querySelector("button[type=submit]");
      btn.disabled = true;
      try {
        const r = await api("POST", "/api/plugins/" + enc + "/run", input);
        W.toast("Queued " + p.name + " as " + r.id);
        location.hash = "#/runs/" + encodeURIComponent(r.id);
      } catch (e) { err.hidden = false; err.textContent = e.message; btn.disabled = false; }
    };
    const runForm = el("form", { class: "runform", hidden: true, onsubmit: submit, "data-plugin": p.name },
      form.nodes, err,
      el("div", { class: "row" }, el("button", { class: "btn primary", type: "submit" }, "Start run"),
        el("button", { class: "btn", type: "button", onclick: () => { runForm.hidden = true; } }, "Cancel")));
    const grants = p.grants && typeof p.grants === "object" ? Object.keys(p.grants) : [];
    const item = (k, ...v) => el("div", {}, el("dt", {}, k), el("dd", {}, ...v));
    const last = el("span", {}, lastRun(p.last_run));
    lastRuns.set(p.name, { el: last, run: p.last_run });
    return el("article", { class: "card plugin-card" + (p.enabled ? "" : " off"), dataset: { plugin: p.name } },
      el("header", {},
        el("h2", {}, p.name), el("span", { class: "tag" }, "v" + (p.version || "?")),
        el("span", { class: "badge " + (p.enabled ? "succeeded" : "disabled") }, p.enabled ? "enabled" : "disabled"),
        el("button", { class: "btn small", onclick: toggle, "data-action": "toggle" }, p.enabled ? "Disable" : "Enable")),
      p.description ? el("p", { class: "desc" }, p.description) : null,
      p.error ? el("div", { class: "errbox" }, p.error) : null,
      el("dl", { class: "kv" },
        item("Hash", el("code", { title: p.hash || "" }, (p.hash || "—").slice(0, 16))),
        p.account ? item("Account", p.account) : null,
        p.exports && p.exports.length ? item("Exports", p.exports.map((x) => [el("span", { class: "tag" }, x), " "])) : null,
        item("Schedules", p.schedules && p.schedules.length
          ? p.schedules.map((s) => el("div", { class: "sched" }, el("code", {}, s.spec), s.tz ? el("span", { class: "sub" }, s.tz) : null,
            el("span", { class: "countdown", dataset: { until: W.ms(s.next) }, title: W.ms(s.next) ? W.fmtTime(W.ms(s.next)) : "" }, "…")))
          : el("span", { class: "sub" }, "none")),
        p.triggers ? item("Triggers", el("details", {}, el("summary", {}, "as configured"), el("pre", {}, W.pretty(p.triggers)))) : null,
        item("Grants", grants.length ? el("details", {}, el("summary", {}, grants.join(", ")), el("pre", {}, W.pretty(p.grants))) : el("span", { class: "sub" }, "none")),
        item("Last run", last)),
      el("div", {}, el("button", { class: "btn", "data-action": "run", disabled: !p.enabled || !!p.error,
        title: p.enabled ? "" : "Enable the plugin first", onclick: () => { runForm.hidden = !runForm.hidden; } }, "▶ Run now")),
      runForm);
  }

  W.pages.plugins = (main) => {
    const sub = el("span", { class: "sub" });
    const grid = el("div", { class: "plugins", id: "plugins" }, el("p", { class: "empty" }, "Loading plugins…"));
    main.append(el("div", { class: "page-head" }, el("h1", {}, "Plugins"), sub), grid);
    const lastRuns = new Map();
    const load = () => api("GET", "/api/plugins").then((d) => {
      clear(grid); lastRuns.clear();
      sub.textContent = d.plugins.length + " loaded · " + d.plugins.filter((p) => p.enabled).length + " enabled";
      if (!d.plugins.length) {
        grid.appendChild(el("div", { class: "empty" }, el("strong", {}, "No plugins loaded"),
          "Add plugin folders under plugins.dirs in the config, or build one with ", el("code", {}, "wasmdrive plugin new"), "."));
      }
      for (const p of d.plugins) grid.appendChild(card(p, load, lastRuns));
    }).catch((e) => { clear(grid).appendChild(el("div", { class: "empty" }, el("strong", {}, "Could not load plugins"), e.message)); });
    load();
    live.on("run", (f) => {
      const cur = lastRuns.get(f.run.plugin);
      if (!cur || (cur.run && cur.run.id !== f.run.id && W.ms(f.run.queued) < W.ms(cur.run.queued))) return;
      cur.run = f.run;
      clear(cur.el).appendChild(lastRun(f.run));
    });
    live.on("runs", () => {});
    live.subRuns({ limit: 1 });
    // When a schedule fires, its next time moves on: reload to show it.
    const due = setInterval(() => {
      for (const e of grid.querySelectorAll("[data-until]")) {
        if (Number(e.dataset.until) && Number(e.dataset.until) + 3000 < W.now()) { load(); return; }
      }
    }, 5000);
    return () => { clearInterval(due); live.unsubRuns(); live.on("run", null); live.on("runs", null); };
  };
})();
