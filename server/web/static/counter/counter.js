// The clerk's counter page: log in, choose a counter, call and serve tickets with big buttons or
// single keys (a programmable USB keypad works), follow the hall live, explain every conflict.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const { el, api } = HallQ;
  const LANG_KEY = "hallq.counter.lang";
  const TOKEN_KEY = "hallq.counter.token";
  const COUNTER_KEY = "hallq.counter.id";
  const IN_HAND = ["called", "serving"];

  function defaultLang() {
    const asked = new URLSearchParams(location.search).get("lang");
    if (HallQ.LOCALES.includes(asked)) return asked;
    const kept = localStorage.getItem(LANG_KEY);
    if (HallQ.LOCALES.includes(kept)) return kept;
    const nav = (navigator.language || "").toLowerCase();
    if (nav.startsWith("zh-tw") || nav.startsWith("zh-hk") || nav.includes("hant")) return "zh-TW";
    return nav.startsWith("zh") || !nav ? "zh-CN" : "en";
  }

  const S = {
    lang: defaultLang(),
    token: sessionStorage.getItem(TOKEN_KEY) || "",
    me: null, branches: [], branchId: null, branchName: "",
    counters: [], services: [], counter: null, hand: null, queue: null,
    waiting: [], parked: [], noShows: [], done: [], mine: null,
    stream: null, lostSince: null, busy: false, calledBy: {},
    changes: 0, // bumped by every answer and counter event: a re-read begun before it is stale
  };
  const t = (key, vars) => HallQ.t(COUNTER_TEXT, S.lang, key, vars);
  const call = (path, body) => api(path, { method: "POST", body, token: S.token, idempotencyKey: HallQ.uuid() });
  const get = (path) => api(path, { token: S.token });

  // ---- the actions and their keys ----------------------------------------------------------

  const ACTIONS = [
    { id: "next", key: "n", run: callNext },
    { id: "recall", key: "r", run: () => handAction("recall", "recall") },
    { id: "start", key: "s", run: () => handAction("start", "start") },
    { id: "complete", key: "c", run: complete },
    { id: "noshow", key: "x", run: () => handAction("noshow", "no-show") },
    { id: "transfer", key: "t", run: transferDialog },
    { id: "park", key: "p", run: () => handAction("park", "park") },
    { id: "resume", key: "u", run: resumeDialog },
    { id: "callSpecific", key: "k", run: callDialog },
    { id: "requeue", key: "b", run: requeueDialog },
  ];
  const COUNTER_ACTIONS = [
    { id: "open", key: "o", run: openCounter },
    { id: "pause", key: "z", run: pauseDialog },
    { id: "close", key: "l", run: closeDialog },
  ];
  const LOGOUT = { id: "logout", key: "q", run: logoutDialog };
  const ALL = [...ACTIONS, ...COUNTER_ACTIONS, LOGOUT];

  // null: allowed; "": not now (nothing to say); text: not now, and why
  function why(id) {
    const c = S.counter;
    const h = S.hand;
    if (!c) return "";
    const notOpen = c.state === "open" ? null : t("notOpen", { state: t("state." + c.state) });
    const needHand = h ? null : t("noHand");
    const handBusy = h ? t("handInHand", { number: h.number }) : null;
    switch (id) {
      case "open": return c.state === "open" ? "" : null;
      case "pause": return c.state === "closed" ? notOpen : handBusy || (c.state === "paused" ? "" : null);
      case "close": return handBusy || (c.state === "closed" ? "" : null);
      case "next":
        if (notOpen) return notOpen;
        return h && h.state === "called" ? t("notStarted", { number: h.number }) : null;
      case "recall": case "start": return needHand || (h.state === "called" ? null : "");
      case "noshow": return needHand || (h.state === "called" ? null : "");
      case "complete": case "transfer": case "park": return needHand;
      case "resume": return notOpen || handBusy || (S.parked.length ? null : t("nothingParked"));
      case "callSpecific": return notOpen || handBusy || (S.waiting.length ? null : t("nobody"));
      case "requeue": return S.noShows.length ? null : t("nothingNoShow");
      case "logout": return null;
      default: return "";
    }
  }

  // Presses run one after the other: a key pressed while an action is on its way waits for it
  // (then is judged on the new state) instead of being lost; a burst beyond a few is dropped.
  let queued = 0;
  let chain = Promise.resolve();

  function press(action) {
    if (queued >= 3) return chain;
    queued += 1;
    chain = chain.then(() => pressNow(action)).finally(() => { queued -= 1; });
    return chain;
  }

  async function pressNow(action) {
    if ($("dialog").open) return;
    const reason = why(action.id);
    if (reason !== null) {
      if (reason) say(reason, "warn");
      return;
    }
    S.busy = true;
    renderButtons();
    try {
      await action.run();
    } catch (err) {
      await explain(err, action.id);
    } finally {
      S.busy = false;
      render();
      scheduleRefresh();
    }
  }

  // ---- doing things ------------------------------------------------------------------------

  function apply(result) {
    S.changes += 1;
    S.counter = result.counter;
    S.counters = S.counters.map((c) => (c.id === result.counter.id ? result.counter : c));
    const ticket = result.ticket;
    S.hand = ticket && IN_HAND.includes(ticket.state) && ticket.counter_id === S.counter.id ? ticket : null;
    return ticket;
  }

  const counterPath = (action) => `/api/v1/counters/${S.counter.id}/${action}`;

  async function callNext() {
    const expected = S.waiting[0] || null;
    const before = S.hand;
    const completing = before && before.state === "serving";
    const ticket = apply(await call(counterPath("call-next"), completing ? { complete_current: true } : {}));
    if (ticket) {
      say(completing ? t("done.nextAfter", { done: before.number, number: ticket.number })
        : t("done.next", { number: ticket.number }), "ok");
    } else if (expected) {
      await explainTicket(expected); // somebody else was faster
    } else {
      say(t("nobody"), "info");
    }
  }

  async function handAction(id, path) {
    const ticket = apply(await call(counterPath(path)));
    say(t("done." + id, { number: ticket ? ticket.number : "" }), "ok");
  }

  async function complete() {
    const outcome = $("outcome").value.trim();
    const ticket = apply(await call(counterPath("complete"), outcome ? { outcome } : {}));
    $("outcome").value = "";
    say(t("done.complete", { number: ticket.number }), "ok");
  }

  async function openCounter() {
    apply(await call(counterPath("open")));
    say(t("done.open"), "ok");
  }

  async function pauseDialog() {
    const reasons = ["break", "meeting", "system", "other"].map((r) => ({ label: t("reason." + r), value: r }));
    const chosen = await choose(t("pauseTitle"), reasons);
    if (!chosen) return;
    let reason = t("reason." + chosen);
    if (chosen === "other") {
      reason = await ask(t("pauseTitle"), t("otherReason"));
      if (!reason) return;
    }
    apply(await call(counterPath("pause"), { reason }));
    say(t("done.pause", { reason }), "ok");
  }

  function myServiceIds() {
    return new Set(S.counter.service_ids);
  }

  async function closeDialog() {
    const mine = myServiceIds();
    const waiting = S.waiting.length;
    if (waiting > 0) {
      const others = S.counters.filter((c) => c.id !== S.counter.id && c.state === "open"
        && c.service_ids.some((id) => mine.has(id))).length;
      const note = others ? t("closeWarn", { waiting, others }) : t("closeAlone", { waiting });
      const sure = await choose(t("closeTitle"), [{ label: t("confirmClose"), value: true, danger: true }], note);
      if (!sure) return;
    }
    apply(await call(counterPath("close")));
    say(t("done.close"), "ok");
  }

  function serviceName(id) {
    const s = S.services.find((x) => x.id === id);
    return s ? HallQ.name(s.name, S.lang) : "";
  }

  async function transferDialog() {
    const h = S.hand;
    const targets = [
      ...S.services.filter((s) => s.active && s.id !== h.service_id).map((s) => ({
        label: `${t("toService")} · ${s.prefix} ${HallQ.name(s.name, S.lang)}`, value: { service_id: s.id },
        target: HallQ.name(s.name, S.lang),
      })),
      ...S.counters.filter((c) => c.id !== S.counter.id).map((c) => ({
        label: `${t("toCounter")} · ${t("counterN", { n: c.number })} ${HallQ.counterExtraName(c)} (${t("state." + c.state)})`,
        value: { counter_id: c.id }, target: t("counterN", { n: c.number }),
      })),
    ];
    const where = await choose(t("transferTitle", { number: h.number }), targets);
    if (!where) return;
    const positions = ["original", "front", "back"].map((p) => ({ label: t("pos." + p), value: p }));
    const position = await choose(t("positionTitle"), positions);
    if (!position) return;
    const ticket = apply(await call(counterPath("transfer"), { ...where, position }));
    const target = targets.find((x) => x.value === where).target;
    say(t("done.transfer", { number: ticket.number, target }), "ok");
  }

  const ticketOption = (x) => ({
    label: `${x.number} · ${serviceName(x.service_id)}${x.priority !== "normal" ? " · " + t("p." + x.priority) : ""}`,
    value: x,
  });

  async function pickAndCall(title, tickets, path, doneKey, direct) {
    const ticket = direct || await choose(title, tickets.slice(0, 30).map(ticketOption));
    if (!ticket) return;
    try {
      const called = apply(await call(counterPath(path), { ticket_id: ticket.id }));
      say(t(doneKey, { number: called.number }), "ok");
    } catch (err) {
      if (err.status === 409 || err.status === 404) await explainTicket(ticket);
      else throw err;
    }
  }

  function callDialog(direct) {
    return pickAndCall(t("callTitle"), S.waiting, "call", "done.callSpecific", direct);
  }

  function resumeDialog(direct) {
    const only = S.parked.length === 1 ? S.parked[0] : null;
    return pickAndCall(t("resumeTitle"), S.parked, "resume", "done.resume", direct || only);
  }

  async function requeueDialog(direct) {
    const ticket = direct || await choose(t("requeueTitle"), S.noShows.slice(0, 30).map(ticketOption));
    if (!ticket) return;
    const back = await call(`/api/v1/tickets/${ticket.id}/requeue`, { position: "back" });
    say(t("done.requeue", { number: back.number }), "ok");
  }

  async function logoutDialog() {
    if (S.hand) {
      say(t("logoutRefused", { number: S.hand.number }), "bad");
      return;
    }
    if (S.counter && S.counter.state !== "closed") {
      const how = await choose(t("logoutTitle"), [
        { label: t("handover"), value: "handover" },
        { label: t("closeAndLogout"), value: "close" },
      ]);
      if (!how) return;
      if (how === "close") apply(await call(counterPath("close")));
    }
    await call("/api/v1/auth/logout").catch(() => null);
    signOut("");
  }

  // ---- explaining conflicts ----------------------------------------------------------------

  async function explainTicket(ticket) {
    let now = null;
    try { now = await get(`/api/v1/tickets/${ticket.id}`); } catch (err) { /* gone or unreachable */ }
    if (!now) { say(t("nobody"), "info"); return; }
    if (IN_HAND.includes(now.state) && now.counter_id && now.counter_id !== S.counter.id) {
      const other = S.counters.find((c) => c.id === now.counter_id);
      const counter = other ? other.number : S.calledBy[now.id] || now.counter_id;
      say(t("taken", { number: now.number, counter }), "warn");
    } else if (now.state === "waiting") {
      say(t("nobody"), "info");
    } else {
      say(t("gone", { number: now.number, state: t("gone." + now.state) }), "warn");
    }
  }

  async function explain(err, id) {
    if (err.status === 401) { signOut(t("expired")); return; }
    if (err.status === 0) { say(t("network"), "bad"); return; }
    try { await refreshNow(); } catch (e) { /* keep what we know */ }
    const c = S.counter;
    if (err.code === "counter_not_open") {
      say(t("notOpen", { state: t("state." + c.state) }), "bad");
    } else if (err.code === "conflict" && c.clerk_id && S.me && c.clerk_id !== S.me.id) {
      say(t("staffed", { counter: c.number }), "bad");
    } else if (err.code === "conflict" && S.hand) {
      say(t("handInHand", { number: S.hand.number }), "bad");
    } else if (err.code === "invalid_transition" && !S.hand && id !== "requeue") {
      say(t("noHandNow"), "bad");
    } else {
      say(err.detail || err.code, "bad");
    }
  }

  function say(text, kind = "info") {
    const box = $("message");
    box.textContent = text;
    box.className = `message ${kind}`;
  }

  // ---- reading the hall --------------------------------------------------------------------

  let refreshTimer = null;
  let refreshing = null;

  function scheduleRefresh() {
    if (refreshTimer || !S.counter) return;
    refreshTimer = setTimeout(async () => {
      refreshTimer = null;
      try { await refreshNow(); } catch (err) { if (err.status === 401) signOut(t("expired")); }
    }, 120);
  }

  let refreshAgain = false;

  // One re-read at a time; a change noticed meanwhile re-reads once more afterwards.
  async function refreshNow() {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      const b = S.branchId;
      const changes = S.changes;
      const [queue, counters] = await Promise.all([get(`/api/v1/branches/${b}/queue`), get(`/api/v1/counters?branch_id=${b}`)]);
      const counter = counters.find((c) => c.id === S.counter.id) || S.counter;
      const day = queue.business_date;
      const list = (state) => get(`/api/v1/tickets?branch_id=${b}&state=${state}&business_date=${day}`);
      const [hand, waiting, parked, noShows, done] = await Promise.all([
        counter.ticket_id ? get(`/api/v1/tickets/${counter.ticket_id}`) : null,
        list("waiting"), list("parked"), list("no_show"), list("done"),
      ]);
      if (changes !== S.changes) { refreshAgain = true; return; } // an answer overtook this read
      Object.assign(S, { queue, counters, counter });
      const mine = myServiceIds();
      const byTurn = (x, y) => (x.position ?? 1e9) - (y.position ?? 1e9) || x.issued_at.localeCompare(y.issued_at);
      S.hand = hand && IN_HAND.includes(hand.state) ? hand : null;
      S.waiting = waiting.filter((x) => mine.has(x.service_id)).sort(byTurn);
      S.parked = parked.filter((x) => x.counter_id === S.counter.id);
      S.noShows = noShows.filter((x) => x.counter_id === S.counter.id)
        .sort((x, y) => (y.finished_at || "").localeCompare(x.finished_at || ""));
      S.done = done.filter((x) => S.me && x.clerk_id === S.me.id);
      render();
      refreshMine(day);
    })();
    try {
      await refreshing;
    } finally {
      refreshing = null;
    }
    if (refreshAgain) {
      refreshAgain = false;
      await refreshNow();
    }
  }

  function onMessage(msg) {
    if (msg.type === "ticket.called" && msg.data.counter) S.calledBy[msg.data.id] = msg.data.counter.number;
    if (msg.type === "counter.updated" && S.counter && msg.data.id === S.counter.id) {
      S.changes += 1;
      S.counter = msg.data;
      renderHeader();
    }
    scheduleRefresh();
  }

  function onStatus(state, info) {
    const banner = $("banner");
    if (state === "reconnecting") {
      S.lostSince = info;
      banner.textContent = t("lost", { since: new Date(info).toLocaleTimeString(S.lang) });
      banner.classList.remove("hq-hidden");
    } else if (state === "connected") {
      if (S.lostSince !== null) {
        S.lostSince = null;
        banner.classList.add("hq-hidden");
        say(t("recovered"), "ok");
      }
    } else if (state === "denied") {
      signOut(t("expired"));
    }
    renderHeader();
  }

  // ---- views -------------------------------------------------------------------------------

  function show(view) {
    for (const v of ["login", "pick", "desk"]) $(v + "-view").classList.toggle("hq-hidden", v !== view);
    $("logout").classList.toggle("hq-hidden", view === "login");
    $("switch").classList.toggle("hq-hidden", view !== "desk");
    $("state-badge").classList.toggle("hq-hidden", view !== "desk");
    $("conn").classList.toggle("hq-hidden", view !== "desk");
    if (view === "login") setTimeout(() => $("username").focus(), 0);
  }

  function signOut(message) {
    if (S.stream) S.stream.close();
    Object.assign(S, { token: "", me: null, counter: null, hand: null, stream: null, lostSince: null });
    sessionStorage.removeItem(TOKEN_KEY);
    $("banner").classList.add("hq-hidden");
    $("login-error").textContent = message || "";
    show("login");
    renderHeader();
  }

  async function login(ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    try {
      const body = { username: $("username").value.trim(), password: $("password").value };
      const res = await api("/api/v1/auth/login", { method: "POST", body });
      S.token = res.token;
      sessionStorage.setItem(TOKEN_KEY, res.token);
      $("password").value = "";
      await afterLogin();
    } catch (err) {
      // Every refusal in the page's language: never the server's English detail.
      $("login-error").textContent = t(err.status === 401 ? "badLogin" : err.status === 0 ? "network"
        : err.code === "rate_limited" ? "throttled" : "loginFailed", { code: err.code });
    }
  }

  async function afterLogin() {
    S.me = await get("/api/v1/auth/me");
    const all = await get("/api/v1/branches");
    S.branches = S.me.branch_ids.length ? all.filter((b) => S.me.branch_ids.includes(b.id)) : all;
    S.branchId = S.branchId && S.branches.some((b) => b.id === S.branchId) ? S.branchId : (S.branches[0] || { id: 1 }).id;
    const kept = Number(sessionStorage.getItem(COUNTER_KEY) || 0);
    await showPick(kept);
  }

  async function showPick(autoCounterId = 0) {
    if (S.stream) { S.stream.close(); S.stream = null; }
    S.counter = null;
    const select = $("branch-select");
    select.replaceChildren(...S.branches.map((b) => el("option", { value: b.id, selected: b.id === S.branchId }, b.name)));
    $("branch-pick").classList.toggle("hq-hidden", S.branches.length < 2);
    S.counters = await get(`/api/v1/counters?branch_id=${S.branchId}`);
    const auto = S.counters.find((c) => c.id === autoCounterId);
    if (auto) { await enterDesk(auto); return; }
    renderPick();
    show("pick");
    renderHeader();
  }

  function renderPick() {
    $("counter-list").replaceChildren(...S.counters.map((c) => {
      const staffed = c.clerk_id && S.me && c.clerk_id !== S.me.id;
      const who = c.clerk_id ? (staffed ? t("staffedBy") : t("yours")) : "";
      return el("button", { type: "button", class: `pick ${c.state}`, "data-counter": c.number, onclick: () => enterDesk(c) },
        el("span", { class: "pick-number" }, t("counterN", { n: c.number })),
        el("span", { class: "pick-name" }, HallQ.counterExtraName(c)),
        el("span", { class: "pick-state" }, t("state." + c.state), who ? ` · ${who}` : ""));
    }));
  }

  async function enterDesk(counter) {
    S.counter = counter;
    sessionStorage.setItem(COUNTER_KEY, String(counter.id));
    S.services = await get(`/api/v1/services?branch_id=${S.branchId}`);
    const branch = S.branches.find((b) => b.id === S.branchId);
    S.branchName = branch ? branch.name : "";
    say("", "info");
    await refreshNow();
    show("desk");
    S.stream = HallQ.stream(S.branchId, S.token, { onMessage, onStatus });
    render();
  }

  function switchCounter() {
    if (S.hand) { say(t("logoutRefused", { number: S.hand.number }), "bad"); return; }
    sessionStorage.removeItem(COUNTER_KEY);
    showPick().catch((err) => explain(err, "switch"));
  }

  // ---- dialogs -----------------------------------------------------------------------------

  let dialogKeys = null;

  // A list of options chosen by click, digit (1–9) or Enter (the first); Esc → null.
  function choose(title, options, note = "") {
    return new Promise((resolve) => {
      const dlg = $("dialog");
      const done = (value) => { dialogKeys = null; dlg.close(); resolve(value); };
      const buttons = options.map((o, i) => el("button", {
        type: "button", class: `option${o.danger ? " danger" : ""}`, onclick: () => done(o.value),
      }, i < 9 ? el("kbd", {}, String(i + 1)) : null, o.label));
      dlg.replaceChildren(...[
        el("h2", {}, title), note ? el("p", { class: "note" }, note) : null,
        el("div", { class: "options" }, buttons),
        el("p", { class: "hint" }, t("pickHint")),
        el("button", { type: "button", class: "plain", onclick: () => done(null) }, t("cancel")),
      ].filter(Boolean));
      dialogKeys = (e) => {
        const n = Number(e.key);
        if (n >= 1 && n <= Math.min(9, options.length)) done(options[n - 1].value);
        else if (e.key === "Enter" && options.length) done(options[0].value);
        else if (e.key === "Escape") done(null);
        else return;
        e.preventDefault();
      };
      dlg.onclose = () => { if (!dlg.open && dialogKeys) { dialogKeys = null; resolve(null); } };
      dlg.showModal();
      if (buttons[0]) buttons[0].focus();
    });
  }

  function ask(title, placeholder) {
    return new Promise((resolve) => {
      const dlg = $("dialog");
      const input = el("input", { placeholder, maxlength: 200 });
      const done = (value) => { dialogKeys = null; dlg.close(); resolve(value); };
      dlg.replaceChildren(el("h2", {}, title), input,
        el("div", { class: "options" }, el("button", { type: "button", class: "option", onclick: () => done(input.value.trim()) }, "OK")),
        el("button", { type: "button", class: "plain", onclick: () => done(null) }, t("cancel")));
      dialogKeys = (e) => {
        if (e.key === "Enter") { e.preventDefault(); done(input.value.trim()); }
        else if (e.key === "Escape") { e.preventDefault(); done(null); }
      };
      dlg.onclose = () => { if (!dlg.open && dialogKeys) { dialogKeys = null; resolve(null); } };
      dlg.showModal();
      input.focus();
    });
  }

  function onKey(e) {
    if ($("dialog").open) { if (dialogKeys) dialogKeys(e); return; }
    if (e.ctrlKey || e.metaKey || e.altKey || !S.counter || $("desk-view").classList.contains("hq-hidden")) return;
    const tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      if (e.key === "Escape") e.target.blur();
      if (e.key === "Enter" && e.target.id === "outcome") { e.preventDefault(); press(ACTIONS[3]); }
      return;
    }
    const action = ALL.find((a) => a.key === e.key.toLowerCase());
    if (action) { e.preventDefault(); press(action); }
  }

  // ---- rendering ---------------------------------------------------------------------------

  const since = (iso, until = Date.now()) => (until - Date.parse(iso)) / 1000;

  function renderTexts() {
    document.documentElement.lang = S.lang;
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    $("outcome").placeholder = t("outcome");
    for (const b of document.querySelectorAll(".langs button")) b.setAttribute("aria-pressed", String(b.dataset.lang === S.lang));
    $("keymap").replaceChildren(...ALL.map((a) => el("li", {}, el("kbd", {}, a.key.toUpperCase()), " ", t(a.id))));
  }

  function renderHeader() {
    const c = S.counter;
    $("where").textContent = [S.branchName, c ? t("counterN", { n: c.number }) : "", c ? HallQ.counterExtraName(c) : ""]
      .filter(Boolean).join(" · ");
    $("who").textContent = S.me ? S.me.username || S.me.name || "" : "";
    const badge = $("state-badge");
    if (c) {
      badge.textContent = t("state." + c.state) + (c.state === "paused" && c.pause_reason ? ` · ${c.pause_reason}` : "");
      badge.className = `badge ${c.state}`;
    }
    const conn = $("conn");
    conn.className = `conn ${S.lostSince === null ? "ok" : "lost"}`;
    conn.textContent = S.lostSince === null ? "● " + t("connected") : "○";
  }

  function renderHand() {
    const h = S.hand;
    const box = $("hand");
    if (!h) {
      box.replaceChildren(el("div", { class: "hand-label" }, t("inHand")), el("div", { class: "hand-none" }, t("noHand")));
      box.className = "hand empty";
      return;
    }
    const waited = since(h.issued_at, h.called_at ? Date.parse(h.called_at) : Date.now());
    // Service time runs from the start of service only; while the ticket is only called, the
    // time since the call is shown, and says so.
    const serving = h.state === "serving" && h.started_at;
    const clock = serving ? ["served", since(h.started_at)] : ["sinceCalled", since(h.called_at)];
    box.className = `hand ${h.state}`;
    box.replaceChildren(
      el("div", { class: "hand-label" }, t("inHand"), " · ", t("t." + h.state),
        h.priority !== "normal" ? el("span", { class: "prio" }, prioText(h)) : null),
      el("div", { class: "hand-number", id: "hand-number" }, h.number),
      el("div", { class: "hand-service" }, serviceName(h.service_id), " · ", t("calls", { n: h.calls })),
      // Reception's word for the clerk (never shown to the customer): why priority, and a note.
      h.priority_reason ? el("div", { class: "hand-reason", id: "hand-reason" }, t("priorityReason"), ": ", h.priority_reason) : null,
      h.note ? el("div", { class: "hand-note", id: "hand-note" }, t("note"), ": ", h.note) : null,
      el("div", { class: "timers" },
        el("span", {}, t("waited"), " ", el("b", { id: "waited" }, HallQ.duration(waited))),
        servedTimer(h, clock)));
  }

  // The running time against the service's limit (限时办结): amber from 80 %, red past it. A
  // ticket never started counts from its call, as the statistics count its service.
  function servedTimer(h, [label, seconds]) {
    const service = S.services.find((x) => x.id === h.service_id);
    const limit = service && service.max_service_min ? service.max_service_min * 60 : null;
    const level = limit === null ? "" : seconds > limit ? "over" : seconds >= 0.8 * limit ? "near" : "ok";
    return el("span", { id: "service-timer", class: `timer-${label} limit ${level}`, "data-level": level },
      t(label), " ", el("b", { id: "served" }, HallQ.duration(seconds)),
      limit === null ? null : el("small", {}, " / ", t("limit", { limit: HallQ.duration(limit) })),
      level === "over" || level === "near" ? el("em", {}, " ", t(level === "over" ? "overLimit" : "nearLimit")) : null);
  }

  function renderButtons() {
    for (const a of ALL) {
      const button = document.querySelector(`[data-action="${a.id}"]`);
      if (!button) continue;
      button.disabled = S.busy || why(a.id) !== null;
      button.querySelector(".label").textContent = t(a.id);
    }
  }

  // An appointment's ticket shows its slot ("预约 10:30"): it queues as if issued then, which is
  // why it stands where it does in the list.
  function prioText(x) {
    const label = "★ " + t("p." + x.priority);
    if (!x.appointment_start) return label;
    const branch = S.branches.find((b) => b.id === S.branchId);
    return `${label} ${HallQ.zoned(new Date(x.appointment_start), S.lang, branch && branch.timezone,
      { hour: "2-digit", minute: "2-digit", hour12: false })}`;
  }

  function renderLists() {
    const now = Date.now();
    $("waiting-count").textContent = String(S.waiting.length);
    $("waiting").replaceChildren(...(S.waiting.length ? S.waiting.map((x) => el("li", { class: `row ${x.priority}`, "data-ticket": x.number },
      el("span", { class: "num" }, x.number),
      el("span", { class: "svc" }, serviceName(x.service_id)),
      x.priority !== "normal" ? el("span", { class: "prio" }, prioText(x)) : el("span"),
      el("span", { class: "wait" }, HallQ.duration(since(x.issued_at, now))),
      el("button", { type: "button", class: "call-btn", disabled: why("callSpecific") !== null || S.busy,
        onclick: () => press({ id: "callSpecific", run: () => callDialog(x) }) }, t("call"))))
      : [el("li", { class: "empty" }, t("none"))]));
    const chips = (list, id, run) => (list.length ? list.map((x) => el("li", {}, el("button", {
      type: "button", class: "chip", disabled: why(id) !== null || S.busy, onclick: () => press({ id, run: () => run(x) }),
    }, x.number))) : [el("li", { class: "empty" }, t("none"))]);
    $("parked").replaceChildren(...chips(S.parked, "resume", resumeDialog));
    $("noshows").replaceChildren(...chips(S.noShows, "requeue", requeueDialog));
    const durations = S.done.map((x) => since(x.started_at || x.called_at || x.issued_at, Date.parse(x.finished_at)));
    const ratings = S.done.map((x) => x.rating).filter((r) => r != null);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const m = S.mine; // the clerk's own appraisal row for today (GET /api/v1/stats/clerks)
    const dash = (v, f = String) => (v == null ? "—" : f(v));
    $("figures").replaceChildren(
      el("dt", {}, t("servedToday")), el("dd", { id: "fig-served" }, String(S.done.length)),
      el("dt", {}, t("meanService")), el("dd", { id: "fig-service" }, durations.length ? HallQ.duration(mean(durations)) : "—"),
      el("dt", {}, t("meanRating")), el("dd", { id: "fig-rating" },
        ratings.length ? `${mean(ratings).toFixed(1)} ★ ${t("ratedCount", { n: ratings.length })}` : "—"),
      ...(m ? [
        el("dt", {}, t("figNoShow")), el("dd", { id: "fig-noshow" }, String(m.no_show)),
        el("dt", {}, t("figTransferred")), el("dd", { id: "fig-transferred" }, String(m.transferred)),
        el("dt", {}, t("figOver")), el("dd", { id: "fig-over", class: m.over_limit ? "bad" : "" }, String(m.over_limit)),
        el("dt", {}, t("figSla")), el("dd", { id: "fig-sla" }, dash(m.sla_pct, (v) => `${v.toFixed(1)}%`)),
        el("dt", {}, t("figLow")), el("dd", { id: "fig-low" }, String(m.rating.low)),
        el("dt", {}, t("figComplaints")), el("dd", { id: "fig-complaints", class: m.complaints.upheld ? "bad" : "" },
          m.complaints.upheld ? t("figUpheld", { n: m.complaints.total, u: m.complaints.upheld }) : String(m.complaints.total)),
        el("dt", {}, t("figOpen")), el("dd", { id: "fig-open" }, `${HallQ.duration(m.open_s)} / ${HallQ.duration(m.idle_s)}`),
      ] : []));
  }

  // The clerk's own appraisal row for today, read at most every 30 s (it is computed live).
  let mineAt = 0;
  async function refreshMine(day) {
    if (Date.now() - mineAt < 30000) return;
    mineAt = Date.now();
    try {
      const rows = await get(`/api/v1/stats/clerks?branch_id=${S.branchId}&from=${day}&to=${day}`);
      S.mine = rows.find((r) => S.me && r.clerk_id === S.me.id) || null;
      renderLists();
    } catch (err) { /* the figures are a help, not the work: leave them as they were */ }
  }

  function render() {
    renderTexts();
    renderHeader();
    if (!S.counter) return;
    renderHand();
    renderButtons();
    renderLists();
  }

  function buildButtons() {
    const make = (a, cls) => el("button", { type: "button", class: `act ${cls}`, "data-action": a.id, onclick: () => press(a) },
      el("span", { class: "label" }, t(a.id)), el("kbd", {}, a.key.toUpperCase()));
    $("actions").replaceChildren(...ACTIONS.map((a) => make(a, a.id === "next" ? "primary big" : "big")));
    $("counter-actions").replaceChildren(...COUNTER_ACTIONS.map((a) => make(a, "")));
    $("logout").dataset.action = "logout";
    $("logout").onclick = () => press(LOGOUT);
    $("logout").querySelector("span").classList.add("label");
  }

  // ---- start -------------------------------------------------------------------------------

  function setLang(lang) {
    S.lang = lang;
    localStorage.setItem(LANG_KEY, lang);
    render();
    if (!$("pick-view").classList.contains("hq-hidden")) renderPick();
  }

  async function start() {
    buildButtons();
    render();
    $("login-form").addEventListener("submit", login);
    $("switch").addEventListener("click", switchCounter);
    $("branch-select").addEventListener("change", (e) => { S.branchId = Number(e.target.value); showPick(); });
    for (const b of document.querySelectorAll(".langs button")) b.addEventListener("click", () => setLang(b.dataset.lang));
    document.addEventListener("keydown", onKey);
    setInterval(() => {
      if (!S.counter) return;
      renderHand();
      for (const row of document.querySelectorAll("#waiting .row")) {
        const x = S.waiting.find((w) => w.number === row.dataset.ticket);
        if (x) row.querySelector(".wait").textContent = HallQ.duration(since(x.issued_at));
      }
    }, 1000);
    if (!S.token) { show("login"); return; }
    try {
      await afterLogin();
    } catch (err) {
      signOut(err.status === 401 ? t("expired") : "");
    }
  }

  start();
})();
