// The Ratings and Appraisal tabs: their texts (merged into ADMIN_TEXT) and file downloads.
"use strict";

(() => {
  const TEXT = {
    "zh-CN": {
      ratingsTab: "评价", appraisalTab: "绩效考核", month: "月份", maxScore: "评分",
      anyScore: "全部", upTo: "≤ {n} 星", lowOnly: "仅差评（1–2 星）", ratedAt: "评价时间", score: "评分",
      comment: "意见", nRatings: "共 {n} 条评价，其中差评 {low} 条", all: "全部",
      a_served: "办结", a_no_show: "过号", a_transferred: "转办", a_wait: "平均等候",
      a_service: "平均办理", a_median: "办理中位数", a_p90: "办理P90", a_over: "超时办理",
      a_sla: "等候达标率", a_rating: "满意度", a_rated: "评价数", a_low: "差评",
      a_complaints: "投诉", a_upheld: "投诉属实", a_open: "开窗时长", a_paused: "暂停时长", a_idle: "空闲时长",
      appraisalRules: "规则：办结、过号、办理时长、超时与评价计入最后办理该号的工作人员；等候与达标率计入叫号的工作人员（每段等候分别计入）；转办计入执行转移的工作人员。办理 = 结束 − 开始（未点开始则 − 叫号）；超时办理 = 办理时长超过该业务“限时办结”（恰好等于不算超时）；差评 = 1 或 2 星。开窗 = 窗口开放（含办理中）的时间；暂停 = 暂停状态的时间；空闲 = 开放且手中无号的时间，按营业日切分，仍开放的窗口计到此刻。投诉按被投诉的工作人员统计。点击表头排序；每格下方的条形为该列最大值的比例。",
      maxServiceMin: "限时办结（分钟，留空不限）", overLimit: "超时",
    },
    "zh-TW": {
      ratingsTab: "評價", appraisalTab: "績效考核", month: "月份", maxScore: "評分",
      anyScore: "全部", upTo: "≤ {n} 星", lowOnly: "僅差評（1–2 星）", ratedAt: "評價時間", score: "評分",
      comment: "意見", nRatings: "共 {n} 則評價，其中差評 {low} 則", all: "全部",
      a_served: "辦結", a_no_show: "過號", a_transferred: "轉辦", a_wait: "平均等候",
      a_service: "平均辦理", a_median: "辦理中位數", a_p90: "辦理P90", a_over: "超時辦理",
      a_sla: "等候達標率", a_rating: "滿意度", a_rated: "評價數", a_low: "差評",
      a_complaints: "投訴", a_upheld: "投訴屬實", a_open: "開窗時長", a_paused: "暫停時長", a_idle: "空閒時長",
      appraisalRules: "規則：辦結、過號、辦理時長、超時與評價計入最後辦理該號的工作人員；等候與達標率計入叫號的工作人員（每段等候分別計入）；轉辦計入執行轉移的工作人員。辦理 = 結束 − 開始（未按開始則 − 叫號）；超時辦理 = 辦理時長超過該業務「限時辦結」（恰好等於不算超時）；差評 = 1 或 2 星。開窗 = 窗口開放（含辦理中）的時間；暫停 = 暫停狀態的時間；空閒 = 開放且手中無號的時間，按營業日切分，仍開放的窗口計到此刻。投訴按被投訴的工作人員統計。點擊表頭排序；每格下方的條形為該欄最大值的比例。",
      maxServiceMin: "限時辦結（分鐘，留空不限）", overLimit: "超時",
    },
    en: {
      ratingsTab: "Ratings", appraisalTab: "Appraisal", month: "Month", maxScore: "Score",
      anyScore: "All", upTo: "≤ {n} stars", lowOnly: "Low only (1–2 stars)", ratedAt: "Rated at", score: "Score",
      comment: "Comment", nRatings: "{n} ratings, {low} of them low", all: "All",
      a_served: "Served", a_no_show: "No-show", a_transferred: "Transferred", a_wait: "Mean wait",
      a_service: "Mean service", a_median: "Service median", a_p90: "Service p90", a_over: "Over limit",
      a_sla: "Within target", a_rating: "Rating", a_rated: "Ratings", a_low: "Low ratings",
      a_complaints: "Complaints", a_upheld: "Upheld", a_open: "Open", a_paused: "Paused", a_idle: "Idle",
      appraisalRules: "Rules: served, no-shows, service times, overruns and ratings count for the clerk who last served the ticket; waits and the within-target share for the clerk who called it (each wait separately); transfers for the clerk who made them. Service = finish − start (− call when never started); over limit = a service longer than its service's time limit (equal is within); a low rating is 1 or 2 stars. Open = time the counter was open (serving included); paused = time paused; idle = open with no ticket in hand, cut at business days, a counter still open counted until now. Complaints count against the clerk complained about. Click a header to sort; the bar under each value is its share of the column's largest.",
      maxServiceMin: "Time limit (minutes, empty: none)", overLimit: "over limit",
    },
  };
  for (const [lang, words] of Object.entries(TEXT)) Object.assign(ADMIN_TEXT[lang], words);
})();

// Files need the bearer token: fetch, then hand the browser a blob URL (as stats.js does).
const Quality = (() => {
  const BUSY = { "zh-CN": "其他导出正在进行，请 {s} 秒后再试。", "zh-TW": "其他匯出正在進行，請 {s} 秒後再試。",
    en: "Other exports are running; try again in {s} seconds." };

  async function download(url, errorNode) {
    const resp = await fetch(url, { headers: { Authorization: `Bearer ${Admin.S.token}` } });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      errorNode.textContent = resp.status === 429
        ? (BUSY[Admin.S.lang] || BUSY.en).replace("{s}", resp.headers.get("Retry-After") || 5)
        : Admin.t("error", { detail: body.detail || resp.status });
      return;
    }
    const blob = await resp.blob();
    const match = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
    const a = HallQ.el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : "hallq-export" });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  return { download };
})();
