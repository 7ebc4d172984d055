// The words of the published results (公开评议结果), shared by the public page (/results) and
// the hall TV's results panel, so both say the same thing the same way.
"use strict";

const HallQResults = (() => {
  const TEXTS = {
    "zh-CN": {
      title: "服务评议结果", month: "{y}年{m}月", rating: "平均评价", ratings: "评价数", satisfied: "满意率",
      sla: "等候达标率", served: "办结", services: "各业务", counters: "各窗口", counter: "{n} 号窗口",
      outOf: "/ 5", none: "—", empty: "本月暂无评价和办理数据。",
      off: "本大厅未公开评议结果。", missing: "大厅 {b} 不存在。",
      noBranch: "请在地址中注明大厅，例如 /results?branch=1。", failed: "暂时无法读取结果，稍后自动重试。",
      rules: "满意率 = 评价为 3–5 星（一般及以上）的评价所占比例；等候达标率 = 等候时间不超过该业务目标时间的叫号所占比例。数据为本月截至今日，每几分钟更新。",
      updated: "更新于 {t}", total: "全厅合计",
    },
    "zh-TW": {
      title: "服務評議結果", month: "{y}年{m}月", rating: "平均評價", ratings: "評價數", satisfied: "滿意率",
      sla: "等候達標率", served: "辦結", services: "各業務", counters: "各窗口", counter: "{n} 號窗口",
      outOf: "/ 5", none: "—", empty: "本月暫無評價和辦理資料。",
      off: "本大廳未公開評議結果。", missing: "大廳 {b} 不存在。",
      noBranch: "請在網址中註明大廳，例如 /results?branch=1。", failed: "暫時無法讀取結果，稍後自動重試。",
      rules: "滿意率 = 評價為 3–5 星（普通及以上）的評價所占比例；等候達標率 = 等候時間不超過該業務目標時間的叫號所占比例。資料為本月截至今日，每幾分鐘更新。",
      updated: "更新於 {t}", total: "全廳合計",
    },
    en: {
      title: "Service results", month: "{M} {y}", rating: "Mean rating", ratings: "Ratings", satisfied: "Satisfied",
      sla: "Within target", served: "Served", services: "By service", counters: "By counter", counter: "Counter {n}",
      outOf: "/ 5", none: "–", empty: "No ratings or services yet this month.",
      off: "This hall does not publish its results.", missing: "Hall {b} does not exist.",
      noBranch: "Name the hall in the address, e.g. /results?branch=1.", failed: "The results cannot be read just now; retrying shortly.",
      rules: "Satisfied = the share of ratings of 3–5 stars (neutral or better); waits within target = the share of calls whose wait was within the service's target. This month up to today, updated every few minutes.",
      updated: "Updated {t}", total: "Whole hall",
    },
  };
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  const t = (locale, key, vars) => HallQ.t(TEXTS, locale, key, vars);

  // "2026-01" → "2026年1月" / "January 2026"
  function month(locale, text) {
    const [y, m] = text.split("-").map(Number);
    return t(locale, "month", { y, m, M: MONTHS[m - 1] });
  }

  const pct = (locale, v) => (v == null ? t(locale, "none") : `${v.toFixed(1)}%`);
  const mean = (locale, v) => (v == null ? t(locale, "none") : v.toFixed(2));

  // [label, value] of one row's figures, in the order both pages show them.
  function figures(locale, row) {
    return [
      ["rating", t(locale, "rating"), mean(locale, row.rating.mean)],
      ["satisfied", t(locale, "satisfied"), pct(locale, row.satisfied_pct)],
      ["sla", t(locale, "sla"), pct(locale, row.sla_pct)],
      ["ratings", t(locale, "ratings"), String(row.rating.count)],
    ];
  }

  // A counter's name under its number ("3 号窗口 · 综合"), never who sat at it.
  function counterName(locale, c) {
    const extra = HallQ.counterExtraName(c);
    return t(locale, "counter", { n: c.number }) + (extra ? ` · ${extra}` : "");
  }

  const hallName = (data, locale) => ((data.names || {})[locale] || "").trim() || data.name;

  return { TEXTS, t, month, pct, mean, figures, counterName, hallName };
})();
