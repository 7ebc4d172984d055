// The monitor's alerts, devices and alert history. The server raises and clears the alerts
// (API.md, Alerts) whether or not this page is open; the page lists the active ones live
// (alert.raised / alert.cleared / alert.acknowledged on the hall's stream), lets a manager
// acknowledge one, shows each device's heartbeat, and queries and exports the history.
"use strict";

const AdminAlerts = (() => {
  const { S, $, api } = Admin;
  const el = HallQ.el;
  const TEXT = {
    "zh-CN": {
      wait_over_target: "{service}：{over} 人等候超过目标 {target} 分钟（最久 {number}）",
      queue_long: "{service}：{waiting} 人等候，仅 {open} 个窗口办理，请加开窗口",
      no_open_counter: "{service}：{waiting} 人等候，但没有开放的窗口办理",
      service_over_limit: "{number} 在 {counter} 办理超过时限 {limit} 分钟",
      long_pause: "{counter} 暂停超过 {limit} 分钟（{reason}）",
      called_not_started: "{number} 在 {counter} 叫号已超过 {limit} 分钟，仍未开始办理（请开始办理或标记过号）",
      printer_fault: "取号机 {device} 打印机故障：{detail}",
      paper_low: "取号机 {device} 纸将用尽，请及时换纸",
      device_offline: "{kind} {device} 已离线（最后在线 {seen}）",
      complaint_overdue: "投诉 #{id} 已超过答复期限",
      since: "发生于 {time}，已持续 {for}", ack: "确认", acked: "✓ {who} 已于 {time} 确认",
      by: "（{clerk}）", unknownThing: "（已删除）", devices: "设备状态", device: "设备",
      kind: "类型", state: "状态", lastSeen: "最后在线", hs_online: "在线", hs_offline: "离线",
      hs_never_seen: "从未连接", k_kiosk: "取号机", k_display: "显示屏", history: "提醒记录",
      allKinds: "全部类型", raised: "发生时间", cleared: "解除时间", what: "内容", acknowledged: "确认",
      stillActive: "仍在持续", noHistory: "所选期间没有提醒",
      k_wait_over_target: "等候超时", k_queue_long: "排队过长", k_no_open_counter: "无开放窗口",
      k_service_over_limit: "办理超时", k_long_pause: "暂停过久", k_called_not_started: "叫号未办理",
      k_printer_fault: "打印机故障", k_paper_low: "纸将用尽", k_device_offline: "设备离线",
      k_complaint_overdue: "投诉逾期",
    },
    "zh-TW": {
      wait_over_target: "{service}：{over} 人等候超過目標 {target} 分鐘（最久 {number}）",
      queue_long: "{service}：{waiting} 人等候，僅 {open} 個窗口辦理，請加開窗口",
      no_open_counter: "{service}：{waiting} 人等候，但沒有開放的窗口辦理",
      service_over_limit: "{number} 在 {counter} 辦理超過時限 {limit} 分鐘",
      long_pause: "{counter} 暫停超過 {limit} 分鐘（{reason}）",
      called_not_started: "{number} 在 {counter} 叫號已超過 {limit} 分鐘，仍未開始辦理（請開始辦理或標記過號）",
      printer_fault: "取號機 {device} 印表機故障：{detail}",
      paper_low: "取號機 {device} 紙將用盡，請及時換紙",
      device_offline: "{kind} {device} 已離線（最後上線 {seen}）",
      complaint_overdue: "投訴 #{id} 已超過答覆期限",
      since: "發生於 {time}，已持續 {for}", ack: "確認", acked: "✓ {who} 已於 {time} 確認",
      by: "（{clerk}）", unknownThing: "（已刪除）", devices: "設備狀態", device: "設備",
      kind: "類型", state: "狀態", lastSeen: "最後上線", hs_online: "上線", hs_offline: "離線",
      hs_never_seen: "從未連線", k_kiosk: "取號機", k_display: "顯示屏", history: "提醒紀錄",
      allKinds: "全部類型", raised: "發生時間", cleared: "解除時間", what: "內容", acknowledged: "確認",
      stillActive: "仍在持續", noHistory: "所選期間沒有提醒",
      k_wait_over_target: "等候逾時", k_queue_long: "排隊過長", k_no_open_counter: "無開放窗口",
      k_service_over_limit: "辦理逾時", k_long_pause: "暫停過久", k_called_not_started: "叫號未辦理",
      k_printer_fault: "印表機故障", k_paper_low: "紙將用盡", k_device_offline: "設備離線",
      k_complaint_overdue: "投訴逾期",
    },
    en: {
      wait_over_target: "{service}: {over} waiting longer than the {target} min target (longest {number})",
      queue_long: "{service}: {waiting} waiting for {open} open counter(s): open another counter",
      no_open_counter: "{service}: {waiting} waiting and no open counter serves it",
      service_over_limit: "{number} at {counter}: in service longer than the {limit} min limit",
      long_pause: "{counter} paused longer than {limit} min ({reason})",
      called_not_started: "{number} was called to {counter} over {limit} min ago and service has not started (start it or mark a no-show)",
      printer_fault: "Kiosk {device} printer fault: {detail}",
      paper_low: "Kiosk {device}: paper running low, refill it",
      device_offline: "{kind} {device} is offline (last seen {seen})",
      complaint_overdue: "Complaint #{id} is past its reply time",
      since: "since {time}, for {for}", ack: "Acknowledge", acked: "✓ acknowledged by {who} at {time}",
      by: " ({clerk})", unknownThing: "(deleted)", devices: "Devices", device: "Device",
      kind: "Kind", state: "State", lastSeen: "Last seen", hs_online: "online", hs_offline: "offline",
      hs_never_seen: "never connected", k_kiosk: "Kiosk", k_display: "Display", history: "Alert history",
      allKinds: "All kinds", raised: "Raised", cleared: "Cleared", what: "Alert", acknowledged: "Acknowledged",
      stillActive: "still active", noHistory: "No alerts in this period",
      k_wait_over_target: "Wait over target", k_queue_long: "Long queue", k_no_open_counter: "No open counter",
      k_service_over_limit: "Service over limit", k_long_pause: "Long pause", k_called_not_started: "Called, not started",
      k_printer_fault: "Printer fault", k_paper_low: "Paper low", k_device_offline: "Device offline",
      k_complaint_overdue: "Complaint overdue",
    },
  };
  const KINDS = ["wait_over_target", "queue_long", "no_open_counter", "service_over_limit", "long_pause",
    "called_not_started", "printer_fault", "paper_low", "device_offline", "complaint_overdue"];
  const WARN = new Set(["queue_long", "no_open_counter", "long_pause", "called_not_started", "paper_low"]);
  const a = (key, vars) => HallQ.t(TEXT, S.lang, key, vars);
  let historyReady = false;

  // ---- the live list ---------------------------------------------------------------------

  async function load(m) {
    const list = await api(`/api/v1/alerts?branch_id=${m.branchId}&active=true`).catch(() => null);
    if (!list) return;
    m.alerts = new Map(list.map((x) => [x.id, x]));
  }

  function onEvent(m, msg) {
    const alert = msg.data;
    if (msg.type === "alert.cleared") m.alerts.delete(alert.id);
    else if (!alert.cleared_at) m.alerts.set(alert.id, alert);
    if (alert.subject && alert.subject.device_id) loadDevices(m);
  }

  function subjectKey(alert) {
    const s = alert.subject || {};
    for (const k of ["ticket_id", "counter_id", "service_id", "device_id", "complaint_id"]) {
      if (s[k]) return `${k.replace("_id", "")}:${s[k]}`;
    }
    return "";
  }

  // One alert in the page's language: the names come from the hall as the page knows it, the
  // figures from what the server recorded when it raised the alert.
  function describe(alert, names) {
    const d = alert.detail || {};
    const s = alert.subject || {};
    const service = s.service_id ? names.service(s.service_id) : d.service || "";
    const counter = s.counter_id ? names.counter(s.counter_id) : "";
    const clerk = d.clerk ? a("by", { clerk: d.clerk }) : "";
    const device = d.device || (s.device_id ? `#${s.device_id}` : "");
    const vars = {
      service, counter: counter + clerk, number: d.number || "", over: d.over, waiting: d.waiting,
      target: d.target_wait_min, open: d.open_counters, limit: d.limit_min, reason: d.reason || names.none,
      device, kind: a("k_" + (d.device_kind || "kiosk")), id: s.complaint_id,
      seen: d.last_seen_at ? Admin.localTime(d.last_seen_at, names.tz) : names.none,
      detail: printerDetail(d, s.device_id, names),
    };
    return a(alert.kind, vars);
  }

  // The printer as the kiosk reports it now (a fault that changes, offline then out of paper,
  // is one alert), else as it was when the alert was raised.
  function printerDetail(d, deviceId, names) {
    const kiosk = deviceId ? names.kiosk(deviceId) : null;
    if (kiosk && kiosk.printer) return names.printer(kiosk.printer);
    return names.printer({ online: d.online, paper: d.paper || "ok", detail: d.printer_detail || "" });
  }

  function render(m, now, names) {
    const list = [...m.alerts.values()].sort((x, y) => Date.parse(x.raised_at) - Date.parse(y.raised_at));
    $("alert-count").textContent = list.length ? String(list.length) : "";
    $("alerts").replaceChildren(...(list.length ? list.map((x) => item(x, now, names))
      : [el("li", { class: "ok" }, names.t("noAlerts"))]));
    document.querySelector(".alerts-panel").classList.toggle("alarm", list.length > 0);
  }

  function item(alert, now, names) {
    const since = a("since", { time: Admin.localTime(alert.raised_at, names.tz),
      for: Admin.duration((now - Date.parse(alert.raised_at)) / 1000) });
    const acked = alert.acked_at
      ? el("span", { class: "acked" }, a("acked", { who: alert.acked_by_name || names.none,
        time: Admin.localTime(alert.acked_at, names.tz) }))
      : el("button", { type: "button", class: "plain ack", "data-ack": alert.id }, a("ack"));
    return el("li", {
      class: `alert ${WARN.has(alert.kind) ? "warn" : "bad"}${alert.acked_at ? " seen" : ""}`,
      "data-kind": alert.kind, "data-alert-id": alert.id, "data-subject": subjectKey(alert),
    }, el("span", { class: "what" }, describe(alert, names)), " ",
    el("span", { class: "since" }, since), " ", acked);
  }

  async function acknowledge(m, id, rerender) {
    try {
      const done = await api(`/api/v1/alerts/${id}/ack`, { method: "POST" });
      if (m.alerts.has(done.id)) m.alerts.set(done.id, done);
    } catch (err) {
      if (err.status !== 409) Admin.banner(Admin.t("error", { detail: err.detail || err.message }));
    }
    rerender();
  }

  // ---- devices ---------------------------------------------------------------------------

  async function loadDevices(m) {
    const list = await api(`/api/v1/heartbeats?branch_id=${m.branchId}`).catch(() => null);
    if (list) m.devices = list;
  }

  function renderDevices(m, names) {
    const table = $("monitor-devices");
    table.tHead.replaceChildren(el("tr", {}, ["device", "kind", "state", "lastSeen"].map((k) => el("th", {}, a(k)))));
    table.tBodies[0].replaceChildren(...(m.devices || []).map((d) => el("tr", {
      "data-device-id": d.device_id, class: d.state === "offline" ? "over" : "",
    }, el("td", {}, d.name), el("td", {}, a("k_" + d.kind)),
    el("td", { class: d.state === "online" ? "good" : d.state === "offline" ? "bad" : "muted" }, a("hs_" + d.state)),
    el("td", {}, d.last_seen_at ? Admin.localTime(d.last_seen_at, names.tz) : names.none))));
  }

  // ---- history ---------------------------------------------------------------------------

  function historyParams() {
    const params = new URLSearchParams({ branch_id: String(S.branchId), locale: S.lang });
    if ($("ah-from").value) params.set("from", $("ah-from").value);
    if ($("ah-to").value) params.set("to", $("ah-to").value);
    if ($("ah-kind").value) params.set("kind", $("ah-kind").value);
    return params;
  }

  function relabelHistory() {
    $("ah-title").textContent = a("history");
    $("devices-title").textContent = a("devices");
    const select = $("ah-kind");
    const kept = select.value;
    select.replaceChildren(el("option", { value: "" }, a("allKinds")),
      ...KINDS.map((k) => el("option", { value: k }, a("k_" + k))));
    select.value = kept;
  }

  async function showHistory(names) {
    relabelHistory();
    const table = $("ah-table");
    table.tHead.replaceChildren(el("tr", {}, ["raised", "cleared", "what", "acknowledged"].map((k) => el("th", {}, a(k)))));
    let list;
    try {
      list = await api(`/api/v1/alerts?${historyParams()}&limit=1000`);
    } catch (err) {
      $("ah-error").textContent = Admin.t("error", { detail: err.detail || err.message });
      return;
    }
    $("ah-error").textContent = "";
    table.tBodies[0].replaceChildren(...(list.length ? list.map((x) => el("tr", { "data-alert-id": x.id },
      el("td", {}, Admin.localTime(x.raised_at, names.tz)),
      el("td", { class: x.cleared_at ? "" : "bad" }, x.cleared_at ? Admin.localTime(x.cleared_at, names.tz) : a("stillActive")),
      el("td", {}, `${a("k_" + x.kind)} · ${describe(x, names)}`),
      el("td", {}, x.acked_at ? `${x.acked_by_name || ""} ${Admin.localTime(x.acked_at, names.tz)}` : names.none)))
      : [el("tr", {}, el("td", { colspan: 4, class: "muted" }, a("noHistory")))]));
  }

  async function download(ev, format) {
    ev.preventDefault();
    const resp = await fetch(`/api/v1/alerts/export?${historyParams()}&format=${format}`,
      { headers: { Authorization: `Bearer ${S.token}` } });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      $("ah-error").textContent = Admin.t("error", { detail: body.detail || resp.status });
      return;
    }
    const blob = await resp.blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: `hallq-alerts.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function setUp(getNames, rerender, getM) {
    if (historyReady) return;
    historyReady = true;
    $("ah-form").addEventListener("submit", (ev) => { ev.preventDefault(); showHistory(getNames()); });
    $("ah-csv").addEventListener("click", (ev) => download(ev, "csv"));
    $("ah-xlsx").addEventListener("click", (ev) => download(ev, "xlsx"));
    $("alerts").addEventListener("click", (ev) => {
      const button = ev.target.closest("[data-ack]");
      const m = getM();
      if (button && m) { button.disabled = true; acknowledge(m, Number(button.dataset.ack), rerender); }
    });
  }

  return { load, onEvent, render, loadDevices, renderDevices, showHistory, relabelHistory, setUp };
})();
