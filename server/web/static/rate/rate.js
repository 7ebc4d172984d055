// Customer rating screen (/rate?counter=<id>&token=<display device token>): lights up when the
// counter completes a ticket, takes 1–5 stars and an optional reason, posts the rating once,
// and returns to idle after the branch's rating_timeout_s.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const { el, api } = HallQ;
  const TEXT = {
    "zh-CN": {
      title: "hallq · 服务评价", welcome: "欢迎光临", counterN: "{n} 号窗口", ask: "请为 {number} 的服务评价",
      submit: "提交评价", thanks: "谢谢您的评价！", calling: "请 {number} 号到本窗口办理",
      setup: "请在地址中提供 counter 与 token 参数（显示设备令牌）。", lost: "连接中断，正在重连…",
      denied: "设备令牌无效，请联系管理员。", failed: "评价未能提交，请重试。",
      no_counter: "窗口 {id} 不存在，或不属于此设备的大厅：请检查地址中的 counter 参数。",
      bad: ["等候时间长", "办理速度慢", "服务态度", "业务不熟练", "流程不清楚"],
      good: ["办理迅速", "态度热情", "专业耐心", "解释清楚"],
    },
    "zh-TW": {
      title: "hallq · 服務評價", welcome: "歡迎光臨", counterN: "{n} 號櫃檯", ask: "請為 {number} 的服務評價",
      submit: "送出評價", thanks: "謝謝您的評價！", calling: "請 {number} 號到本櫃檯辦理",
      setup: "請在網址中提供 counter 與 token 參數（顯示裝置權杖）。", lost: "連線中斷，正在重新連線…",
      denied: "裝置權杖無效，請聯絡管理員。", failed: "評價未能送出，請再試一次。",
      no_counter: "櫃檯 {id} 不存在，或不屬於此裝置的大廳：請檢查網址中的 counter 參數。",
      bad: ["等候時間長", "辦理速度慢", "服務態度", "業務不熟練", "流程不清楚"],
      good: ["辦理迅速", "態度親切", "專業耐心", "解說清楚"],
    },
    en: {
      title: "hallq · rate our service", welcome: "Welcome", counterN: "Counter {n}",
      ask: "How was the service for {number}?",
      submit: "Send rating", thanks: "Thank you for your rating!", calling: "Number {number}, please come to this counter",
      setup: "Give counter and token (a display device token) in the address.", lost: "Connection lost; reconnecting…",
      denied: "The device token was refused: ask an administrator.", failed: "The rating was not sent; please try again.",
      no_counter: "Counter {id} does not exist in this device's hall: check counter= in the address.",
      bad: ["Long wait", "Slow service", "Attitude", "Lack of expertise", "Unclear procedure"],
      good: ["Quick", "Friendly", "Professional", "Clear explanations"],
    },
  };
  for (const [locale, labels] of Object.entries(HALLQ_RATING_LABELS)) Object.assign(TEXT[locale], labels);
  const params = new URLSearchParams(location.search);
  const counterId = Number(params.get("counter") || localStorage.getItem("hallq.rate.counter") || 0);
  if (params.get("counter")) localStorage.setItem("hallq.rate.counter", params.get("counter"));
  const token = HallQ.token("hallq.rate.token");
  const S = {
    lang: localStorage.getItem("hallq.rate.lang") || "zh-CN", counter: null, timeoutS: 30,
    current: null, score: 0, reasons: new Set(), sending: false, timer: null, calling: "",
    broken: "", // why the screen cannot work (a text key), shown instead of the welcome
    offset: null, // the smallest (local receive time − server event time) seen: clock skew + latency
  };
  const t = (key, vars) => HallQ.t(TEXT, S.lang, key, vars);
  const words = (key) => TEXT[S.lang][key] || TEXT.en[key];

  function show(which) {
    for (const id of ["idle", "ask", "thanks"]) $(id).classList.toggle("hq-hidden", id !== which);
    $("screen").className = `screen ${which === "idle" ? "idle" : "lit"}`;
  }

  function arm(seconds, then) {
    clearTimeout(S.timer);
    S.timer = setTimeout(then, seconds * 1000);
  }

  function idle() {
    clearTimeout(S.timer);
    S.current = null;
    show("idle");
    render();
  }

  function light(ticket, lateMs) {
    if (ticket.rating != null) return;
    if (lateMs > S.timeoutS * 1000) return; // replayed after an outage: that customer has gone
    Object.assign(S, { current: ticket, score: 0, reasons: new Set(), sending: false });
    show("ask");
    render();
    arm(S.timeoutS, timedOut);
  }

  // Events never carry the customer's key (public_id): the server gives it to this screen for
  // the ticket just completed at its counter only, while the rating may be given.
  async function fetchAndLight(done, lateMs) {
    if (done.rating != null || lateMs > S.timeoutS * 1000) return;
    try {
      const ticket = await api(`/api/v1/counters/${counterId}/rating-ticket`, { token });
      if (ticket.id === done.id) light(ticket, lateMs);
    } catch (err) {
      if (err.status === 401 || err.status === 403) problem(t("denied"));
      // 404: rated already, or too late: nothing to ask
    }
  }

  function timedOut() {
    if (S.current && S.score) submit(); // stars chosen but not sent: keep the customer's word
    else idle();
  }

  function pick(score) {
    S.score = score;
    S.reasons = new Set();
    render();
    arm(S.timeoutS, timedOut);
  }

  async function submit() {
    const ticket = S.current;
    if (!ticket || !S.score || S.sending) return;
    S.sending = true;
    const body = { score: S.score };
    if (S.reasons.size) body.comment = [...S.reasons].join(", ");
    try {
      await api(`/api/v1/public/tickets/${encodeURIComponent(ticket.public_id)}/rating`,
        { method: "POST", body, idempotencyKey: `rate-${ticket.public_id}` });
    } catch (err) {
      if (err.status !== 409) { // 409: already rated (from the mobile page): nothing to add
        S.sending = false;
        problem(t("failed"));
        arm(S.timeoutS, idle);
        return;
      }
    }
    problem("");
    S.current = null;
    show("thanks");
    render();
    arm(5, idle);
  }

  function problem(text) {
    $("problem").textContent = text;
    $("problem").classList.toggle("hq-hidden", !text);
  }

  function render() {
    document.documentElement.lang = S.lang;
    document.title = t("title");
    for (const b of document.querySelectorAll(".langs button")) b.setAttribute("aria-pressed", String(b.dataset.lang === S.lang));
    $("where").textContent = S.counter
      ? [t("counterN", { n: S.counter.number }), HallQ.counterExtraName(S.counter)].filter(Boolean).join(" · ") : "";
    // a screen that cannot work says why where the welcome would be
    $("welcome").textContent = S.broken ? t(S.broken, { id: counterId }) : t("welcome");
    $("welcome").classList.toggle("broken", Boolean(S.broken));
    $("now").textContent = S.calling ? t("calling", { number: S.calling }) : "";
    $("thanks-text").textContent = t("thanks");
    if (!S.current) return;
    $("ask-title").textContent = t("ask", { number: S.current.number });
    $("stars").replaceChildren(...[1, 2, 3, 4, 5].map((n) => el("button", {
      type: "button", class: `star${n <= S.score ? " lit" : ""}`, role: "radio", "aria-checked": String(n === S.score),
      "aria-label": t("s" + n), "data-score": n, onclick: () => pick(n),
    }, "★", el("small", {}, t("s" + n)))));
    $("star-label").textContent = S.score ? t("s" + S.score) : "";
    const reasons = S.score ? words(S.score >= 4 ? "good" : "bad") : [];
    $("reasons").replaceChildren(...reasons.map((r) => el("button", {
      type: "button", class: "reason", "aria-pressed": String(S.reasons.has(r)),
      onclick: () => { if (S.reasons.has(r)) S.reasons.delete(r); else S.reasons.add(r); render(); arm(S.timeoutS, timedOut); },
    }, r)));
    $("submit").textContent = t("submit");
    $("submit").classList.toggle("hq-hidden", !S.score);
  }

  function onMessage(msg) {
    const d = msg.data || {};
    const lag = Date.now() - Date.parse(msg.ts);
    if (!Number.isNaN(lag)) S.offset = S.offset === null ? lag : Math.min(S.offset, lag);
    if (msg.type === "ticket.completed" && d.counter_id === counterId) fetchAndLight(d, lag - (S.offset ?? lag));
    else if ((msg.type === "ticket.called" || msg.type === "ticket.recalled") && d.counter_id === counterId) {
      S.calling = d.number;
      if (!S.current) render();
    } else if (msg.type === "counter.updated" && d.id === counterId) {
      S.counter = d;
      if (d.ticket_id === null) S.calling = "";
      render();
    }
  }

  function onStatus(state) {
    $("conn").classList.toggle("hq-hidden", state !== "reconnecting");
    if (state === "denied") problem(t("denied"));
  }

  async function start() {
    for (const b of document.querySelectorAll(".langs button")) {
      b.addEventListener("click", () => { S.lang = b.dataset.lang; localStorage.setItem("hallq.rate.lang", S.lang); render(); });
    }
    $("submit").addEventListener("click", submit);
    show("idle");
    render();
    if (!token || !counterId) { problem(t("setup")); return; }
    try {
      await api("/api/v1/auth/me", { token }); // a refused token says so first
      const counters = await api("/api/v1/counters", { token });
      S.counter = counters.find((c) => c.id === counterId) || null;
      if (!S.counter) { S.broken = "no_counter"; render(); return; } // it would wait for ever
      const branchId = S.counter.branch_id;
      const branch = await api(`/api/v1/branches/${branchId}`, { token });
      S.timeoutS = branch.settings.rating_timeout_s || 30;
      if (!localStorage.getItem("hallq.rate.lang")) S.lang = branch.locale;
      render();
      HallQ.stream(branchId, token, { onMessage, onStatus });
    } catch (err) {
      problem(err.status === 401 || err.status === 403 ? t("denied") : err.detail || t("lost"));
    }
  }

  start();
})();
