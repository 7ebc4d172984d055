// Live monitor: services, counters, kiosk printers and devices from the hall's event stream,
// and the alerts the server raises (alerts.js). Waits and pause durations shown in the tables
// are computed here with the page's clock, refreshed every second.
"use strict";

(() => {
  const { S, $, t, api } = Admin;
  const el = HallQ.el;
  const ACTIVE = new Set(["waiting", "called", "serving", "parked"]);
  let M = null; // the monitored hall's state
  let stream = null;
  let ticker = null;
  let queueTimer = null;
  let kioskTimer = null;
  let deviceTimer = null;
  const DEVICES_S = 10; // heartbeats are refreshed this often (and on device alerts)

  function fresh(branch) {
    return {
      branchId: branch.id, tz: branch.timezone, detail: null, services: new Map(),
      counters: new Map(), kiosks: new Map(), queue: null, businessDate: null,
      tickets: new Map(), touched: new Set(), queuedAt: new Map(), pausedAt: new Map(),
      alerts: new Map(), devices: [],
    };
  }

  async function enter() {
    leave();
    const branch = Admin.branch();
    if (!branch) return;
    const m = (M = fresh(branch));
    try {
      await loadConfig(m);
    } catch (err) {
      Admin.banner(t("error", { detail: err.detail || err.message }));
      return;
    }
    if (M !== m) return;
    Admin.banner("");
    AdminAlerts.setUp(() => names(M || m), render, () => M);
    stream = HallQ.stream(m.branchId, S.token, { onMessage: (msg) => onMessage(m, msg), onStatus });
    ticker = setInterval(render, 1000);
    const devices = () => AdminAlerts.loadDevices(m).then(render);
    devices();
    deviceTimer = setInterval(devices, DEVICES_S * 1000);
    AdminAlerts.showHistory(names(m));
    render();
  }

  function leave() {
    if (stream) stream.close();
    stream = null;
    clearInterval(ticker);
    clearInterval(deviceTimer);
    clearTimeout(queueTimer);
    clearTimeout(kioskTimer);
    Admin.setConn(null);
  }

  async function loadConfig(m) {
    const id = m.branchId;
    const [detail, services, counters, kiosks] = await Promise.all([
      api(`/api/v1/branches/${id}`), api(`/api/v1/services?branch_id=${id}`),
      api(`/api/v1/counters?branch_id=${id}`), api(`/api/v1/kiosks?branch_id=${id}`).catch(() => []),
    ]);
    m.detail = detail;
    m.services = new Map(services.map((s) => [s.id, s]));
    m.counters = new Map(counters.map((c) => [c.id, c]));
    m.kiosks = new Map(kiosks.map((k) => [k.id, k]));
  }

  function onStatus(state) {
    Admin.setConn({ connected: "live", reconnecting: "reconnecting", denied: "denied" }[state] || null);
  }

  function onMessage(m, msg) {
    if (M !== m) return;
    const type = msg.type;
    if (type === "snapshot") {
      m.queue = msg.data;
      m.businessDate = msg.data.business_date;
      loadTickets(m);
      loadPauses(m);
      AdminAlerts.load(m).then(render); // (again after a reconnect: what changed meanwhile)
    } else if (type.startsWith("alert.")) {
      AdminAlerts.onEvent(m, msg);
    } else if (type.startsWith("ticket.")) {
      const ticket = msg.data;
      m.touched.add(ticket.id);
      if (ACTIVE.has(ticket.state)) m.tickets.set(ticket.id, ticket); else m.tickets.delete(ticket.id);
      if (type === "ticket.transferred" || type === "ticket.requeued") m.queuedAt.set(ticket.id, Date.parse(msg.ts));
    } else if (type === "counter.updated") {
      const before = m.counters.get(msg.data.id);
      if (msg.data.state === "paused" && (!before || before.state !== "paused")) m.pausedAt.set(msg.data.id, Date.parse(msg.ts));
      if (msg.data.state !== "paused") m.pausedAt.delete(msg.data.id);
      m.counters.set(msg.data.id, msg.data);
    } else if (type === "printer.status") {
      const kiosk = m.kiosks.get(msg.data.kiosk_id);
      if (kiosk) kiosk.printer = { ...msg.data };
      else scheduleKiosks(m);
    } else if (type.startsWith("print.")) {
      scheduleKiosks(m);
    } else if (type === "config.updated") {
      loadConfig(m).then(render).catch(() => {});
    }
    if (type.startsWith("ticket.") || type === "counter.updated" || type === "config.updated") scheduleQueue(m);
    render();
  }

  async function loadTickets(m) {
    const list = await api(`/api/v1/tickets?branch_id=${m.branchId}&business_date=${m.businessDate}&limit=10000`)
      .catch(() => []);
    for (const ticket of list) {
      if (!m.touched.has(ticket.id) && ACTIVE.has(ticket.state)) m.tickets.set(ticket.id, ticket);
    }
    render();
  }

  // When did each paused counter pause, and when did a transferred or requeued ticket rejoin
  // its queue (its wait counts from then)? The audit log knows (newest row first).
  async function loadPauses(m) {
    const log = await api(`/api/v1/audit?branch_id=${m.branchId}&from=${m.businessDate}&to=${m.businessDate}&limit=10000`)
      .catch(() => []);
    if (M !== m) return;
    for (const e of log) {
      if ((e.type === "ticket.transferred" || e.type === "ticket.requeued") && e.ticket_id != null
          && !m.queuedAt.has(e.ticket_id)) m.queuedAt.set(e.ticket_id, Date.parse(e.ts));
    }
    const paused = [...m.counters.values()].filter((c) => c.state === "paused" && !m.pausedAt.has(c.id));
    for (const counter of paused) {
      let since = null;
      for (const e of log) {
        if (e.type !== "counter.updated" || e.counter_id !== counter.id) continue;
        if (!(e.detail || "").startsWith("paused")) break;
        since = Date.parse(e.ts);
      }
      if (since !== null && !m.pausedAt.has(counter.id)) m.pausedAt.set(counter.id, since);
    }
    render();
  }

  function scheduleQueue(m) {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(async () => {
      try { m.queue = await api(`/api/v1/branches/${m.branchId}/queue`); render(); } catch { /* next event */ }
    }, 300);
  }

  function scheduleKiosks(m) {
    clearTimeout(kioskTimer);
    kioskTimer = setTimeout(async () => {
      try {
        const kiosks = await api(`/api/v1/kiosks?branch_id=${m.branchId}`);
        m.kiosks = new Map(kiosks.map((k) => [k.id, k]));
        render();
      } catch { /* next event */ }
    }, 300);
  }

  const serviceName = (s) => (s ? `${s.prefix} ${HallQ.name(s.name, S.lang)}` : "?");
  const counterName = (c) => {
    if (!c) return "?";
    const label = HallQ.t(COUNTER_LABEL, S.lang, "c", { n: c.number });
    const extra = HallQ.counterExtraName(c); // skip a name that only repeats the number
    return extra ? `${label} ${extra}` : label;
  };
  const COUNTER_LABEL = { "zh-CN": { c: "{n}号窗口" }, "zh-TW": { c: "{n}號窗口" }, en: { c: "Counter {n}" } };
  const waitedS = (m, ticket, now) => (now - (m.queuedAt.get(ticket.id) || Date.parse(ticket.issued_at))) / 1000;

  function waitingBy(m) {
    const by = new Map();
    for (const ticket of m.tickets.values()) {
      if (ticket.state !== "waiting") continue;
      if (!by.has(ticket.service_id)) by.set(ticket.service_id, []);
      by.get(ticket.service_id).push(ticket);
    }
    return by;
  }

  // The kiosk agent reports a code (kiosk/status.py) or, when it cannot reach the printer,
  // "unreachable: <the system's error>": shown in the page's language, the raw text only as a
  // tooltip of the printer cell for whoever repairs it.
  const PRINTER_CODES = new Set(["no_answer", "cover_open", "paper_out", "paper_near_end", "error", "offline", "no_status"]);
  function printerDetail(p) {
    const raw = p.detail || "";
    if (!raw) return "";
    if (PRINTER_CODES.has(raw)) return raw === "offline" && !p.online ? "" : t("pd_" + raw);
    return t(/^unreachable\b/.test(raw) || !p.online ? "pd_unreachable" : "pd_fault");
  }

  // What alerts.js needs to word an alert: the hall's names as this page knows them.
  function names(m) {
    return {
      tz: m.tz, t, none: t("none"),
      service: (id) => (m.services.has(id) ? serviceName(m.services.get(id)) : `#${id}`),
      counter: (id) => (m.counters.has(id) ? counterName(m.counters.get(id)) : `#${id}`),
      kiosk: (id) => m.kiosks.get(id) || null, // its printer as last reported, live
      printer: (p) => {
        const paper = p.online && p.paper !== "ok" && p.detail !== "paper_" + p.paper ? t("paper_" + p.paper) : "";
        return [p.online ? "" : t("offline"), paper, printerDetail(p)].filter(Boolean).join(" · ");
      },
    };
  }

  // The ticket in a counter's hand when its service runs past the service's limit (限时办结).
  function overLimit(m, counter, now) {
    const ticket = counter.ticket_id ? m.tickets.get(counter.ticket_id) : null;
    const service = ticket ? m.services.get(ticket.service_id) : null;
    if (!service || !service.max_service_min) return null;
    const served = (now - Date.parse(ticket.started_at || ticket.called_at || "")) / 1000;
    return served > service.max_service_min * 60 ? { ticket, served, limit: service.max_service_min } : null;
  }

  function head(table, keys) {
    table.tHead.replaceChildren(el("tr", {}, keys.map((k) => el("th", {}, t(k)))));
  }

  function render() {
    const m = M;
    if (!m || S.view !== "monitor") return;
    const now = Date.now();
    const known = names(m);
    AdminAlerts.render(m, now, known);
    renderServices(m, now);
    renderCounters(m, now);
    renderKiosks(m);
    AdminAlerts.renderDevices(m, known);
  }

  function renderServices(m, now) {
    const table = $("monitor-services");
    head(table, ["service", "waiting", "longest", "estimate", "target", "openCounters"]);
    const waiting = waitingBy(m);
    const queued = new Map(((m.queue && m.queue.services) || []).map((s) => [s.id, s]));
    const rows = [...m.services.values()].filter((s) => s.active || waiting.has(s.id)).map((s) => {
      const tickets = waiting.get(s.id) || [];
      const longest = tickets.length ? Math.max(...tickets.map((x) => waitedS(m, x, now))) : null;
      const over = longest !== null && longest > s.target_wait_min * 60;
      const open = [...m.counters.values()].filter((c) => c.state === "open" && (c.service_ids || []).includes(s.id)).length;
      const q = queued.get(s.id);
      return el("tr", { "data-service-id": s.id, class: over ? "over" : "" },
        el("td", {}, serviceName(s)), el("td", { class: "num" }, tickets.length),
        el("td", { class: "num" + (over ? " bad" : "") }, longest === null ? t("none") : Admin.duration(longest)),
        el("td", { class: "num" }, q && q.estimated_wait_s != null ? Admin.duration(q.estimated_wait_s) : t("none")),
        el("td", { class: "num" }, `${s.target_wait_min}′`),
        el("td", { class: "num" + (tickets.length && !open ? " bad" : "") }, open));
    });
    table.tBodies[0].replaceChildren(...rows);
  }

  function renderCounters(m, now) {
    const table = $("monitor-counters");
    head(table, ["counter", "state", "clerk", "inHand", "inService", "pause", "services"]);
    const rows = [...m.counters.values()].sort((a, b) => a.number - b.number).map((c) => {
      const ticket = c.ticket_id ? m.tickets.get(c.ticket_id) : null;
      // In service from the start of service; a ticket only called shows the time since the call.
      const called = ticket && ticket.state === "called";
      const began = ticket ? Date.parse((called ? ticket.called_at : ticket.started_at || ticket.called_at) || "") : NaN;
      const paused = m.pausedAt.get(c.id);
      const pause = c.state === "paused"
        ? `${c.pause_reason || t("none")} · ${paused ? Admin.duration((now - paused) / 1000) : "…"}` : "";
      const over = overLimit(m, c, now);
      return el("tr", { "data-counter-id": c.id, class: `st-${c.state}` + (over ? " over" : "") },
        el("td", {}, counterName(c)), el("td", {}, el("span", { class: `badge ${c.state}` }, t("st_" + c.state))),
        el("td", {}, c.clerk_id ? Admin.username(c.clerk_id) : t("none")),
        el("td", { class: "hand" }, ticket ? ticket.number : (c.ticket_id ? "…" : t("none"))),
        el("td", { class: "num" + (over ? " bad over-limit" : "") }, isNaN(began) ? t("none")
          : (called ? `${t("sinceCalled")} ` : "") + Admin.duration((now - began) / 1000),
          over ? ` / ${over.limit}′ ${t("overLimit")}` : ""),
        el("td", {}, pause),
        el("td", { class: "muted" }, (c.service_ids || []).map((id) => (m.services.get(id) || {}).prefix || id).join(" ")));
    });
    table.tBodies[0].replaceChildren(...rows);
  }

  function renderKiosks(m) {
    const table = $("monitor-kiosks");
    head(table, ["kiosk", "printer", "paper", "pending", "reported"]);
    const rows = [...m.kiosks.values()].map((k) => {
      const p = k.printer;
      const bad = p && (!p.online || p.paper === "out");
      return el("tr", { "data-kiosk-id": k.id, class: bad ? "over" : "" },
        el("td", {}, k.name),
        el("td", { class: p ? (p.online ? "good" : "bad") : "muted", title: p && p.detail ? p.detail : null },
          p ? [t(p.online ? "online" : "offline"), printerDetail(p)].filter(Boolean).join(" · ") : t("unknown")),
        // An unreachable printer cannot say how much paper it has: unknown, not "ok".
        el("td", { class: !p ? "" : !p.online ? "muted" : p.paper !== "ok" ? "bad" : "" },
          !p ? t("none") : p.online ? t("paper_" + p.paper) : t("paperUnknown")),
        el("td", { class: "num" }, k.pending_jobs),
        el("td", {}, p ? Admin.localTime(p.reported_at, m.tz) : t("none")));
    });
    table.tBodies[0].replaceChildren(...rows);
  }

  function relabel() {
    AdminAlerts.relabelHistory();
    if (M) AdminAlerts.showHistory(names(M));
    render();
  }

  Admin.register("monitor", { enter, leave, relabel });
})();
