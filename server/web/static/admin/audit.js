// Audit trail: who did what, when, to what (every ticket event, configuration change, user,
// device and login), filtered by kind, actor and subject, exported as CSV or XLSX.
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
      "branch.created": "新建大厅", "branch.updated": "大厅设置变更", "service.created": "新建业务",
      "service.updated": "业务变更", "service.deleted": "停用业务", "counter.created": "新建窗口",
      "counter.changed": "窗口配置变更", "counter.deleted": "删除窗口", "hall.imported": "导入大厅配置",
      "user.created": "新建用户", "user.updated": "用户变更", "user.deactivated": "停用用户",
      "device.created": "新建设备", "device.revoked": "吊销设备", "auth.login": "登录",
      "auth.login_failed": "登录失败", "auth.logout": "退出登录", "audit.purged": "清理过期记录",
      "complaint.created": "登记投诉", "complaint.updated": "投诉处理", "follow_up.created": "新建回访", "follow_up.updated": "回访记录",
      "webhook.created": "新建网络钩子", "webhook.updated": "网络钩子变更", "webhook.deleted": "删除网络钩子",
    },
    "zh-TW": {
      "ticket.issued": "取號", "ticket.called": "叫號", "ticket.recalled": "重呼", "ticket.started": "開始辦理",
      "ticket.completed": "辦結", "ticket.no_show": "過號", "ticket.requeued": "重新排隊", "ticket.transferred": "轉移",
      "ticket.parked": "暫掛", "ticket.cancelled": "取消", "ticket.rated": "評價", "counter.updated": "窗口狀態",
      "print.requested": "列印請求", "print.completed": "列印完成", "print.failed": "列印失敗", "printer.status": "印表機狀態",
      "config.updated": "設定變更",
      "branch.created": "新建大廳", "branch.updated": "大廳設定變更", "service.created": "新建業務",
      "service.updated": "業務變更", "service.deleted": "停用業務", "counter.created": "新建窗口",
      "counter.changed": "窗口設定變更", "counter.deleted": "刪除窗口", "hall.imported": "匯入大廳設定",
      "user.created": "新建使用者", "user.updated": "使用者變更", "user.deactivated": "停用使用者",
      "device.created": "新建裝置", "device.revoked": "撤銷裝置", "auth.login": "登入",
      "auth.login_failed": "登入失敗", "auth.logout": "登出", "audit.purged": "清理過期紀錄",
      "complaint.created": "登記投訴", "complaint.updated": "投訴處理", "follow_up.created": "新建回訪", "follow_up.updated": "回訪紀錄",
      "webhook.created": "新建網路鉤子", "webhook.updated": "網路鉤子變更", "webhook.deleted": "刪除網路鉤子",
    },
    en: {
      "ticket.issued": "Issued", "ticket.called": "Called", "ticket.recalled": "Recalled", "ticket.started": "Started",
      "ticket.completed": "Completed", "ticket.no_show": "No-show", "ticket.requeued": "Requeued", "ticket.transferred": "Transferred",
      "ticket.parked": "Parked", "ticket.cancelled": "Cancelled", "ticket.rated": "Rated", "counter.updated": "Counter state",
      "print.requested": "Print requested", "print.completed": "Printed", "print.failed": "Print failed", "printer.status": "Printer status",
      "config.updated": "Configuration changed",
      "branch.created": "Hall created", "branch.updated": "Hall settings changed", "service.created": "Service created",
      "service.updated": "Service changed", "service.deleted": "Service retired", "counter.created": "Counter created",
      "counter.changed": "Counter set-up changed", "counter.deleted": "Counter deleted", "hall.imported": "Hall imported",
      "user.created": "User created", "user.updated": "User changed", "user.deactivated": "User deactivated",
      "device.created": "Device created", "device.revoked": "Device revoked", "auth.login": "Signed in",
      "auth.login_failed": "Sign-in failed", "auth.logout": "Signed out", "audit.purged": "Old records purged",
      "complaint.created": "Complaint recorded", "complaint.updated": "Complaint handled", "follow_up.created": "Follow-up opened", "follow_up.updated": "Follow-up recorded",
      "webhook.created": "Webhook created", "webhook.updated": "Webhook changed", "webhook.deleted": "Webhook deleted",
    },
  };
  // Who acted when no user or device did (the server's `actor`), and where a ticket went.
  const WORDS = {
    "zh-CN": { customer: "顾客", system: "系统", counter: "{n}号窗口", kind: "类别", actor: "操作者",
      subject: "对象", allKinds: "全部", hash: "哈希", busy: "其他导出正在进行，请 {s} 秒后再试。" },
    "zh-TW": { customer: "顧客", system: "系統", counter: "{n}號窗口", kind: "類別", actor: "操作者",
      subject: "對象", allKinds: "全部", hash: "雜湊", busy: "其他匯出正在進行，請 {s} 秒後再試。" },
    en: { customer: "Customer", system: "System", counter: "Counter {n}", kind: "Kind", actor: "By",
      subject: "Subject", allKinds: "All", hash: "Hash", busy: "Other exports are running; try again in {s} seconds." },
  };
  // Kinds to filter by: a prefix ("ticket.") or one kind, named in the page's language.
  const KINDS = ["ticket.", "counter.updated", "print.", "branch.", "service.", "counter.changed",
    "user.", "device.", "auth.", "auth.login_failed", "audit.purged"];
  const KIND_GROUPS = {
    "zh-CN": { "ticket.": "票号", "print.": "打印", "branch.": "大厅", "service.": "业务", "user.": "用户",
      "device.": "设备", "auth.": "登录与退出" },
    "zh-TW": { "ticket.": "票號", "print.": "列印", "branch.": "大廳", "service.": "業務", "user.": "使用者",
      "device.": "裝置", "auth.": "登入與登出" },
    en: { "ticket.": "Tickets", "print.": "Printing", "branch.": "Halls", "service.": "Services", "user.": "Users",
      "device.": "Devices", "auth.": "Sign-ins and -outs" },
  };
  const kindName = (k) => (KIND_GROUPS[S.lang] || KIND_GROUPS.en)[k] || (WHAT[S.lang] || WHAT.en)[k] || k;
  const word = (key, vars) => HallQ.t(WORDS, S.lang, key, vars);
  const counterName = (n) => word("counter", { n });

  function who(e) {
    if (e.kind === "auth.login_failed") return e.actor_name || t("none");
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

  function fillKinds() {
    const select = $("audit-kind");
    const kept = select.value;
    select.replaceChildren(el("option", { value: "" }, word("allKinds")),
      ...KINDS.map((k) => el("option", { value: k }, kindName(k))));
    select.value = kept;
    $("audit-kind-label").textContent = word("kind");
    $("audit-actor-label").textContent = word("actor");
    $("audit-subject-label").textContent = word("subject");
  }

  function fillUsers() {
    const select = $("audit-user");
    const kept = select.value;
    select.replaceChildren(el("option", { value: "" }, t("everyone")),
      ...S.users.map((u) => el("option", { value: u.id }, u.username)));
    select.value = kept;
  }

  function filters() {
    const params = new URLSearchParams({ branch_id: S.branchId });
    const from = $("audit-from").value, to = $("audit-to").value;
    if (from) params.set("from", from);
    if (to) params.set("to", to || from);
    if ($("audit-user").value) params.set("user_id", $("audit-user").value);
    const ticket = $("audit-ticket").value.trim();
    if (/^\d+$/.test(ticket)) params.set("ticket_id", ticket);
    for (const name of ["kind", "actor", "subject"]) {
      const value = $(`audit-${name}`).value.trim();
      if (value && !(name === "subject" && params.has("ticket_id"))) params.set(name, value);
    }
    return params;
  }

  // A row's "ticket" cell: the ticket's number, else what the record is about (user:7).
  const about = (e) => e.number || (e.subject.startsWith("ticket:") || e.subject.startsWith("counter:") ? "" : e.subject);

  async function run(ev) {
    if (ev) ev.preventDefault();
    $("audit-error").textContent = "";
    const params = filters();
    params.set("limit", 1000);
    const tz = (Admin.branch() || {}).timezone || "UTC";
    const table = $("audit-table");
    const heads = ["when", "who", "what", "ticket", "where", "detail"].map((k) => el("th", {}, t(k)));
    table.tHead.replaceChildren(el("tr", {}, ...heads, el("th", {}, word("hash"))));
    try {
      const rows = await api(`/api/v1/audit?${params}`);
      table.tBodies[0].replaceChildren(...rows.map((e) => el("tr", { "data-type": e.type },
        el("td", { class: "num" }, Admin.localTime(e.ts, tz)),
        el("td", { class: `actor-${e.actor}` }, who(e)),
        el("td", {}, (WHAT[S.lang] || {})[e.type] || e.type),
        el("td", {}, about(e)),
        el("td", {}, where(e)),
        el("td", { class: "muted" }, e.detail || ""),
        el("td", { class: "muted hash", title: e.hash }, e.hash.slice(0, 10)))));
    } catch (err) {
      table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "error" }, t("error", { detail: err.detail || err.message }))));
    }
  }

  // Downloads need the bearer token: fetch the file, then hand the browser a blob URL.
  async function download(ev) {
    ev.preventDefault();
    $("audit-error").textContent = "";
    const params = filters();
    params.set("format", ev.currentTarget.id === "audit-xlsx" ? "xlsx" : "csv");
    params.set("locale", S.lang);
    const resp = await fetch(`/api/v1/audit/export?${params}`, { headers: { Authorization: `Bearer ${S.token}` } });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      $("audit-error").textContent = resp.status === 429
        ? word("busy", { s: resp.headers.get("Retry-After") || 5 })
        : t("error", { detail: body.detail || resp.status });
      return;
    }
    const blob = await resp.blob();
    const match = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
    const a = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : "audit" });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function enter() {
    if (!initialised) {
      initialised = true;
      const branch = Admin.branch();
      if (branch) $("audit-from").value = $("audit-to").value = Admin.localDate(Date.now(), branch.timezone);
      $("audit-form").addEventListener("submit", run);
      $("audit-csv").addEventListener("click", download);
      $("audit-xlsx").addEventListener("click", download);
    }
    fillKinds();
    fillUsers();
    run();
  }

  Admin.register("audit", { enter, relabel: () => { if (initialised) { fillKinds(); fillUsers(); if (S.view === "audit") run(); } } });
})();
