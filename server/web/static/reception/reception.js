// Reception desk (导办台): /reception, for clerks and managers. Staff issue a ticket for a
// customer: the service, a priority with its reason, a note for the clerks (at most 200
// characters, never shown to the customer), and where the ticket goes — printed at a kiosk, or
// a QR code on this screen for the customer's phone. After the cut-off the ticket can still be
// issued until closing time, ticking the override. Every issue here is in the audit trail.
"use strict";

(() => {
  const TEXTS = {
    "zh-CN": {
      title: "导办台", login: "工作人员登录", username: "用户名", password: "密码", signIn: "登录",
      logout: "退出", badLogin: "用户名或密码错误", throttled: "登录失败次数过多，请几分钟后再试",
      notStaff: "此页面仅供柜员和值班主任使用", network: "网络故障，请重试", expired: "登录已过期，请重新登录",
      service: "业务", priority: "优先", normal: "普通", priorityTicket: "优先（需注明原因）", reason: "优先原因",
      reasons: "老年人|残障人士|孕妇|军人|急事|其他", note: "给柜员的备注", noteHint: "仅柜员可见，不打印、不显示给群众。",
      output: "号票", screen: "在本屏显示二维码", printAt: "在 {name} 打印", printerOut: "（缺纸或离线）",
      override: "已过截止时间：仍为该群众取号（至闭厅为止）", issue: "取号",
      waiting: "等候 {n} 人", noCounter: "暂无窗口", closed: "现在不办理", cutoff: "已过截止时间",
      holiday: "节假日休息", quota_reached: "今日号已取完",
      hoursToday: "今日办公 {h}", closedToday: "今日不办公", allDay: "全天",
      chooseService: "请先选择业务", reasonNeeded: "请填写优先原因",
      issued: "已取号", ahead: "前面 {n} 人", scan: "请群众用手机扫码查看排队进度",
      printing: "正在 {name} 打印……", printed: "已在 {name} 打印，请群众取票", printFailed: "打印失败：请让群众扫码",
      service_closed: "该业务现在不能取号", quota_reached_err: "该业务今日号已取完", forbidden: "您没有权限这样取号",
      error: "取号失败（{code}）",
    },
    "zh-TW": {
      title: "導辦台", login: "工作人員登入", username: "使用者名稱", password: "密碼", signIn: "登入",
      logout: "登出", badLogin: "使用者名稱或密碼錯誤", throttled: "登入失敗次數過多，請幾分鐘後再試",
      notStaff: "此頁面僅供櫃員和值班主任使用", network: "網路故障，請重試", expired: "登入已逾時，請重新登入",
      service: "業務", priority: "優先", normal: "一般", priorityTicket: "優先（需註明原因）", reason: "優先原因",
      reasons: "長者|身障人士|孕婦|軍人|急事|其他", note: "給櫃員的備註", noteHint: "僅櫃員可見，不列印、不顯示給民眾。",
      output: "號碼牌", screen: "在本螢幕顯示 QR 碼", printAt: "在 {name} 列印", printerOut: "（缺紙或離線）",
      override: "已過截止時間：仍為該民眾取號（至閉廳為止）", issue: "取號",
      waiting: "等候 {n} 人", noCounter: "暫無窗口", closed: "現在不辦理", cutoff: "已過截止時間",
      holiday: "節假日休息", quota_reached: "今日號已取完",
      hoursToday: "今日辦公 {h}", closedToday: "今日不辦公", allDay: "全天",
      chooseService: "請先選擇業務", reasonNeeded: "請填寫優先原因",
      issued: "已取號", ahead: "前面 {n} 人", scan: "請民眾用手機掃碼查看排隊進度",
      printing: "正在 {name} 列印……", printed: "已在 {name} 列印，請民眾取票", printFailed: "列印失敗：請讓民眾掃碼",
      service_closed: "該業務現在不能取號", quota_reached_err: "該業務今日號已取完", forbidden: "您沒有權限這樣取號",
      error: "取號失敗（{code}）",
    },
    en: {
      title: "Reception", login: "Staff sign-in", username: "Username", password: "Password", signIn: "Sign in",
      logout: "Sign out", badLogin: "Wrong username or password", throttled: "Too many failed sign-ins; try again in a few minutes",
      notStaff: "This page is for clerks and managers", network: "Network problem, please try again", expired: "Your session expired; please sign in again",
      service: "Service", priority: "Priority", normal: "Regular", priorityTicket: "Priority (give the reason)", reason: "Reason for priority",
      reasons: "Elderly|Disabled|Pregnant|Military|Urgent|Other", note: "Note for the clerk", noteHint: "Clerks only: never printed or shown to the customer.",
      output: "Ticket", screen: "Show a QR code on this screen", printAt: "Print at {name}", printerOut: " (paper out or offline)",
      override: "Past the cut-off: issue for this customer anyway (until closing)", issue: "Issue ticket",
      waiting: "{n} waiting", noCounter: "no counter open", closed: "Closed now", cutoff: "Past the cut-off",
      holiday: "Closed for the holiday", quota_reached: "Today's tickets are all taken",
      hoursToday: "Open today {h}", closedToday: "Closed today", allDay: "all day",
      chooseService: "Choose a service first", reasonNeeded: "Give the reason for priority",
      issued: "Issued", ahead: "{n} ahead", scan: "The customer scans this to follow their turn",
      printing: "Printing at {name}…", printed: "Printed at {name}: the customer takes it there", printFailed: "Not printed: let the customer scan the code",
      service_closed: "This service is not issuing tickets now", quota_reached_err: "Today's tickets for this service are all taken",
      forbidden: "You may not issue this ticket", error: "No ticket ({code})",
    },
  };
  const TOKEN_KEY = "hallq.reception.token";
  const LANG_KEY = "hallq.reception.lang";
  const STAFF = ["admin", "manager", "clerk"];
  const PRINT_WAIT_MS = 8000;

  const $ = (id) => document.getElementById(id);
  const el = HallQ.el;
  const S = {
    token: sessionStorage.getItem(TOKEN_KEY) || "", lang: localStorage.getItem(LANG_KEY) || "zh-CN",
    me: null, branches: [], branchId: null, services: [], queue: null, kiosks: [], serviceId: null,
    busy: false, result: null, refreshTimer: null, stream: null,
  };
  window.hallqReception = S; // for tests and debugging
  const t = (key, vars) => HallQ.t(TEXTS, S.lang, key, vars);
  const get = (path) => HallQ.api(path, { token: S.token });

  // ---- signing in --------------------------------------------------------------------------
  function show(view) {
    $("login-view").classList.toggle("hq-hidden", view !== "login");
    $("desk-view").classList.toggle("hq-hidden", view !== "desk");
    $("logout").classList.toggle("hq-hidden", view === "login");
    if (view === "login") setTimeout(() => $("username").focus(), 0);
  }

  function signOut(message) {
    if (S.stream) S.stream.close();
    Object.assign(S, { token: "", me: null, stream: null, result: null });
    sessionStorage.removeItem(TOKEN_KEY);
    $("login-error").textContent = message || "";
    $("who").textContent = "";
    show("login");
  }

  async function login(ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    try {
      const body = { username: $("username").value.trim(), password: $("password").value };
      const res = await HallQ.api("/api/v1/auth/login", { method: "POST", body });
      S.token = res.token;
      sessionStorage.setItem(TOKEN_KEY, res.token);
      $("password").value = "";
      await afterLogin();
    } catch (err) {
      $("login-error").textContent = t(err.status === 401 ? "badLogin" : err.status === 0 ? "network"
        : err.code === "rate_limited" ? "throttled" : "error", { code: err.code });
    }
  }

  async function afterLogin() {
    S.me = await get("/api/v1/auth/me");
    if (!STAFF.includes(S.me.role)) { signOut(t("notStaff")); return; }
    const all = await get("/api/v1/branches");
    S.branches = S.me.branch_ids.length ? all.filter((b) => S.me.branch_ids.includes(b.id)) : all;
    S.branchId = S.branches.some((b) => b.id === S.branchId) ? S.branchId : (S.branches[0] || { id: 1 }).id;
    await enterBranch();
  }

  async function enterBranch() {
    if (S.stream) S.stream.close();
    const select = $("branch-select");
    select.replaceChildren(...S.branches.map((b) => el("option", { value: b.id, selected: b.id === S.branchId }, b.name)));
    select.classList.toggle("hq-hidden", S.branches.length < 2);
    const [services, kiosks] = await Promise.all([
      get(`/api/v1/services?branch_id=${S.branchId}`), get(`/api/v1/kiosks?branch_id=${S.branchId}`),
    ]);
    S.services = services.filter((s) => s.active);
    S.kiosks = kiosks;
    if (!S.services.some((s) => s.id === S.serviceId)) S.serviceId = null;
    await loadQueue();
    show("desk");
    render();
    S.stream = HallQ.stream(S.branchId, S.token, {
      onMessage: (msg) => {
        if (msg.type === "snapshot") { S.queue = msg.data; renderServices(); return; }
        if (msg.type.startsWith("ticket.") || msg.type === "counter.updated") refreshSoon();
        if (msg.type === "printer.status") refreshKiosks();
        if (msg.type === "print.completed" || msg.type === "print.failed") printOutcome(msg.type, msg.data.job);
      },
      onStatus: (status) => { if (status === "denied") signOut(t("expired")); },
    });
  }

  async function loadQueue() {
    try {
      S.queue = await get(`/api/v1/branches/${S.branchId}/queue`);
      renderServices();
      renderHours();
    } catch (err) {
      if (err.status === 401) signOut(t("expired"));
    }
  }

  async function refreshKiosks() {
    try { S.kiosks = await get(`/api/v1/kiosks?branch_id=${S.branchId}`); renderOutput(); } catch (_) { /* next time */ }
  }

  function refreshSoon() {
    if (S.refreshTimer) return;
    S.refreshTimer = setTimeout(() => { S.refreshTimer = null; loadQueue(); }, 400);
  }

  // ---- rendering ---------------------------------------------------------------------------
  function render() {
    document.documentElement.lang = S.lang;
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const b of document.querySelectorAll(".langs button")) b.setAttribute("aria-pressed", String(b.dataset.lang === S.lang));
    document.title = `hallq · ${t("title")}`;
    const branch = S.branches.find((b) => b.id === S.branchId);
    $("where").textContent = branch ? `· ${branch.name}` : "";
    $("who").textContent = S.me ? S.me.username || "" : "";
    $("reasons").replaceChildren(...t("reasons").split("|").map((r) => el("option", { value: r })));
    renderServices();
    renderHours();
    renderOutput();
    renderPriority();
    renderNoteCount();
    renderResult();
  }

  function renderHours() {
    const hours = S.queue ? S.queue.hours_today : null;
    const box = $("hours");
    if (hours === undefined || !S.queue) { box.textContent = ""; return; }
    box.classList.toggle("closed", Array.isArray(hours) && !hours.length);
    box.textContent = hours === null ? t("hoursToday", { h: t("allDay") })
      : hours.length ? t("hoursToday", { h: hours.map((i) => i.join("–")).join(", ") }) : t("closedToday");
  }

  function queueOf(serviceId) {
    return ((S.queue && S.queue.services) || []).find((s) => s.id === serviceId) || null;
  }

  function renderServices() {
    const box = $("services");
    box.replaceChildren(...S.services.map((s) => {
      const q = queueOf(s.id);
      const closed = q && q.closed_reason;
      const detail = !q ? "" : closed ? t(closed) : [t("waiting", { n: q.waiting }), q.open_counters === 0 ? t("noCounter") : ""]
        .filter(Boolean).join(" · ");
      return el("button", {
        type: "button", role: "radio", class: "svc" + (closed ? " closed" : ""), "data-service": s.id,
        "aria-checked": String(s.id === S.serviceId),
        onclick: () => { S.serviceId = s.id; renderServices(); renderOverride(); $("issue-error").textContent = ""; },
      }, el("b", {}, `${s.prefix} · ${HallQ.name(s.name, S.lang)}`), el("small", {}, detail));
    }));
    renderOverride();
  }

  // The override is offered only when the chosen service stopped issuing for the cut-off.
  function renderOverride() {
    const q = S.serviceId ? queueOf(S.serviceId) : null;
    const cutoff = Boolean(q && q.closed_reason === "cutoff");
    $("override-row").classList.toggle("hq-hidden", !cutoff);
    if (!cutoff) $("override").checked = false;
  }

  function renderOutput() {
    const select = $("output");
    const kept = select.value || localStorage.getItem("hallq.reception.output") || "screen";
    const options = [el("option", { value: "screen" }, t("screen")), ...S.kiosks.map((k) => {
      const out = k.printer && (k.printer.online === false || k.printer.paper === "out");
      return el("option", { value: String(k.id) }, t("printAt", { name: k.name }) + (out ? t("printerOut") : ""));
    })];
    select.replaceChildren(...options);
    select.value = options.some((o) => o.value === kept) ? kept : "screen";
  }

  function priority() {
    return document.querySelector('input[name="priority"]:checked').value;
  }

  function renderPriority() {
    $("reason-row").classList.toggle("hq-hidden", priority() !== "priority");
  }

  function renderNoteCount() {
    $("note-count").textContent = `${$("note").value.length}/200`;
  }

  // ---- issuing -----------------------------------------------------------------------------
  async function issue(ev) {
    ev.preventDefault();
    if (S.busy) return;
    const error = $("issue-error");
    error.textContent = "";
    if (!S.serviceId) { error.textContent = t("chooseService"); return; }
    const prio = priority();
    const reason = $("reason").value.trim();
    if (prio === "priority" && !reason) { error.textContent = t("reasonNeeded"); $("reason").focus(); return; }
    const output = $("output").value;
    localStorage.setItem("hallq.reception.output", output);
    const body = { service_id: S.serviceId, channel: "reception", priority: prio, locale: S.lang };
    if (prio === "priority") body.priority_reason = reason;
    const note = $("note").value.trim();
    if (note) body.note = note;
    if ($("override").checked) body.override_cutoff = true;
    const kiosk = output === "screen" ? null : S.kiosks.find((k) => String(k.id) === output) || null;
    if (kiosk) body.kiosk_id = kiosk.id;
    S.busy = true;
    $("issue").disabled = true;
    try {
      const ticket = await HallQ.api("/api/v1/tickets", { method: "POST", body, token: S.token, idempotencyKey: HallQ.uuid() });
      S.result = { ticket, kiosk, print: kiosk ? "printing" : null };
      renderResult();
      resetForm();
      if (kiosk) S.result.timer = setTimeout(() => printOutcome("print.failed", { ticket_id: ticket.id, late: true }), PRINT_WAIT_MS);
      loadQueue();
    } catch (err) {
      if (err.status === 401) { signOut(t("expired")); return; }
      const key = err.code === "quota_reached" ? "quota_reached_err" : err.code === "service_closed" ? "service_closed"
        : err.code === "forbidden" ? "forbidden" : err.status === 0 ? "network" : "error";
      error.textContent = t(key, { code: err.code });
      loadQueue();
    } finally {
      S.busy = false;
      $("issue").disabled = false;
    }
  }

  function resetForm() {
    $("note").value = "";
    $("reason").value = "";
    $("override").checked = false;
    document.querySelector('input[name="priority"][value="normal"]').checked = true;
    renderPriority();
    renderNoteCount();
  }

  function printOutcome(type, job) {
    const r = S.result;
    if (!r || !r.kiosk || job.ticket_id !== r.ticket.id || r.print !== "printing") return;
    clearTimeout(r.timer);
    r.print = type === "print.completed" ? "printed" : "failed";
    renderResult();
  }

  function renderResult() {
    const r = S.result;
    const box = $("result");
    box.classList.toggle("empty", !r);
    if (!r) {
      $("result-label").textContent = "";
      for (const id of ["result-number", "result-service", "result-wait", "result-print"]) $(id).textContent = "";
      $("result-qr").classList.add("hq-hidden");
      return;
    }
    const service = S.services.find((s) => s.id === r.ticket.service_id);
    $("result-label").textContent = t("issued");
    $("result-number").textContent = r.ticket.number;
    $("result-service").textContent = (service ? HallQ.name(service.name, S.lang) : "")
      + (r.ticket.priority === "priority" ? ` · ${t("priority")}` : "");
    $("result-wait").textContent = r.ticket.position != null ? t("ahead", { n: r.ticket.position }) : "";
    const showQr = !r.kiosk || r.print === "failed";
    const qr = $("result-qr");
    qr.classList.toggle("hq-hidden", !showQr);
    if (showQr && qr.dataset.ticket !== String(r.ticket.id)) {
      const url = `${location.origin}/t/${r.ticket.public_id}`;
      qr.replaceChildren(HallQR.svg(url, { label: url }));
      qr.dataset.url = url;
      qr.dataset.ticket = String(r.ticket.id);
    }
    const print = $("result-print");
    const name = r.kiosk ? r.kiosk.name : "";
    print.className = "result-print" + (r.print === "printed" ? " ok" : r.print === "failed" ? " bad" : "");
    print.textContent = !r.kiosk ? t("scan") : r.print === "printed" ? t("printed", { name })
      : r.print === "failed" ? t("printFailed") : t("printing", { name });
  }

  // ---- start -------------------------------------------------------------------------------
  function setLang(lang) {
    S.lang = lang;
    localStorage.setItem(LANG_KEY, lang);
    render();
  }

  async function start() {
    const fromUrl = new URLSearchParams(location.search).get("lang");
    if (HallQ.LOCALES.includes(fromUrl)) S.lang = fromUrl;
    render();
    $("login-form").addEventListener("submit", login);
    $("issue-form").addEventListener("submit", issue);
    $("logout").addEventListener("click", async () => {
      try { await HallQ.api("/api/v1/auth/logout", { method: "POST", token: S.token }); } catch (_) { /* gone anyway */ }
      signOut("");
    });
    $("branch-select").addEventListener("change", (e) => { S.branchId = Number(e.target.value); S.result = null; enterBranch(); });
    for (const b of document.querySelectorAll(".langs button")) b.addEventListener("click", () => setLang(b.dataset.lang));
    for (const r of document.querySelectorAll('input[name="priority"]')) r.addEventListener("change", renderPriority);
    $("note").addEventListener("input", renderNoteCount);
    setInterval(loadQueueIfIn, 60000); // the cut-off and the hours change with the clock, not events
    if (!S.token) { show("login"); return; }
    try {
      await afterLogin();
    } catch (err) {
      signOut(err.status === 401 ? t("expired") : "");
    }
  }

  function loadQueueIfIn() { if (S.me) loadQueue(); }

  start();
})();
