// The Drive page: space per account, its share links (with Cancel) and a
// read-only folder browser, so a user can check what a backup wrote.
"use strict";

(() => {
  const W = window.wasmdrive;
  const { el, clear, api } = W;
  const enc = encodeURIComponent;
  const link = (account, path) => "#/drives/" + enc(account) + "?path=" + enc(path);

  function driveCard(d) {
    const pct = d.total_size > 0 ? (100 * d.used_size) / d.total_size : 0;
    const bar = el("div", { class: "bar", role: "progressbar", "aria-valuenow": Math.round(pct) }, el("i"));
    bar.firstChild.style.width = pct.toFixed(1) + "%";
    return el("article", { class: "card drive-card", dataset: { account: d.account } },
      el("h2", {}, d.account, d.name && d.name !== d.account ? el("span", { class: "sub" }, " · " + d.name) : null),
      d.error ? el("div", { class: "errbox" }, d.error) : [
        bar,
        el("div", { class: "sub" }, W.fmtBytes(d.used_size) + " of " + W.fmtBytes(d.total_size) + " used (" + pct.toFixed(1) + "%)"),
      ],
      el("div", {}, el("a", { class: "btn small", href: link(d.account, "/") }, "Browse files")));
  }

  function crumbs(account, path) {
    const out = [el("a", { href: link(account, "/") }, account)];
    let acc = "";
    for (const part of path.split("/").filter(Boolean)) {
      acc += "/" + part;
      out.push(el("span", {}, "/"), el("a", { href: link(account, acc) }, part));
    }
    return el("nav", { class: "crumbs", "aria-label": "Folder" }, out);
  }

  function browser(main, account, path) {
    const body = el("tbody");
    const table = el("table", { class: "files" },
      el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", { class: "num" }, "Size"), el("th", { class: "num hide-sm" }, "Modified"))), body);
    const more = el("button", { class: "btn small", hidden: true }, "Load more");
    const box = el("div", { class: "card", id: "files" }, el("p", { class: "empty" }, "Loading…"));
    main.append(el("a", { class: "back", href: "#/drives" }, "← All drives"), crumbs(account, path), box, el("p", {}, more));
    let first = true;
    const load = (marker) => api("GET", "/api/drives/" + enc(account) + "/list?path=" + enc(path) + (marker ? "&marker=" + enc(marker) : "")).then((d) => {
      if (first) { clear(box).appendChild(table); first = false; }
      for (const f of d.items) {
        const child = (path === "/" ? "" : path) + "/" + f.name;
        const folder = f.type === "folder";
        const name = folder ? el("a", { href: link(account, child) }, f.name) : el("span", {}, f.name);
        body.appendChild(el("tr", {},
          el("td", {}, el("span", { class: "icon " + (folder ? "folder" : "file"), "aria-hidden": "true" }), name),
          el("td", { class: "num" }, folder ? "—" : W.fmtBytes(f.size)),
          el("td", { class: "num hide-sm" }, W.ms(f.updated_at) ? W.fmtTime(W.ms(f.updated_at)) : "—")));
      }
      if (!body.firstChild) clear(box).appendChild(el("div", { class: "empty" }, el("strong", {}, "This folder is empty")));
      more.hidden = !d.next_marker;
      more.onclick = () => { more.disabled = true; load(d.next_marker).finally(() => { more.disabled = false; }); };
    }).catch((e) => { clear(box).appendChild(el("div", { class: "empty" }, el("strong", {}, "Could not list this folder"), e.message)); });
    load("");
  }

  // shares lists an account's share links, each with Cancel (not on a
  // read-only console, which refuses changes).
  function shares(account) {
    const box = el("div", { class: "shares", dataset: { account } }, el("p", { class: "sub" }, "Loading share links…"));
    const readOnly = !!document.getElementById("readonly");
    api("GET", "/api/drives/" + enc(account) + "/shares").then((d) => {
      clear(box);
      if (!d.shares.length) { box.appendChild(el("p", { class: "sub" }, "No share links")); return; }
      box.appendChild(el("h3", {}, "Share links"));
      const list = el("ul", { class: "share-list" });
      for (const sh of d.shares) {
        const cancel = readOnly ? null : el("button", { class: "btn small danger", dataset: { share: sh.share_id } }, "Cancel");
        const row = el("li", { dataset: { share: sh.share_id } },
          el("a", { href: sh.share_url, target: "_blank", rel: "noopener" }, sh.files.join(", ") || sh.share_id),
          " ", el("span", { class: "sub" }, (sh.has_password ? "password · " : "") +
            (sh.expired ? "expired" : W.ms(sh.expiration) ? "until " + W.fmtTime(W.ms(sh.expiration)) : "no expiry")),
          " ", cancel);
        if (cancel) {
          cancel.onclick = () => {
            cancel.disabled = true;
            api("POST", "/api/drives/" + enc(account) + "/shares/" + enc(sh.share_id) + "/cancel")
              .then(() => { row.remove(); if (!list.firstChild) clear(box).appendChild(el("p", { class: "sub" }, "No share links")); W.toast("Share link canceled"); })
              .catch((e) => { cancel.disabled = false; W.toast(e.message, true); });
          };
        }
        list.appendChild(row);
      }
      box.appendChild(list);
    }).catch((e) => { clear(box).appendChild(el("p", { class: "sub" }, "Share links: " + e.message)); });
    return box;
  }

  W.pages.drives = (main, parts, params) => {
    if (parts[0]) { browser(main, parts[0], params.get("path") || "/"); return null; }
    const grid = el("div", { class: "drives", id: "drives" }, el("p", { class: "empty" }, "Loading drives…"));
    main.append(el("div", { class: "page-head" }, el("h1", {}, "Drive")), grid);
    api("GET", "/api/drives").then((d) => {
      clear(grid);
      if (!d.drives.length) grid.appendChild(el("div", { class: "empty" }, el("strong", {}, "No drive accounts"), "Add one under accounts in the config."));
      for (const x of d.drives) {
        const card = driveCard(x);
        if (!x.error) card.appendChild(shares(x.account));
        grid.appendChild(card);
      }
    }).catch((e) => { clear(grid).appendChild(el("div", { class: "empty" }, el("strong", {}, "Could not load drives"), e.message)); });
    return null;
  };
})();
