// Mobile ticket page /t/<public_id>: the customer's own ticket, linked by the printed QR code.
// Public users have no stream token, so it polls GET /api/v1/public/tickets/{public_id}
// (every few seconds; faster when the turn is near). No personal data is shown or stored.
"use strict";

(() => {
  const TEXTS = {
    "zh-CN": {
      number: "您的号码", ahead: "前面还有", people: "{n} 人", wait: "预计等候", minutes: "约 {m} 分钟",
      soon: "即将", noCounter: "暂无窗口办理", state: "状态", near: "快到您了，请留意叫号并到窗口附近等候",
      called: "请到 {counter} 号窗口办理", calledName: "请到 {counter} 号窗口（{name}）办理",
      waiting: "等候中", called_s: "正在叫您", serving: "办理中", parked: "暂停，请留意叫号",
      done: "已办结，谢谢光临", no_show: "已过号，请联系工作人员", cancelled: "已取消",
      cancel: "取消排队", confirm: "确定要取消这个号吗？取消后需要重新取号。", yes: "确定取消", no: "不取消",
      missing: "没有找到这个号。", updated: "更新于 {t}", offline: "网络断开，正在重试",
      cancelFailed: "现在不能取消这个号",
      rateQ: "请为本次服务评价", rated: "感谢您的评价！",
      hoursToday: "今日办公 {h}", closedToday: "今日不办公", allDay: "全天", opens: "下次开始办理：{d} {t}",
      today: "今天", tomorrow: "明天", hallLink: "大厅信息：办公时间、各业务等候情况",
    },
    "zh-TW": {
      number: "您的號碼", ahead: "前面還有", people: "{n} 人", wait: "預計等候", minutes: "約 {m} 分鐘",
      soon: "即將", noCounter: "暫無窗口辦理", state: "狀態", near: "快輪到您了，請留意叫號並到窗口附近等候",
      called: "請到 {counter} 號窗口辦理", calledName: "請到 {counter} 號窗口（{name}）辦理",
      waiting: "等候中", called_s: "正在叫您", serving: "辦理中", parked: "暫停，請留意叫號",
      done: "已辦結，謝謝光臨", no_show: "已過號，請聯絡工作人員", cancelled: "已取消",
      cancel: "取消排隊", confirm: "確定要取消這個號碼嗎？取消後需要重新取號。", yes: "確定取消", no: "不取消",
      missing: "找不到這個號碼。", updated: "更新於 {t}", offline: "網路中斷，正在重試",
      cancelFailed: "現在不能取消這個號碼",
      rateQ: "請為本次服務評價", rated: "感謝您的評價！",
      hoursToday: "今日辦公 {h}", closedToday: "今日不辦公", allDay: "全天", opens: "下次開始辦理：{d} {t}",
      today: "今天", tomorrow: "明天", hallLink: "大廳資訊：辦公時間、各業務等候情況",
    },
    en: {
      number: "Your number", ahead: "People ahead", people: "{n}", wait: "Estimated wait",
      minutes: "about {m} min", soon: "soon", noCounter: "no counter open", state: "Status",
      near: "Your turn is near: please watch the screen and stay close to the counters",
      called: "Please go to counter {counter}", calledName: "Please go to counter {counter} ({name})",
      waiting: "Waiting", called_s: "You are being called", serving: "Being served",
      parked: "On hold, please watch the screen", done: "Done, thank you", no_show: "Missed, please ask the staff",
      cancelled: "Cancelled", cancel: "Cancel my ticket",
      confirm: "Cancel this ticket? You would need to take a new one.", yes: "Cancel ticket", no: "Keep it",
      missing: "This ticket was not found.", updated: "Updated {t}", offline: "Offline, retrying",
      cancelFailed: "This ticket can no longer be cancelled",
      rateQ: "How was our service?", rated: "Thank you for your rating!",
      hoursToday: "Open today {h}", closedToday: "Closed today", allDay: "all day", opens: "Opens next: {d} {t}",
      today: "today", tomorrow: "tomorrow", hallLink: "The hall: opening hours and every queue",
    },
  };
  // The star labels are the rating screen's (common/ratings.js).
  for (const [locale, labels] of Object.entries(HALLQ_RATING_LABELS)) Object.assign(TEXTS[locale], labels);
  const LABEL = { "zh-CN": "简", "zh-TW": "繁", en: "EN" };
  const FINAL = new Set(["done", "no_show", "cancelled"]);
  const $ = (id) => document.getElementById(id);
  const publicId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");

  function guessLocale() {
    const saved = localStorage.getItem("hallq.mobile.locale");
    if (saved && HallQ.LOCALES.includes(saved)) return saved;
    const nav = (navigator.language || "zh-CN").toLowerCase();
    if (/^zh-(tw|hk|mo|hant)/.test(nav)) return "zh-TW";
    return nav.startsWith("zh") ? "zh-CN" : "en";
  }

  const state = { locale: guessLocale(), ticket: null, alerted: { near: false, called: 0 }, timer: null };
  window.hallqMobile = state; // for tests and debugging
  const tr = (key, vars) => HallQ.t(TEXTS, state.locale, key, vars);

  function vibrate(pattern) {
    try { if (navigator.vibrate) navigator.vibrate(pattern); } catch (_) { /* not allowed */ }
  }

  function renderLangs() {
    document.documentElement.lang = state.locale;
    $("langs").replaceChildren(...HallQ.LOCALES.map((l) => HallQ.el("button", {
      type: "button", class: l === state.locale ? "on" : "", lang: l, "data-locale": l,
      onclick: () => { state.locale = l; localStorage.setItem("hallq.mobile.locale", l); render(); },
    }, LABEL[l])));
  }

  function render() {
    renderLangs();
    const t = state.ticket;
    $("cancel").textContent = tr("cancel");
    $("confirm-text").textContent = tr("confirm");
    $("confirm-yes").textContent = tr("yes");
    $("confirm-no").textContent = tr("no");
    if (window.hallqComplaint) window.hallqComplaint.render(state.locale);
    if (!t) return;
    $("updated").textContent = tr("updated", { t: state.updatedAt.toLocaleTimeString(state.locale) });
    $("ticket").classList.remove("hq-hidden");
    $("branch").textContent = t.branch || "";
    $("number-label").textContent = tr("number");
    $("number").textContent = t.number;
    $("service").textContent = HallQ.name(t.service, state.locale);
    const waiting = t.state === "waiting";
    $("row-ahead").classList.toggle("hq-hidden", !waiting);
    $("row-wait").classList.toggle("hq-hidden", !waiting);
    $("ahead-label").textContent = tr("ahead");
    $("ahead").textContent = t.position != null ? tr("people", { n: t.position }) : "";
    $("wait-label").textContent = tr("wait");
    const m = HallQ.minutes(t.estimated_wait_s);
    // No counter serving it is open: nobody calls it, so there is no estimate to give.
    $("wait").textContent = t.open_counters === 0 ? tr("noCounter") : m ? tr("minutes", { m }) : tr("soon");
    $("state-label").textContent = tr("state");
    $("state").textContent = tr(t.state === "called" ? "called_s" : t.state);
    const banner = $("banner");
    banner.className = "m-banner";
    if (t.state === "called" || (t.state === "serving" && t.counter)) {
      const c = t.counter || {};
      banner.textContent = HallQ.counterExtraName(c)
        ? tr("calledName", { counter: c.number, name: c.name }) : tr("called", { counter: c.number });
      banner.classList.add("called");
    } else if (waiting && t.position != null && t.position <= 2 && t.open_counters !== 0) {
      banner.textContent = tr("near");
      banner.classList.add("near");
    } else if (FINAL.has(t.state) || t.state === "parked") {
      banner.textContent = tr(t.state);
      banner.classList.add("info");
    } else {
      banner.classList.add("hq-hidden");
    }
    // The banner already says a final or parked state ("已办结，谢谢光临"): not twice.
    $("row-state").classList.toggle("hq-hidden", FINAL.has(t.state) || t.state === "parked");
    $("cancel").classList.toggle("hq-hidden", !(waiting || t.state === "parked"));
    if (!(waiting || t.state === "parked")) $("confirm").classList.add("hq-hidden");
    renderRating(t);
    renderHall();
  }

  // The hall's hours today and when it opens next, from its public page's data, with a link to
  // that page (/hall?branch=).
  async function loadHall() {
    const t = state.ticket;
    if (!t || !t.branch_id) return;
    try {
      state.hall = await HallQ.api(`/api/v1/public/branches/${t.branch_id}`);
      render();
    } catch (_) { /* the ticket matters more: try again later */ }
  }

  function renderHall() {
    const t = state.ticket;
    const h = state.hall;
    $("hall").classList.toggle("hq-hidden", !(t && t.branch_id));
    if (!t || !t.branch_id) return;
    $("hall-link").href = `/hall?branch=${t.branch_id}&lang=${state.locale}`;
    $("hall-link").textContent = tr("hallLink");
    if (!h) return;
    const hours = h.hours_today;
    const allDay = hours.length === 1 && hours[0][0] === "00:00" && hours[0][1] === "24:00";
    $("hall-hours").textContent = !hours.length ? tr("closedToday")
      : tr("hoursToday", { h: allDay ? tr("allDay") : hours.map((i) => i.join("–")).join(", ") });
    let opens = "";
    if (h.opens_at) {
      const at = new Date(h.opens_at);
      const ymd = (d) => HallQ.zoned(d, "en-CA", h.timezone, { year: "numeric", month: "2-digit", day: "2-digit" });
      const today = ymd(new Date());
      const next = new Date(`${today}T12:00:00Z`);
      next.setUTCDate(next.getUTCDate() + 1);
      const day = ymd(at) === today ? tr("today") : ymd(at) === next.toISOString().slice(0, 10) ? tr("tomorrow")
        : HallQ.zoned(at, state.locale, h.timezone, { month: "long", day: "numeric", weekday: "short" });
      opens = tr("opens", { d: day, t: HallQ.zoned(at, "zh-CN", h.timezone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) });
    }
    $("hall-opens").textContent = opens;
  }

  // The same 1–5 rating as the counter's rating screen, once, after the ticket is done.
  function renderRating(t) {
    $("rate").classList.toggle("hq-hidden", t.state !== "done");
    $("rate-q").textContent = t.rated ? tr("rated") : tr("rateQ");
    $("stars").classList.toggle("hq-hidden", !!t.rated);
    $("stars").replaceChildren(...[5, 4, 3, 2, 1].map((n) => HallQ.el("button", {
      type: "button", "data-score": n, onclick: () => rate(n),
    }, "★".repeat(n), HallQ.el("span", {}, tr(`s${n}`)))));
  }

  async function rate(score) {
    try {
      await HallQ.api(`/api/v1/public/tickets/${encodeURIComponent(publicId)}/rating`,
        { method: "POST", body: { score }, idempotencyKey: `mobile-rating-${publicId}` });
    } catch (err) {
      if (err.status !== 409) {  // 409: already rated (from the counter's screen, say)
        $("offline").textContent = tr("offline");
        $("offline").classList.remove("hq-hidden");
        return;
      }
    }
    state.ticket = { ...state.ticket, rated: true };
    render();
  }

  function alertIfNeeded(t) {
    if (t.state === "waiting" && t.position != null && t.position <= 2 && !state.alerted.near) {
      state.alerted.near = true;
      vibrate([200, 100, 200]);
    }
    if (t.state === "called" && state.alerted.called !== (t.calls || 1)) {
      state.alerted.called = t.calls || 1;
      vibrate([400, 150, 400, 150, 400]);
    }
  }

  async function poll() {
    clearTimeout(state.timer);
    try {
      const t = await HallQ.api(`/api/v1/public/tickets/${encodeURIComponent(publicId)}`);
      state.ticket = t;
      alertIfNeeded(t);
      $("offline").classList.add("hq-hidden");
      state.updatedAt = new Date();
      render();
      if (!state.hall || Date.now() - (state.hallAt || 0) > 300000) { state.hallAt = Date.now(); loadHall(); }
      if (FINAL.has(t.state)) return; // nothing will change any more
      const near = t.state !== "waiting" || (t.position != null && t.position <= 3);
      state.timer = setTimeout(poll, document.hidden ? 15000 : near ? 2000 : 4000);
    } catch (err) {
      if (err.status === 404) {
        $("ticket").classList.add("hq-hidden");
        $("missing").textContent = HallQ.LOCALES.map((l) => HallQ.t(TEXTS, l, "missing")).join("\n");
        $("missing").classList.remove("hq-hidden");
        return;
      }
      $("offline").textContent = tr("offline");
      $("offline").classList.remove("hq-hidden");
      state.timer = setTimeout(poll, 5000);
    }
  }

  $("cancel").addEventListener("click", () => $("confirm").classList.remove("hq-hidden"));
  $("confirm-no").addEventListener("click", () => $("confirm").classList.add("hq-hidden"));
  $("confirm-yes").addEventListener("click", async () => {
    $("confirm").classList.add("hq-hidden");
    try {
      state.ticket = await HallQ.api(`/api/v1/public/tickets/${encodeURIComponent(publicId)}/cancel`,
        { method: "POST" });
      state.updatedAt = new Date();
      render();
    } catch (err) {
      $("offline").textContent = tr("cancelFailed");
      $("offline").classList.remove("hq-hidden");
      poll();
    }
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  render();
  poll();
})();
