// The HQ board: one websocket for a region (`/api/v1/regions/{id}/board`) sends a snapshot of
// the subtree's regions and hall tiles, then the tiles of halls that changed. Regions fold and
// unfold (remembered); a tile opens that hall's live monitor in the manager page.
"use strict";

const Board = (() => {
  const TOKEN_KEY = "hallq.admin.token";
  const LANG_KEY = "hallq.admin.lang";
  const FOLD_KEY = "hallq.board.folded";
  const $ = (id) => document.getElementById(id);
  const S = {
    token: sessionStorage.getItem(TOKEN_KEY) || "",
    lang: localStorage.getItem(LANG_KEY) || defaultLang(),
    visible: [], regions: [], tiles: new Map(), regionId: 0, ws: null, retry: 0, timer: 0,
    folded: new Set(JSON.parse(localStorage.getItem(FOLD_KEY) || "[]")),
  };

  function defaultLang() {
    const nav = navigator.language || "";
    if (nav.startsWith("zh-TW") || nav.startsWith("zh-HK")) return "zh-TW";
    return nav.startsWith("en") ? "en" : "zh-CN";
  }
  function t(key, vars) { return HallQ.t(BOARD_TEXT, S.lang, key, vars); }
  function dur(s) { return s == null ? t("none") : HallQ.duration(s); }
  function fmt(v, suffix = "") { return v == null ? t("none") : `${v}${suffix}`; }

  function banner(text) {
    $("banner").textContent = text || "";
    $("banner").classList.toggle("hq-hidden", !text);
  }

  function setConn(state) {
    $("conn").className = "conn " + (state || "hq-hidden");
    $("conn").textContent = state ? t(state) : "";
  }

  function relabel() {
    document.documentElement.lang = S.lang;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const b of document.querySelectorAll("[data-lang]")) b.classList.toggle("on", b.dataset.lang === S.lang);
    const conn = $("conn");
    if (!conn.classList.contains("hq-hidden")) setConn(conn.classList[1]);
    render();
  }

  function tileNode(tile) {
    const stat = (key, value, cls) => [HallQ.el("dt", {}, t(key)), HallQ.el("dd", { class: cls || "" }, value)];
    const flag = tile.inspection_overdue ? HallQ.el("span", { class: "insp-flag" }, t("notInspected", { days: tile.inspection_days })) : null;
    return HallQ.el("a", {
      class: `tile st-${tile.state}`, href: `/admin?branch=${tile.branch_id}&view=monitor`,
      "data-branch": tile.branch_id, title: t("openMonitor", { name: tile.name }),
    },
    HallQ.el("span", { class: "state" }, t("st_" + tile.state)),
    HallQ.el("div", { class: "name" }, tile.name),
    HallQ.el("dl", {},
      stat("waiting", String(tile.waiting), "big waiting"),
      stat("counters", String(tile.open_counters)),
      stat("longest", dur(tile.longest_wait_s)),
      stat("served", String(tile.served_today)),
      stat("sla", fmt(tile.sla_pct_today, "%")),
      stat("rating", fmt(tile.rating_today)),
      stat("alerts", String(tile.active_alerts))),
    flag);
  }

  function sums(regionId, children) {
    const ids = new Set([regionId]);
    const todo = [regionId];
    while (todo.length) for (const r of children.get(todo.pop()) || []) { ids.add(r.id); todo.push(r.id); }
    let halls = 0, waiting = 0, alerts = 0;
    for (const tile of S.tiles.values()) {
      if (!ids.has(tile.region_id)) continue;
      halls += 1; waiting += tile.waiting; alerts += tile.active_alerts;
    }
    return { halls, waiting, alerts };
  }

  function regionNode(region, children) {
    const s = sums(region.id, children);
    const details = HallQ.el("details", { class: "region", "data-region": region.id, open: !S.folded.has(region.id) },
      HallQ.el("summary", {}, region.name, HallQ.el("span", { class: "sums" },
        t("halls", { n: s.halls }), " · ", t("sumWaiting", { n: s.waiting }),
        s.alerts ? [" · ", HallQ.el("span", { class: "bad" }, t("sumAlerts", { n: s.alerts }))] : [])));
    details.addEventListener("toggle", () => {
      if (details.open) S.folded.delete(region.id); else S.folded.add(region.id);
      localStorage.setItem(FOLD_KEY, JSON.stringify([...S.folded]));
    });
    const halls = [...S.tiles.values()].filter((tile) => tile.region_id === region.id);
    halls.sort((a, b) => a.name.localeCompare(b.name));
    const body = HallQ.el("div", { class: "region-body" });
    if (halls.length) body.append(HallQ.el("div", { class: "tiles" }, halls.map(tileNode)));
    for (const child of children.get(region.id) || []) body.append(regionNode(child, children));
    details.append(body);
    return details;
  }

  function render() {
    const root = S.regions.find((r) => r.id === S.regionId);
    if (!root) { $("board").replaceChildren(); return; }
    const children = new Map();
    for (const r of S.regions) {
      if (r.id === S.regionId) continue;
      if (!children.has(r.parent_id)) children.set(r.parent_id, []);
      children.get(r.parent_id).push(r);
    }
    for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name));
    $("board").replaceChildren(regionNode(root, children));
    const all = sums(root.id, children);
    $("totals").textContent = t("totals", all);
    $("legend").classList.remove("hq-hidden");
    window.hallqBoardPainted = performance.now();
  }

  // Changed tiles replace their own nodes; the region sums are redrawn (cheap text only).
  function update(tiles) {
    for (const tile of tiles) {
      const before = S.tiles.get(tile.branch_id);
      S.tiles.set(tile.branch_id, tile);
      const node = document.querySelector(`.tile[data-branch="${tile.branch_id}"]`);
      if (!node || !before || before.region_id !== tile.region_id || before.name !== tile.name) { render(); return; }
      node.replaceWith(tileNode(tile));
    }
    const children = new Map();
    for (const r of S.regions) {
      if (!children.has(r.parent_id)) children.set(r.parent_id, []);
      children.get(r.parent_id).push(r);
    }
    for (const details of document.querySelectorAll("details.region")) {
      const s = sums(Number(details.dataset.region), children);
      const span = details.querySelector(":scope > summary .sums");
      span.replaceChildren(t("halls", { n: s.halls }), " · ", t("sumWaiting", { n: s.waiting }),
        ...(s.alerts ? [" · ", HallQ.el("span", { class: "bad" }, t("sumAlerts", { n: s.alerts }))] : []));
    }
    const top = document.querySelector("details.region");
    if (top) $("totals").textContent = t("totals", sums(Number(top.dataset.region), children));
    window.hallqBoardUpdated = performance.now();
  }

  function connect() {
    clearTimeout(S.timer);
    if (S.ws) { S.ws.onclose = null; S.ws.close(); }
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/regions/${S.regionId}/board?token=${encodeURIComponent(S.token)}`);
    S.ws = ws;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.error) return;
      S.retry = 0;
      setConn("live");
      banner("");
      if (msg.type === "snapshot") {
        S.regions = msg.data.regions;
        S.tiles = new Map(msg.data.tiles.map((tile) => [tile.branch_id, tile]));
        render();
      } else if (msg.type === "tiles") {
        update(msg.data);
      }
    };
    ws.onclose = (ev) => {
      if (ev.code === 4401) { showLogin(""); return; }
      if (ev.code === 4403 || ev.code === 4404) { setConn(null); banner(t("denied")); return; }
      setConn("reconnecting");
      S.retry = Math.min(S.retry + 1, 6);
      S.timer = setTimeout(connect, 500 * 2 ** S.retry);
    };
  }

  function showLogin(message) {
    if (S.ws) { S.ws.onclose = null; S.ws.close(); S.ws = null; }
    S.token = "";
    sessionStorage.removeItem(TOKEN_KEY);
    $("login-view").classList.remove("hq-hidden");
    $("login-error").textContent = message || "";
    setConn(null);
  }

  async function signIn(ev) {
    ev.preventDefault();
    try {
      const body = { username: $("username").value.trim(), password: $("password").value };
      const res = await HallQ.api("/api/v1/auth/login", { method: "POST", body });
      S.token = res.token;
      sessionStorage.setItem(TOKEN_KEY, res.token);
      $("password").value = "";
      $("login-view").classList.add("hq-hidden");
      await start();
    } catch (err) {
      $("login-error").textContent = err.status === 401 ? t("badLogin") : err.status === 0 ? t("network") : err.detail;
    }
  }

  async function start() {
    if (!S.token) { showLogin(""); return; }
    try {
      const me = await HallQ.api("/api/v1/auth/me", { token: S.token });
      if (!["admin", "manager"].includes(me.role)) { showLogin(t("notManager")); return; }
      S.visible = await HallQ.api("/api/v1/regions", { token: S.token });
    } catch (err) {
      if (err.status === 401) showLogin(""); else banner(err.status === 0 ? t("network") : err.detail);
      return;
    }
    const ids = new Set(S.visible.map((r) => r.id));
    const tops = S.visible.filter((r) => !ids.has(r.parent_id));
    const asked = Number(new URLSearchParams(location.search).get("region") || 0);
    S.regionId = asked || (tops[0] ? tops[0].id : 0);
    if (!S.regionId) { banner(t("noRegion")); return; }
    const select = $("region-select");
    select.replaceChildren(...S.visible.map((r) => HallQ.el("option", { value: r.id }, r.name)));
    select.value = String(S.regionId);
    $("region-pick").classList.toggle("hq-hidden", S.visible.length < 2);
    connect();
  }

  function init() {
    $("login-form").addEventListener("submit", signIn);
    for (const b of document.querySelectorAll("[data-lang]")) {
      b.addEventListener("click", () => { S.lang = b.dataset.lang; localStorage.setItem(LANG_KEY, S.lang); relabel(); });
    }
    $("region-select").addEventListener("change", () => {
      S.regionId = Number($("region-select").value);
      history.replaceState(null, "", `?region=${S.regionId}`);
      connect();
    });
    $("fold-all").addEventListener("click", () => {
      for (const d of document.querySelectorAll("details.region")) d.open = false;
    });
    $("unfold-all").addEventListener("click", () => {
      for (const d of document.querySelectorAll("details.region")) d.open = true;
    });
    relabel();
    start();
  }

  document.addEventListener("DOMContentLoaded", init);
  return { S };
})();
