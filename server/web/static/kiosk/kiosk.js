// Kiosk touch page: /kiosk?kiosk=<id>&token=<device token>. One button per service, live
// waiting counts, one ticket per tap (Idempotency-Key), the number on screen with a QR code to the
// mobile page when the printer fails.
"use strict";

(() => {
  const TEXTS = {
    "zh-CN": {
      prompt: "请选择业务，轻触取号", waiting: "等候 {n} 人", wait: "约 {m} 分钟", noWait: "无需等候",
      closed: "现在不办理取号", cutoff: "今日取号已截止", cutoffSession: "本时段取号已截止",
      holiday: "节假日休息", opensToday: "今天 {t} 开始取号", opensTomorrow: "明天 {t} 开始取号",
      opensOn: "{d} {t} 开始取号",
      quota_reached: "今日号已取完", inactive: "暂停服务",
      normal: "普通取号", priority: "优先取号（长者、残障人士、孕妇）", priorityTag: "优先",
      take: "请取票", printing: "正在打印……", printed: "请取走您的号票",
      failedTitle: "请记住您的号码", failed: "号票未能打印。请拍照或扫描二维码，在手机上查看排队进度。",
      ahead: "前面还有 {n} 人", done: "完成", issuing: "正在取号……",
      service_closed: "该业务现在不能取号", quota_reached_err: "该业务今日号已取完",
      network: "网络故障，请稍后再试或联系工作人员", error: "取号失败，请联系工作人员",
      offline: "连接中断，正在重连……", setup: "本机未配置：请在地址中提供 kiosk 与 token。",
      denied: "设备令牌无效，请联系管理员。", none: "暂无可办理的业务", noCounter: "暂无窗口办理",
      hoursToday: "今日办公 {h}", closedToday: "今日不办公", allDay: "全天",
    },
    "zh-TW": {
      prompt: "請選擇業務，輕觸取號", waiting: "等候 {n} 人", wait: "約 {m} 分鐘", noWait: "無需等候",
      closed: "現在不辦理取號", cutoff: "今日取號已截止", cutoffSession: "本時段取號已截止",
      holiday: "節假日休息", opensToday: "今天 {t} 開始取號", opensTomorrow: "明天 {t} 開始取號",
      opensOn: "{d} {t} 開始取號",
      quota_reached: "今日號已取完", inactive: "暫停服務",
      normal: "一般取號", priority: "優先取號（長者、身障人士、孕婦）", priorityTag: "優先",
      take: "請取票", printing: "正在列印……", printed: "請取走您的號碼牌",
      failedTitle: "請記住您的號碼", failed: "號碼牌未能列印。請拍照或掃描 QR 碼，在手機上查看排隊進度。",
      ahead: "前面還有 {n} 人", done: "完成", issuing: "正在取號……",
      service_closed: "該業務現在不能取號", quota_reached_err: "該業務今日號已取完",
      network: "網路故障，請稍後再試或聯絡工作人員", error: "取號失敗，請聯絡工作人員",
      offline: "連線中斷，正在重新連線……", setup: "本機未設定：請在網址中提供 kiosk 與 token。",
      denied: "裝置權杖無效，請聯絡管理員。", none: "暫無可辦理的業務", noCounter: "暫無窗口辦理",
      hoursToday: "今日辦公 {h}", closedToday: "今日不辦公", allDay: "全天",
    },
    en: {
      prompt: "Choose a service and tap to take a number", waiting: "{n} waiting", wait: "about {m} min",
      noWait: "no wait", closed: "Closed now", cutoff: "No more tickets today",
      cutoffSession: "No more tickets this session", opensToday: "Tickets again from {t} today",
      opensTomorrow: "Tickets again from {t} tomorrow", opensOn: "Tickets again from {t}, {d}",
      holiday: "Closed for the holiday", quota_reached: "Today's tickets are all taken",
      inactive: "Not available", normal: "Regular ticket",
      priority: "Priority ticket (elderly, disabled, pregnant)", priorityTag: "Priority",
      take: "Please take your ticket", printing: "Printing…", printed: "Please take your ticket",
      failedTitle: "Please remember your number",
      failed: "The ticket could not be printed. Take a photo or scan the code to follow your turn on your phone.",
      ahead: "{n} people ahead", done: "Done", issuing: "Taking a number…",
      service_closed: "This service is not issuing tickets now",
      quota_reached_err: "Today's tickets for this service are all taken",
      network: "Network problem, please try again or ask the staff", error: "No ticket, please ask the staff",
      offline: "Connection lost, reconnecting…", setup: "Kiosk not set up: give kiosk and token in the address.",
      denied: "The device token was refused; please ask the administrator.", none: "No service available now",
      noCounter: "no counter open", hoursToday: "Open today {h}", closedToday: "Closed today",
      allDay: "all day",
    },
  };
  const LANG_LABEL = { "zh-CN": "简体", "zh-TW": "繁體", en: "EN" };
  const PRINT_WAIT_MS = 8000; // no print.completed by then: show the number and the QR code
  // The second touch of a double tap comes a few hundred ms after the first: on the service
  // button it finds the first request in flight (ignored); on the ticket screen it must not
  // press 完成 for the customer.
  const DOUBLE_TAP_MS = 400;

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const token = HallQ.token("hallq.kiosk.token");
  if (params.get("kiosk")) localStorage.setItem("hallq.kiosk.id", params.get("kiosk"));
  const state = {
    kioskId: Number(localStorage.getItem("hallq.kiosk.id")) || null,
    branch: null, settings: {}, defaultLocale: "zh-CN", locale: "zh-CN", queue: null,
    priority: false, busy: false, shownAt: 0, current: null, printEvents: new Map(),
    idleTimer: null, printTimer: null, refreshTimer: null, opensTimer: null,
  };
  window.hallqKiosk = state; // for tests and debugging

  const tr = (key, vars) => HallQ.t(TEXTS, state.locale, key, vars);

  // ---- setup -------------------------------------------------------------------------------
  async function start() {
    setInterval(tick, 1000);
    tick();
    if (!token) return fatal("setup");
    let me;
    try {
      me = await HallQ.api("/api/v1/auth/me", { token });
    } catch (err) {
      if (err.status === 401 || err.status === 403) return fatal("denied");
      setTimeout(start, 3000);
      return;
    }
    if (!state.kioskId && me.kind === "device") state.kioskId = me.id;
    state.branchId = me.branch_ids[0];
    await loadBranch();
    state.locale = state.defaultLocale;
    renderChrome();
    await loadQueue();
    HallQ.stream(state.branchId, token, { onMessage, onStatus });
    setInterval(loadQueue, 60000); // opening hours and cut-off change with the clock, not events
  }

  function fatal(key) {
    $("setup-message").textContent = HallQ.LOCALES.map((l) => HallQ.t(TEXTS, l, key)).join("\n");
    $("setup").classList.remove("hq-hidden");
  }

  async function loadBranch() {
    try {
      state.branch = await HallQ.api(`/api/v1/branches/${state.branchId}`, { token });
      state.settings = state.branch.settings || {};
      state.defaultLocale = state.branch.locale || "zh-CN";
      tick(); // the hall's time at once, not the browser's until the next second
    } catch (err) {
      console.warn("branch not loaded", err);
    }
  }

  async function loadQueue() {
    try {
      state.queue = await HallQ.api(`/api/v1/branches/${state.branchId}/queue`, { token });
      renderChrome();
    } catch (err) {
      console.warn("queue not loaded", err);
    }
  }

  // Ticket events change counts and estimates the server computes: fetch the view again, at most
  // a few times a second.
  function refreshSoon() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => { state.refreshTimer = null; loadQueue(); }, 300);
  }

  function onMessage(msg) {
    if (msg.type === "snapshot") {
      state.queue = msg.data;
      renderChrome();
      // A snapshot starts a stream that may have missed a config.updated since loadBranch (the
      // first connect, or a resume too far back): read the settings again.
      loadBranch().then(renderChrome);
    } else if (msg.type.startsWith("ticket.") || msg.type === "counter.updated") {
      refreshSoon();
    } else if (msg.type === "config.updated") {
      loadBranch().then(() => { renderChrome(); loadQueue(); });
    } else if (msg.type === "print.completed" || msg.type === "print.failed") {
      const job = msg.data.job;
      state.printEvents.set(job.ticket_id, { type: msg.type, job });
      if (state.printEvents.size > 100) state.printEvents.delete(state.printEvents.keys().next().value);
      if (state.current && state.current.ticket.id === job.ticket_id) printOutcome(msg.type, job);
    }
  }

  function onStatus(status) {
    if (status === "denied") return fatal("denied");
    $("conn").textContent = tr("offline");
    $("conn").classList.toggle("hq-hidden", status !== "reconnecting");
  }

  function tick() {
    const now = new Date();
    const zone = state.branch && state.branch.timezone; // the hall's time, as on the ticket and TV
    $("clock").textContent = HallQ.zoned(now, "zh-CN", zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  // ---- rendering -----------------------------------------------------------------------------
  function langOrder() {
    return [state.defaultLocale, ...HallQ.LOCALES.filter((l) => l !== state.defaultLocale)];
  }

  function renderChrome() {
    document.documentElement.lang = state.locale;
    $("branch-name").textContent = state.branch ? state.branch.name : "";
    const closed = closedText();
    $("prompt").textContent = closed || tr("prompt");
    $("prompt").classList.toggle("closed", Boolean(closed));
    $("hours").textContent = hoursText(state.queue);
    const langs = $("langs");
    langs.replaceChildren(...langOrder().map((l) => HallQ.el("button", {
      type: "button", class: "lang" + (l === state.locale ? " on" : ""), lang: l, "data-locale": l,
      onclick: () => setLocale(l),
    }, LANG_LABEL[l])));
    // Only where the hall lets customers take priority themselves (self_priority); otherwise
    // staff give it at reception.
    const offer = Boolean(state.settings.self_priority);
    $("priority-bar").classList.toggle("hq-hidden", !offer);
    if (!offer) state.priority = false;
    $("prio-normal").textContent = tr("normal");
    $("prio-priority").textContent = tr("priority");
    $("prio-normal").classList.toggle("on", !state.priority);
    $("prio-priority").classList.toggle("on", state.priority);
    $("result-done").textContent = tr("done");
    renderServices();
  }

  // Issuing stopped for the whole hall (lunch break, cut-off, closed day): why, and when it opens
  // next ("今天 13:30 开始取号", "明天 08:30 …", or the day), from the queue view's `opens_at`.
  function closedText() {
    const services = (state.queue && state.queue.services) || [];
    const reasons = services.map((s) => s.closed_reason);
    const opensAt = state.queue && state.queue.opens_at;
    if (!opensAt && !(services.length && reasons.every((r) => ["closed", "cutoff", "holiday"].includes(r)))) return "";
    const reason = services.length ? reasonText(reasons[0]) : tr("closed");
    const opens = opensText(opensAt);
    return opens ? `${reason} · ${opens}` : reason;
  }

  // Today's opening hours (a special day's when today is one), from the queue view.
  function hoursText(queue) {
    if (!queue || queue.hours_today === undefined) return "";
    const hours = queue.hours_today;
    if (hours === null) return "";  // no hours kept: open around the clock, nothing to say
    if (!hours.length) return tr("closedToday");
    const allDay = hours.length === 1 && hours[0][0] === "00:00" && hours[0][1] === "24:00";
    return tr("hoursToday", { h: allDay ? tr("allDay") : hours.map((i) => i.join("–")).join(", ") });
  }

  function reasonText(reason) {
    if (reason === "cutoff" && opensDay(state.queue && state.queue.opens_at) === "today") return tr("cutoffSession");
    return tr(reason || "closed");
  }

  // "today", "tomorrow" or another day, in the hall's timezone.
  function opensDay(opensAt) {
    if (!opensAt) return null;
    const zone = state.branch && state.branch.timezone;
    const ymd = (d) => HallQ.zoned(d, "en-CA", zone, { year: "numeric", month: "2-digit", day: "2-digit" });
    const today = ymd(new Date());
    const next = new Date(`${today}T12:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    const day = ymd(new Date(opensAt));
    return day === today ? "today" : day === next.toISOString().slice(0, 10) ? "tomorrow" : "later";
  }

  function opensText(opensAt) {
    clearTimeout(state.opensTimer);
    if (!opensAt) return "";
    const opens = new Date(opensAt);
    const wait = opens.getTime() - Date.now();
    if (wait > 0 && wait < 2 ** 31 - 1) state.opensTimer = setTimeout(loadQueue, wait + 1000); // open again on time
    const zone = state.branch && state.branch.timezone;
    const t = HallQ.zoned(opens, "zh-CN", zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const day = opensDay(opensAt);
    if (day === "today") return tr("opensToday", { t });
    if (day === "tomorrow") return tr("opensTomorrow", { t });
    const d = HallQ.zoned(opens, state.locale, zone, { month: "long", day: "numeric", weekday: "short" });
    return tr("opensOn", { t, d });
  }

  function setLocale(locale) {
    state.locale = locale;
    renderChrome();
    armIdle();
  }

  function renderServices() {
    const box = $("services");
    const services = (state.queue && state.queue.services) || [];
    if (!services.length) {
      box.replaceChildren(HallQ.el("div", { class: "empty" }, tr("none")));
      return;
    }
    box.dataset.count = String(services.length);
    const opens = opensText(state.queue.opens_at); // the whole hall is closed until then
    box.replaceChildren(...services.map((s) => {
      const open = s.open !== false;
      const minutes = HallQ.minutes(s.estimated_wait_s);
      const detail = open
        ? [tr("waiting", { n: s.waiting }), s.open_counters === 0 ? tr("noCounter")
          : s.waiting ? tr("wait", { m: Math.max(1, minutes) }) : tr("noWait")].join(" · ")
        : reasonText(s.closed_reason);
      return HallQ.el("button", {
        type: "button", class: "service" + (open ? "" : " closed"), disabled: !open,
        "data-service": s.id, "data-prefix": s.prefix, "aria-disabled": open ? "false" : "true",
        onclick: () => tap(s),
      },
      HallQ.el("span", { class: "s-prefix" }, s.prefix),
      HallQ.el("span", { class: "s-name" }, HallQ.name(s.name, state.locale, state.defaultLocale)),
      HallQ.el("span", { class: "s-detail" }, detail),
      ...(opens && !open ? [HallQ.el("span", { class: "s-opens" }, opens)] : []));
    }));
  }

  // ---- taking a ticket -----------------------------------------------------------------------
  // One Idempotency-Key per request, reused only by its own retries: a tap after the ticket
  // screen is the next customer, even on the same button a second later.
  async function tap(service) {
    if (state.busy) return; // a double tap: the first touch's request is still in flight
    const key = HallQ.uuid();
    state.busy = true;
    document.body.classList.add("busy");
    const body = {
      service_id: service.id, channel: "kiosk", locale: state.locale,
      priority: state.priority ? "priority" : "normal",
    };
    if (state.kioskId) body.kiosk_id = state.kioskId;
    try {
      let ticket = null;
      for (let attempt = 0; ; attempt++) {
        try {
          ticket = await HallQ.api("/api/v1/tickets", { method: "POST", body, token, idempotencyKey: key });
          break;
        } catch (err) {
          if ((err.status === 0 || err.status >= 500) && attempt < 3) {
            await new Promise((r) => setTimeout(r, 500 * 2 ** attempt)); // same key: still one ticket
            continue;
          }
          throw err;
        }
      }
      showTicket(ticket, service);
    } catch (err) {
      const key2 = err.code === "quota_reached" ? "quota_reached_err"
        : err.code === "service_closed" ? "service_closed" : err.status === 0 ? "network" : "error";
      showError(tr(key2));
      loadQueue();
    } finally {
      state.busy = false;
      document.body.classList.remove("busy");
    }
  }

  function showTicket(ticket, service) {
    state.current = { ticket, service, outcome: null };
    state.shownAt = Date.now();
    $("result").className = "overlay printing";
    // Bilingual, as on the hall's signs: the chosen language, then English.
    $("result-title").textContent = state.locale === "en" ? tr("take") : `${tr("take")} · ${HallQ.t(TEXTS, "en", "take")}`;
    $("result-number").textContent = ticket.number;
    $("result-service").textContent = HallQ.name(service.name, state.locale, state.defaultLocale)
      + (ticket.priority === "priority" ? ` · ${tr("priorityTag")}` : "");
    $("result-wait").textContent = ticket.position != null ? tr("ahead", { n: ticket.position }) : "";
    $("result-message").textContent = state.kioskId ? tr("printing") : "";
    $("result-qr").replaceChildren();
    $("result-qr").classList.add("hq-hidden");
    state.priority = false;
    renderChrome();
    clearTimeout(state.printTimer);
    const early = state.printEvents.get(ticket.id);
    if (!state.kioskId) printOutcome("print.failed", null); // no printer here at all
    else if (early) printOutcome(early.type, early.job);
    else state.printTimer = setTimeout(() => printOutcome("print.failed", null), PRINT_WAIT_MS);
    armIdle();
  }

  function printOutcome(type, job) {
    const cur = state.current;
    if (!cur || cur.outcome === "print.failed") return; // the fallback is shown: keep it
    clearTimeout(state.printTimer);
    cur.outcome = type;
    if (type === "print.completed") {
      $("result").className = "overlay printed";
      $("result-message").textContent = tr("printed");
    } else {
      $("result").className = "overlay failed";
      $("result-title").textContent = tr("failedTitle");
      $("result-message").textContent = tr("failed");
      mobileUrl(cur.ticket).then((url) => {
        if (state.current !== cur) return; // the next customer is here already
        $("result-qr").replaceChildren(HallQR.svg(url, { label: url }));
        $("result-qr").dataset.url = url;
        $("result-qr").classList.remove("hq-hidden");
      });
    }
    armIdle();
  }

  // The QR code's address: events carry no public_id, so it comes from this kiosk's own print
  // job (the hall's public address, HALLQ_PUBLIC_BASE_URL), else from the issue answer.
  async function mobileUrl(ticket) {
    if (state.kioskId) {
      try {
        const jobs = await HallQ.api(`/api/v1/print-jobs?ticket_id=${ticket.id}`, { token, timeoutMs: 3000 });
        const own = jobs.find((j) => j.public_url);
        if (own) return own.public_url;
      } catch (err) { /* unreachable now: the address this page came from will do */ }
    }
    return `${location.origin}/t/${ticket.public_id}`;
  }

  function showError(message) {
    state.current = null;
    state.shownAt = Date.now();
    $("result").className = "overlay error";
    $("result-title").textContent = "";
    $("result-number").textContent = "";
    $("result-service").textContent = "";
    $("result-wait").textContent = "";
    $("result-qr").classList.add("hq-hidden");
    $("result-message").textContent = message;
    armIdle();
  }

  // Back to the idle screen after the branch's kiosk_idle_s (longer when a QR code must be scanned).
  function armIdle() {
    clearTimeout(state.idleTimer);
    const idle = (state.settings.kiosk_idle_s || 8) * 1000;
    const failed = state.current && state.current.outcome === "print.failed";
    const printing = state.current && state.current.outcome === null; // printOutcome re-arms
    const showing = !$("result").classList.contains("hq-hidden");
    const delay = failed ? idle + 10000 : printing ? PRINT_WAIT_MS + idle : idle;
    state.idleTimer = setTimeout(goIdle, showing ? delay : idle * 4);
  }

  function goIdle() {
    clearTimeout(state.idleTimer);
    clearTimeout(state.printTimer);
    state.current = null;
    $("result").className = "overlay hq-hidden";
    state.priority = false;
    if (state.locale !== state.defaultLocale) state.locale = state.defaultLocale;
    renderChrome();
  }

  $("result-done").addEventListener("click", () => {
    if (Date.now() - state.shownAt >= DOUBLE_TAP_MS) goIdle();
  });
  $("prio-normal").addEventListener("click", () => { state.priority = false; renderChrome(); armIdle(); });
  $("prio-priority").addEventListener("click", () => { state.priority = true; renderChrome(); armIdle(); });
  document.addEventListener("contextmenu", (e) => e.preventDefault()); // long press on a touch screen
  // For the appointment check-in (checkin.js): the ticket screen, and what it needs to know.
  window.hallqKioskScreen = { showTicket, showError, armIdle, goIdle, token, state };
  start();
})();
