// Public results page /results?branch=<id>[&lang=zh-CN|zh-TW|en][&month=YYYY-MM]: a hall's
// satisfaction and waits within target this month, per service (and per counter when the hall
// publishes them so), from GET /api/v1/public/branches/{id}/results. No login, no personal
// data. Reads again every few minutes, so it can stay on a screen.
"use strict";

(() => {
  const R = HallQResults;
  const $ = (id) => document.getElementById(id);
  const el = HallQ.el;
  const params = new URLSearchParams(location.search);
  const branchId = Number(params.get("branch")) || null;
  const month = params.get("month");
  const REFRESH_MS = 3 * 60 * 1000;
  const LABEL = { "zh-CN": "简", "zh-TW": "繁", en: "EN" };

  function guessLocale() {
    const asked = params.get("lang");
    if (HallQ.LOCALES.includes(asked)) return asked;
    const nav = (navigator.language || "zh-CN").toLowerCase();
    if (/^zh-(tw|hk|mo|hant)/.test(nav)) return "zh-TW";
    return nav.startsWith("zh") ? "zh-CN" : "en";
  }

  const state = { locale: guessLocale(), data: null, problem: null, at: null };
  window.hallqResults = state; // for tests

  const t = (key, vars) => R.t(state.locale, key, vars);

  async function load() {
    if (!branchId) { state.problem = ["noBranch"]; render(); return; }
    const query = month ? `?month=${encodeURIComponent(month)}` : "";
    try {
      state.data = await HallQ.api(`/api/v1/public/branches/${branchId}/results${query}`);
      state.problem = null;
      state.at = new Date();
    } catch (err) {
      state.data = null;
      if (err.status === 404) state.problem = [err.detail && err.detail.includes("publish") ? "off" : "missing"];
      else state.problem = ["failed"];
    }
    render();
  }

  function card(title, row, code) {
    return el("article", { class: "r-card" },
      el("h3", {}, code ? el("span", { class: "r-code" }, code) : null, el("span", { class: "r-name" }, title)),
      el("dl", {}, R.figures(state.locale, row).map(([key, label, value]) =>
        el("div", { class: `r-fig r-${key}` }, el("dt", {}, label), el("dd", {}, value,
          key === "rating" && row.rating.mean != null ? el("small", {}, ` ${t("outOf")}`) : null)))));
  }

  function renderLangs() {
    $("langs").replaceChildren(...HallQ.LOCALES.map((l) => el("button", {
      type: "button", class: l === state.locale ? "on" : "", lang: l, "aria-pressed": String(l === state.locale),
      onclick: () => { state.locale = l; render(); },
    }, LABEL[l])));
  }

  function render() {
    document.documentElement.lang = state.locale;
    renderLangs();
    const d = state.data;
    $("rules").textContent = state.data ? t("rules") : "";
    $("message").classList.toggle("hq-hidden", !state.problem);
    $("results").classList.toggle("hq-hidden", !d);
    if (state.problem) $("message").textContent = t(state.problem[0], { b: branchId });
    if (!d) {
      $("hall").textContent = "";
      $("title").textContent = t("title");
      document.title = `hallq · ${t("title")}`;
      $("updated").textContent = "";
      return;
    }
    const hall = R.hallName(d, state.locale);
    $("hall").textContent = hall;
    $("title").replaceChildren(el("span", {}, t("title")), " ", el("span", { class: "r-month" }, R.month(state.locale, d.month)));
    document.title = `${hall} · ${t("title")}`;
    $("total").replaceChildren(...R.figures(state.locale, d.total).map(([key, label, value]) =>
      el("div", { class: `r-big r-${key}` }, el("div", { class: "r-value" }, value), el("div", { class: "r-label" }, label))));
    $("services-title").textContent = t("services");
    $("services").replaceChildren(...d.services.map((s) => card(HallQ.name(s.name, state.locale, d.locale), s, s.code.toUpperCase())));
    const counters = d.counters || [];
    for (const id of ["counters-title", "counters"]) $(id).classList.toggle("hq-hidden", !counters.length);
    $("counters-title").textContent = t("counters");
    $("counters").replaceChildren(...counters.map((c) => card(R.counterName(state.locale, c), c, null)));
    $("empty").classList.toggle("hq-hidden", d.services.length > 0);
    $("empty").textContent = t("empty");
    const stamp = state.at ? HallQ.zoned(state.at, state.locale, null, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) : "";
    $("updated").textContent = stamp ? t("updated", { t: stamp }) : "";
  }

  load();
  setInterval(load, REFRESH_MS);
})();
