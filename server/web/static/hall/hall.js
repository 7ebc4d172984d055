// The hall's public page /hall?branch=<id>: its hours, the days that differ, the notice, and
// each service's queue and commitments (公示: target wait, service time limit), from
// GET /api/v1/public/branches/{id} (no login), refreshed every REFRESH_MS. When the hall allows
// it (public_issue), a ticket can be taken here; its mobile page /t/<public_id> opens.
"use strict";

(() => {
  const TEXTS = {
    "zh-CN": {
      title: "办事大厅", openNow: "正在办公", closedNow: "现在不办公", opens: "下次开始办理：{d} {t}",
      today: "今天", tomorrow: "明天", hoursToday: "今日办公时间 {h}", closedToday: "今日不办公", allDay: "全天",
      cutoff: "下班前 {m} 分钟停止取号", hours: "办公时间", special: "近期调整", closedDay: "休息",
      holiday: "节假日休息", waiting: "等候人数", wait: "预计等候", target: "承诺等候", limit: "限时办结",
      minutes: "{m} 分钟", none: "—", noCounter: "暂无窗口", noLimit: "不限",
      open: "可取号", closed: "现在不办理", cutoffS: "今日取号已截止", quota_reached: "今日号已取完",
      take: "在线取号", taking: "正在取号……", book: "预约办理", notFound: "没有找到这个大厅。", failed: "暂时无法读取，正在重试",
      service_closed: "该业务现在不能取号", quotaErr: "该业务今日号已取完", issueFailed: "取号失败，请稍后再试",
      mon: "星期一", tue: "星期二", wed: "星期三", thu: "星期四", fri: "星期五", sat: "星期六", sun: "星期日",
      updated: "更新于 {t}",
    },
    "zh-TW": {
      title: "辦事大廳", openNow: "正在辦公", closedNow: "現在不辦公", opens: "下次開始辦理：{d} {t}",
      today: "今天", tomorrow: "明天", hoursToday: "今日辦公時間 {h}", closedToday: "今日不辦公", allDay: "全天",
      cutoff: "下班前 {m} 分鐘停止取號", hours: "辦公時間", special: "近期調整", closedDay: "休息",
      holiday: "節假日休息", waiting: "等候人數", wait: "預計等候", target: "承諾等候", limit: "限時辦結",
      minutes: "{m} 分鐘", none: "—", noCounter: "暫無窗口", noLimit: "不限",
      open: "可取號", closed: "現在不辦理", cutoffS: "今日取號已截止", quota_reached: "今日號已取完",
      take: "線上取號", taking: "正在取號……", book: "預約辦理", notFound: "找不到這個大廳。", failed: "暫時無法讀取，正在重試",
      service_closed: "該業務現在不能取號", quotaErr: "該業務今日號已取完", issueFailed: "取號失敗，請稍後再試",
      mon: "星期一", tue: "星期二", wed: "星期三", thu: "星期四", fri: "星期五", sat: "星期六", sun: "星期日",
      updated: "更新於 {t}",
    },
    en: {
      title: "Service hall", openNow: "Open now", closedNow: "Closed now", opens: "Opens next: {d} {t}",
      today: "today", tomorrow: "tomorrow", hoursToday: "Open today {h}", closedToday: "Closed today", allDay: "all day",
      cutoff: "Tickets stop {m} min before closing", hours: "Opening hours", special: "Days that differ", closedDay: "closed",
      holiday: "Closed for the holiday", waiting: "Waiting", wait: "Estimated wait", target: "Target wait", limit: "Service time limit",
      minutes: "{m} min", none: "—", noCounter: "no counter open", noLimit: "none",
      open: "Taking tickets", closed: "Closed now", cutoffS: "No more tickets today", quota_reached: "Today's tickets are all taken",
      take: "Take a ticket", taking: "Taking a ticket…", book: "Book an appointment", notFound: "This hall was not found.",
      failed: "Cannot read the hall now, retrying", service_closed: "This service is not issuing tickets now",
      quotaErr: "Today's tickets for this service are all taken", issueFailed: "No ticket, please try again later",
      mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday",
      updated: "Updated {t}",
    },
  };
  const LABEL = { "zh-CN": "简", "zh-TW": "繁", en: "EN" };
  const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const REFRESH_MS = 15000;
  const $ = (id) => document.getElementById(id);
  const el = HallQ.el;
  const params = new URLSearchParams(location.search);
  const branchId = Number(params.get("branch") || 1);

  function guessLocale() {
    const asked = params.get("lang");
    if (HallQ.LOCALES.includes(asked)) return asked;
    const saved = localStorage.getItem("hallq.mobile.locale");
    if (saved && HallQ.LOCALES.includes(saved)) return saved;
    const nav = (navigator.language || "zh-CN").toLowerCase();
    if (/^zh-(tw|hk|mo|hant)/.test(nav)) return "zh-TW";
    return nav.startsWith("zh") ? "zh-CN" : "en";
  }

  const S = { locale: guessLocale(), hall: null, taking: null, errors: {}, updated: null };
  window.hallqHall = S; // for tests and debugging
  const tr = (key, vars) => HallQ.t(TEXTS, S.locale, key, vars);

  async function load() {
    try {
      S.hall = await HallQ.api(`/api/v1/public/branches/${branchId}`);
      S.updated = new Date();
      $("error").classList.add("hq-hidden");
    } catch (err) {
      $("error").textContent = tr(err.status === 404 || err.status === 422 ? "notFound" : "failed");
      $("error").classList.remove("hq-hidden");
    }
    render();
  }

  const intervals = (list) => (!list.length ? tr("closedDay")
    : list.length === 1 && list[0][0] === "00:00" && list[0][1] === "24:00" ? tr("allDay")
      : list.map((i) => i.join("–")).join(", "));
  const zone = () => (S.hall ? S.hall.timezone : undefined);
  const ymd = (d) => HallQ.zoned(d, "en-CA", zone(), { year: "numeric", month: "2-digit", day: "2-digit" });

  function dayWord(date) {
    const today = ymd(new Date());
    const next = new Date(`${today}T12:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    const day = ymd(date);
    if (day === today) return tr("today");
    if (day === next.toISOString().slice(0, 10)) return tr("tomorrow");
    return HallQ.zoned(date, S.locale, zone(), { month: "long", day: "numeric", weekday: "short" });
  }

  function render() {
    document.documentElement.lang = S.locale;
    $("langs").replaceChildren(...HallQ.LOCALES.map((l) => el("button", {
      type: "button", class: l === S.locale ? "on" : "", lang: l, "data-locale": l,
      onclick: () => { S.locale = l; localStorage.setItem("hallq.mobile.locale", l); render(); },
    }, LABEL[l])));
    const h = S.hall;
    if (!h) return;
    const name = (h.names && h.names[S.locale]) || h.name;
    $("name").textContent = name;
    document.title = `${name} · ${tr("title")}`;
    renderStatus(h);
    const notice = HallQ.name(h.notice, S.locale, h.locale);
    $("notice").textContent = notice;
    $("notice").classList.toggle("hq-hidden", !notice);
    renderServices(h);
    renderHours(h);
    $("updated").textContent = S.updated ? tr("updated", {
      t: HallQ.zoned(S.updated, "zh-CN", zone(), { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }),
    }) : "";
  }

  function renderStatus(h) {
    const box = $("status");
    box.classList.toggle("closed", !h.open_now);
    const today = h.hours_today.length ? tr("hoursToday", { h: intervals(h.hours_today) }) : tr("closedToday");
    let next = "";
    if (h.opens_at) {
      const at = new Date(h.opens_at);
      next = tr("opens", { d: dayWord(at), t: HallQ.zoned(at, "zh-CN", zone(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }) });
    }
    box.replaceChildren(...[tr(h.open_now ? "openNow" : "closedNow"),
      el("small", { id: "today-hours" }, today), next ? el("small", { id: "opens-next" }, next) : null].filter(Boolean));
  }

  function minutes(m) { return m == null ? tr("none") : tr("minutes", { m }); }

  function renderServices(h) {
    $("services").replaceChildren(...h.services.map((s) => {
      const reason = s.closed_reason === "cutoff" ? "cutoffS" : s.closed_reason || "closed";
      const estimate = s.estimated_wait_s == null ? (s.waiting ? tr("noCounter") : tr("none"))
        : minutes(Math.max(s.waiting ? 1 : 0, HallQ.minutes(s.estimated_wait_s)));
      const actions = [];
      if (h.public_issue && s.open_now) {
        actions.push(el("button", { type: "button", class: "h-take", "data-take": s.id, disabled: S.taking !== null,
          onclick: () => take(s) }, S.taking === s.id ? tr("taking") : tr("take")));
      }
      if (s.bookable) actions.push(el("a", { class: "h-book", href: `/book?branch=${h.id}`, "data-book": s.id }, tr("book")));
      return el("article", { class: "h-svc" + (s.open_now ? "" : " closed"), "data-service": s.id },
        el("div", { class: "h-svc-top" },
          el("span", { class: "h-prefix" }, s.prefix || s.code),
          el("span", { class: "h-svc-name" }, HallQ.name(s.name, S.locale, h.locale)),
          el("span", { class: "h-state" }, s.open_now ? tr("open") : tr(reason))),
        el("dl", { class: "h-facts" },
          el("div", {}, el("dt", {}, tr("waiting")), el("dd", { class: "waiting" }, String(s.waiting))),
          el("div", {}, el("dt", {}, tr("wait")), el("dd", { class: "estimate" }, estimate)),
          el("div", {}, el("dt", {}, tr("target")), el("dd", { class: "target" }, minutes(s.target_wait_min))),
          el("div", {}, el("dt", {}, tr("limit")), el("dd", { class: "limit" }, s.max_service_min ? minutes(s.max_service_min) : tr("noLimit")))),
        actions.length ? el("div", { class: "h-actions" }, ...actions) : null,
        S.errors[s.id] ? el("div", { class: "h-svc-error", role: "alert" }, S.errors[s.id]) : null);
    }));
  }

  function renderHours(h) {
    $("hours-title").textContent = tr("hours");
    const todayKey = WEEKDAYS[(new Date(`${ymd(new Date())}T12:00:00Z`).getUTCDay() + 6) % 7];
    const weekly = Object.values(h.opening_hours).some((v) => v.length);
    const rows = WEEKDAYS.map((d) => el("tr", { class: d === todayKey ? "today" : "" },
      el("th", {}, tr(d)), el("td", {}, weekly ? intervals(h.opening_hours[d] || []) : tr("allDay"))));
    if (h.cutoff_min) rows.push(el("tr", {}, el("td", { colspan: "2", class: "cutoff" }, tr("cutoff", { m: h.cutoff_min }))));
    $("week").replaceChildren(...rows);
    const days = [
      ...Object.entries(h.special_days).map(([day, list]) => [day, list.length ? intervals(list) : tr("closedDay"), !list.length]),
      ...(h.holidays || []).filter((d) => !(d in h.special_days)).map((d) => [d, tr("holiday"), true]),
    ].sort((a, b) => a[0].localeCompare(b[0]));
    $("special-title").textContent = tr("special");
    $("special-title").classList.toggle("hq-hidden", !days.length);
    $("special").classList.toggle("hq-hidden", !days.length);
    $("special").replaceChildren(...days.map(([day, text, closed]) => {
      const date = new Date(`${day}T12:00:00Z`);
      const label = HallQ.zoned(date, S.locale, "UTC", { month: "long", day: "numeric", weekday: "short" });
      return el("li", { "data-day": day }, `${label}: `, el("span", { class: closed ? "closed" : "" }, text));
    }));
  }

  // Remote ticket-taking (public_issue): one Idempotency-Key per tap, then the mobile page.
  async function take(service) {
    if (S.taking !== null) return;
    S.taking = service.id;
    S.errors = {};
    render();
    try {
      const ticket = await HallQ.api("/api/v1/tickets", {
        method: "POST", idempotencyKey: HallQ.uuid(),
        body: { service_id: service.id, channel: "web", locale: S.locale },
      });
      location.assign(`/t/${encodeURIComponent(ticket.public_id)}`);
      return;
    } catch (err) {
      S.errors[service.id] = tr(err.code === "service_closed" ? "service_closed" : err.code === "quota_reached" ? "quotaErr" : "issueFailed");
      load();
    } finally {
      S.taking = null;
    }
    render();
  }

  render();
  load();
  setInterval(load, REFRESH_MS);
})();
