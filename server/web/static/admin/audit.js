// Audit log: who did what, when, at which counter or device (the ticket_event rows).
"use strict";

(() => {
  const { S, $, t, api } = Admin;
  const el = HallQ.el;
  const WHAT = {
    "zh-CN": {
      "ticket.issued": "取号", "ticket.called": "叫号", "ticket.recalled": "重呼", "ticket.started": "开始办理",
      "ticket.completed": "办结", "ticket.no_show": "过号", "ticket.requeued": "重新排队", "ticket.transferred": "转移",
      "ticket.parked": "暂挂", "ticket.cancelled": "取消", "ticket.rated": "评价", "counter.updated": "窗口状态",
      "print.requested": "打印请求", "print.completed": "打印完成", "print.failed": "打印失败", "printer.status": "打印机状态",
      "config.updated": "配置变更",
    },
    "zh-TW": {
      "ticket.issued": "取號", "ticket.called": "叫號", "ticket.recalled": "重呼", "ticket.started": "開始辦理",
      "ticket.completed": "辦結", "ticket.no_show": "過號", "ticket.requeued": "重新排隊", "ticket.transferred": "轉移",
      "ticket.parked": "暫掛", "ticket.cancelled": "取消", "ticket.rated": "評價", "counter.updated": "窗口狀態",
      "print.requested": "列印請求", "print.completed": "列印完成", "print.failed": "列印失敗", "printer.status": "印表機狀態",
      "config.updated": "設定變更",
    },
    en: {
      "ticket.issued": "Issued", "ticket.called": "Called", "ticket.recalled": "Recalled", "ticket.started": "Started",
      "ticket.completed": "Completed", "ticket.no_show": "No-show", "ticket.requeued": "Requeued", "ticket.transferred": "Transferred",
      "ticket.parked": "Parked", "ticket.cancelled": "Cancelled", "ticket.rated": "Rated", "counter.updated": "Counter state",
      "print.requested": "Print requested", "print.completed": "Printed", "print.failed": "Print failed", "printer.status": "Printer status",
      "config.updated": "Configuration changed",
    },
  };
  // Who acted when no user or device did (the server's `actor`), and where a ticket went.
  const WORDS = {
    "zh-CN": { customer: "顾客", system: "系统", counter: "{n}号窗口" },
    "zh-TW": { customer: "顧客", system: "系統", counter: "{n}號窗口" },
    en: { customer: "Customer", system: "System", counter: "Counter {n}" },
  };
  const word = (key, vars) => HallQ.t(WORDS, S.lang, key, vars);
  const counterName = (n) => word("counter", { n });

  function who(e) {
    if (e.username) return e.username;
    if (e.device_name) return `${e.device_name} (#${e.device_id})`;
    return e.actor === "customer" || e.actor === "system" ? word(e.actor) : t("none");
  }

  function where(e) {
    const here = e.counter_number != null ? counterName(e.counter_number) : e.device_name || "";
    if (e.type !== "ticket.transferred") return here;
    const target = e.to_counter_number != null ? counterName(e.to_counter_number)
      : e.to_service_name ? HallQ.name(e.to_service_name, S.lang) : "";
    return target ? `${here} → ${target}`.trim() : here;
  }
  let initialised = false;

  function fillUsers() {
    const select = $("audit-user");
    const kept = select.value;
    select.replaceChildren(el("option", { value: "" }, t("everyone")),
      ...S.users.map((u) => el("option", { value: u.id }, u.username)));
    select.value = kept;
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    const params = new URLSearchParams({ branch_id: S.branchId, limit: 1000 });
    const from = $("audit-from").value, to = $("audit-to").value;
    if (from) params.set("from", from);
    if (to) params.set("to", to || from);
    if ($("audit-user").value) params.set("user_id", $("audit-user").value);
    const ticket = $("audit-ticket").value.trim();
    if (/^\d+$/.test(ticket)) params.set("ticket_id", ticket);
    const tz = (Admin.branch() || {}).timezone || "UTC";
    const table = $("audit-table");
    table.tHead.replaceChildren(el("tr", {}, ["when", "who", "what", "ticket", "where", "detail"].map((k) => el("th", {}, t(k)))));
    try {
      const rows = await api(`/api/v1/audit?${params}`);
      table.tBodies[0].replaceChildren(...rows.map((e) => el("tr", { "data-type": e.type },
        el("td", { class: "num" }, Admin.localTime(e.ts, tz)),
        el("td", { class: `actor-${e.actor}` }, who(e)),
        el("td", {}, (WHAT[S.lang] || {})[e.type] || e.type),
        el("td", {}, e.number || ""),
        el("td", {}, where(e)),
        el("td", { class: "muted" }, e.detail || ""))));
    } catch (err) {
      table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "error" }, t("error", { detail: err.detail || err.message }))));
    }
  }

  function enter() {
    if (!initialised) {
      initialised = true;
      const branch = Admin.branch();
      if (branch) $("audit-from").value = $("audit-to").value = Admin.localDate(Date.now(), branch.timezone);
      $("audit-form").addEventListener("submit", run);
    }
    fillUsers();
    run();
  }

  Admin.register("audit", { enter, relabel: () => { if (initialised) { fillUsers(); if (S.view === "audit") run(); } } });
})();
