// Manager pages: sign-in, the hall picker, language, tabs. Each tab is a view registered by its
// own script (monitor.js, stats.js, config.js, audit.js) with enter() / leave() / relabel().
"use strict";

const Admin = (() => {
  const TOKEN_KEY = "hallq.admin.token";
  const LANG_KEY = "hallq.admin.lang";
  const BRANCH_KEY = "hallq.admin.branch";
  const VIEW_KEY = "hallq.admin.view";
  const $ = (id) => document.getElementById(id);
  const views = {};
  const S = {
    token: sessionStorage.getItem(TOKEN_KEY) || "",
    lang: localStorage.getItem(LANG_KEY) || defaultLang(),
    me: null,
    branches: [],
    branchId: Number(localStorage.getItem(BRANCH_KEY) || 0),
    view: localStorage.getItem(VIEW_KEY) || "monitor",
    users: [],
  };

  function defaultLang() {
    const nav = navigator.language || "";
    if (nav.startsWith("zh-TW") || nav.startsWith("zh-HK")) return "zh-TW";
    return nav.startsWith("en") ? "en" : "zh-CN";
  }

  function t(key, vars) { return HallQ.t(ADMIN_TEXT, S.lang, key, vars); }

  async function api(path, opts = {}) {
    try {
      return await HallQ.api(path, { ...opts, token: S.token });
    } catch (err) {
      if (err.status === 401) signOut(t("login"));
      throw err;
    }
  }

  // 75 → "1:15", 3725 → "1:02:05"
  function duration(seconds) {
    return seconds == null || !isFinite(seconds) ? t("none") : HallQ.duration(seconds);
  }

  function branch() { return S.branches.find((b) => b.id === S.branchId) || S.branches[0] || null; }

  // A date as YYYY-MM-DD in a time zone (the hall's business date).
  function localDate(ms, timeZone) {
    return HallQ.zoned(new Date(ms), "en-CA", timeZone, { year: "numeric", month: "2-digit", day: "2-digit" });
  }

  function localTime(iso, timeZone) {
    if (!iso) return t("none");
    return HallQ.zoned(new Date(iso), "sv-SE", timeZone, { dateStyle: "short", timeStyle: "medium" });
  }

  function banner(text) {
    $("banner").textContent = text || "";
    $("banner").classList.toggle("hq-hidden", !text);
  }

  function setConn(state) {
    const conn = $("conn");
    conn.classList.toggle("hq-hidden", !state);
    conn.className = "conn " + (state || "") + (state ? "" : " hq-hidden");
    conn.textContent = state ? t(state) : "";
  }

  function relabel() {
    document.documentElement.lang = S.lang;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const b of document.querySelectorAll("[data-lang]")) b.classList.toggle("on", b.dataset.lang === S.lang);
    $("who").textContent = S.me ? `${S.me.username} · ${t("r_" + S.me.role)}` : "";
    for (const v of Object.values(views)) if (v.relabel) v.relabel();
  }

  function showView(name) {
    if (!views[name]) name = "monitor";
    const previous = S.view;
    if (views[previous] && previous !== name && views[previous].leave) views[previous].leave();
    S.view = name;
    localStorage.setItem(VIEW_KEY, name);
    for (const id of ["login", ...Object.keys(views)]) {
      $(id + "-view").classList.toggle("hq-hidden", id !== name);
    }
    for (const b of document.querySelectorAll("#tabs [data-view]")) b.classList.toggle("on", b.dataset.view === name);
    if (views[name].enter) views[name].enter();
  }

  function signOut(message) {
    if (views[S.view] && views[S.view].leave) views[S.view].leave();
    if (S.token) HallQ.api("/api/v1/auth/logout", { method: "POST", token: S.token }).catch(() => {});
    S.token = "";
    S.me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    setConn(null);
    for (const id of ["tabs", "branch-pick", "logout"]) $(id).classList.add("hq-hidden");
    for (const id of Object.keys(views)) $(id + "-view").classList.add("hq-hidden");
    $("login-view").classList.remove("hq-hidden");
    $("login-error").textContent = message || "";
    relabel();
  }

  async function signIn(ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    try {
      const body = { username: $("username").value.trim(), password: $("password").value };
      const res = await HallQ.api("/api/v1/auth/login", { method: "POST", body });
      if (!["admin", "manager"].includes(res.user.role)) {
        $("login-error").textContent = t("notManager");
        return;
      }
      S.token = res.token;
      sessionStorage.setItem(TOKEN_KEY, res.token);
      $("password").value = "";
      await start();
    } catch (err) {
      // Every refusal in the page's language: never the server's English detail.
      $("login-error").textContent = t(err.status === 401 ? "badLogin" : err.status === 0 ? "network"
        : err.code === "rate_limited" ? "throttled" : "loginFailed", { code: err.code });
    }
  }

  async function loadBranches() {
    S.branches = await api("/api/v1/branches");
    if (!S.branches.some((b) => b.id === S.branchId)) S.branchId = S.branches.length ? S.branches[0].id : 0;
    const select = $("branch-select");
    select.replaceChildren(...S.branches.map((b) => HallQ.el("option", { value: b.id }, b.name)));
    select.value = String(S.branchId);
    $("branch-pick").classList.toggle("hq-hidden", S.branches.length < 2);
  }

  async function loadUsers() {
    try { S.users = await api("/api/v1/users"); } catch { S.users = []; }
  }

  function username(id) {
    if (id == null) return t("none");
    const u = S.users.find((x) => x.id === id);
    return u ? u.username : `#${id}`;
  }

  async function start() {
    try {
      S.me = await api("/api/v1/auth/me");
    } catch (err) {
      if (err.status !== 401) signOut(err.status === 0 ? t("network") : err.detail);
      return;
    }
    if (!["admin", "manager"].includes(S.me.role)) { signOut(t("notManager")); return; }
    await Promise.all([loadBranches(), loadUsers()]);
    $("login-view").classList.add("hq-hidden");
    for (const id of ["tabs", "logout"]) $(id).classList.remove("hq-hidden");
    relabel();
    showView(S.view);
  }

  function register(name, view) { views[name] = view; }

  // `/admin?branch=3&view=monitor` (a tile of the HQ board) opens that hall's monitor.
  function fromUrl() {
    const params = new URLSearchParams(location.search);
    const branchId = Number(params.get("branch") || 0);
    if (branchId) S.branchId = branchId;
    if (params.get("view")) S.view = params.get("view");
  }

  function init() {
    fromUrl();
    $("login-form").addEventListener("submit", signIn);
    $("logout").addEventListener("click", () => signOut(""));
    for (const b of document.querySelectorAll("#tabs [data-view]")) {
      b.addEventListener("click", () => showView(b.dataset.view));
    }
    for (const b of document.querySelectorAll("[data-lang]")) {
      b.addEventListener("click", () => {
        // The language it already shows: nothing to do (a tab would render its form again and
        // lose what the manager is typing).
        if (b.dataset.lang === S.lang) return;
        S.lang = b.dataset.lang; localStorage.setItem(LANG_KEY, S.lang); relabel();
      });
    }
    $("branch-select").addEventListener("change", () => {
      S.branchId = Number($("branch-select").value);
      localStorage.setItem(BRANCH_KEY, String(S.branchId));
      const v = views[S.view];
      if (v && v.leave) v.leave();
      if (v && v.enter) v.enter();
    });
    relabel();
    if (S.token) start(); else signOut("");
  }

  document.addEventListener("DOMContentLoaded", init);
  return {
    S, $, t, api, register, duration, branch, localDate, localTime, banner, setConn, username,
    loadBranches, loadUsers, relabel,
  };
})();
