// Follow-up ledger (回访台账): who is to be called back and by when, the result and whether the
// customer was satisfied; open a task, record a call, download the ledger (CSV / XLSX).
"use strict";

(() => {
  const { S, $, api } = Admin;
  const el = HallQ.el;
  const TEXTS = {
    "zh-CN": {
      state: "状态", show: "查询", open: "新建回访", download: "下载", ticketId: "票号ID（选填）",
      complaintNo: "投诉编号（选填）", due: "回访期限", note: "备注", save: "保存", all: "全部",
      s_open: "待回访", s_done: "已回访", no: "编号", reason: "原因", ticket: "号码", complaint: "投诉",
      opened: "开立时间", doneBy: "回访人", doneAt: "回访时间", result: "回访结果", satisfied: "是否满意",
      r_low_rating: "低分评价", r_complaint: "投诉", r_manual: "人工开立", overdue: "逾期",
      yes: "满意", no_: "不满意", unknown: "未表态", record: "记录回访", none: "—", empty: "没有回访任务",
      saved: "回访 {id} 已保存", error: "出错了：{detail}", needResult: "请填写回访结果",
      busy: "其他导出正在进行，请 {s} 秒后再试。",
    },
    "zh-TW": {
      state: "狀態", show: "查詢", open: "新增回訪", download: "下載", ticketId: "票號ID（選填）",
      complaintNo: "投訴編號（選填）", due: "回訪期限", note: "備註", save: "儲存", all: "全部",
      s_open: "待回訪", s_done: "已回訪", no: "編號", reason: "原因", ticket: "號碼", complaint: "投訴",
      opened: "開立時間", doneBy: "回訪人", doneAt: "回訪時間", result: "回訪結果", satisfied: "是否滿意",
      r_low_rating: "低分評價", r_complaint: "投訴", r_manual: "人工開立", overdue: "逾期",
      yes: "滿意", no_: "不滿意", unknown: "未表態", record: "記錄回訪", none: "—", empty: "沒有回訪任務",
      saved: "回訪 {id} 已儲存", error: "發生錯誤：{detail}", needResult: "請填寫回訪結果",
      busy: "其他匯出正在進行，請 {s} 秒後再試。",
    },
    en: {
      state: "State", show: "Show", open: "Open a follow-up", download: "Download", ticketId: "Ticket ID (optional)",
      complaintNo: "Complaint no. (optional)", due: "Due", note: "Note", save: "Save", all: "All",
      s_open: "Open", s_done: "Done", no: "No.", reason: "Reason", ticket: "Ticket", complaint: "Complaint",
      opened: "Opened", doneBy: "Called by", doneAt: "Called at", result: "Result", satisfied: "Satisfied",
      r_low_rating: "Low rating", r_complaint: "Complaint", r_manual: "Opened by staff", overdue: "Overdue",
      yes: "Satisfied", no_: "Not satisfied", unknown: "Did not say", record: "Record the call", none: "—",
      empty: "No follow-ups", saved: "Follow-up {id} saved", error: "Error: {detail}",
      needResult: "Please write the result of the call", busy: "Other exports are running; try again in {s} seconds.",
    },
  };
  const f = (key, vars) => HallQ.t(TEXTS, S.lang, key, vars);
  const tz = () => (Admin.branch() || {}).timezone || "UTC";
  let initialised = false;
  let rows = [];
  let editing = null;

  function message(text, bad) {
    $("followups-msg").textContent = text || "";
    $("followups-msg").classList.toggle("error", !!bad);
  }

  function relabel() {
    for (const node of document.querySelectorAll("[data-f]")) node.textContent = f(node.dataset.f);
    const select = $("followups-state");
    const kept = select.value;
    select.replaceChildren(el("option", { value: "open" }, f("s_open")), el("option", { value: "done" }, f("s_done")),
      el("option", { value: "" }, f("all")));
    select.value = initialised ? kept : "open";
    if (initialised) render();
  }

  function satisfied(v) { return v == null ? f("none") : f(v ? "yes" : "no_"); }

  function editor(task) {
    const result = el("textarea", { rows: 2, maxlength: 2000, id: `fu-result-${task.id}` });
    const happy = el("select", { id: `fu-satisfied-${task.id}` }, el("option", { value: "" }, f("unknown")),
      el("option", { value: "true" }, f("yes")), el("option", { value: "false" }, f("no_")));
    return el("tr", { class: "editing" }, el("td", { colspan: 12 },
      el("label", { class: "block" }, el("span", {}, f("result")), result),
      el("div", { class: "filters" }, el("label", {}, el("span", {}, f("satisfied")), happy),
        el("button", { type: "button", class: "primary", id: `fu-save-${task.id}`,
          onclick: () => done(task.id, result.value, happy.value) }, f("save")))));
  }

  function render() {
    const table = $("followups-table");
    table.tHead.replaceChildren(el("tr", {}, ["no", "reason", "ticket", "complaint", "opened", "due", "state",
      "note", "doneBy", "doneAt", "result", "satisfied"].map((k) => el("th", {}, f(k)))));
    if (!rows.length) {
      table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 12, class: "muted" }, f("empty"))));
      return;
    }
    const body = [];
    for (const task of rows) {
      body.push(el("tr", { class: task.overdue ? "over" : "", "data-id": task.id },
        el("td", { class: "num" }, task.id),
        el("td", {}, f("r_" + task.reason)),
        el("td", {}, task.ticket_number || f("none")),
        el("td", {}, task.complaint_id || f("none")),
        el("td", {}, Admin.localTime(task.created_at, tz())),
        el("td", {}, Admin.localTime(task.due_at, tz()), task.overdue ? el("span", { class: "flag" }, f("overdue")) : null),
        el("td", {}, task.state === "open"
          ? el("button", { type: "button", class: "plain-dark", onclick: () => { editing = editing === task.id ? null : task.id; render(); } }, f("record"))
          : el("span", { class: "badge done" }, f("s_done"))),
        el("td", { class: "text" }, task.note || ""),
        el("td", {}, task.done_by ? Admin.username(task.done_by) : f("none")),
        el("td", {}, task.done_at ? Admin.localTime(task.done_at, tz()) : f("none")),
        el("td", { class: "text" }, task.result || ""),
        el("td", {}, satisfied(task.satisfied))));
      if (editing === task.id) body.push(editor(task));
    }
    table.tBodies[0].replaceChildren(...body);
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    const params = new URLSearchParams({ branch_id: S.branchId, limit: 1000 });
    if ($("followups-state").value) params.set("state", $("followups-state").value);
    try {
      rows = await api(`/api/v1/follow-ups?${params}`);
      render();
    } catch (err) {
      message(f("error", { detail: err.detail || err.message }), true);
    }
  }

  async function done(id, result, happy) {
    if (!result.trim()) { message(f("needResult"), true); return; }
    const body = { state: "done", result, satisfied: happy === "" ? null : happy === "true" };
    try {
      await api(`/api/v1/follow-ups/${id}`, { method: "PATCH", body });
      editing = null;
      message(f("saved", { id }));
      await run();
    } catch (err) {
      message(f("error", { detail: err.detail || err.message }), true);
    }
  }

  async function openTask(ev) {
    ev.preventDefault();
    const body = { branch_id: S.branchId };
    const ticket = $("fu-ticket").value.trim(), complaint = $("fu-complaint").value.trim();
    if (ticket) body.ticket_id = Number(ticket);
    if (complaint) body.complaint_id = Number(complaint);
    if ($("fu-note").value.trim()) body.note = $("fu-note").value.trim();
    if ($("fu-due").value) body.due_at = new Date(`${$("fu-due").value}T18:00:00`).toISOString();
    try {
      const task = await api("/api/v1/follow-ups", { method: "POST", body });
      message(f("saved", { id: task.id }));
      $("fu-ticket").value = $("fu-complaint").value = $("fu-note").value = $("fu-due").value = "";
      $("followup-entry").classList.add("hq-hidden");
      await run();
    } catch (err) {
      message(f("error", { detail: err.detail || err.message }), true);
    }
  }

  // The file needs the bearer token: fetch it and hand the browser a blob URL.
  async function download(ev) {
    ev.preventDefault();
    const params = new URLSearchParams({ branch_id: S.branchId, locale: S.lang, format: ev.currentTarget.dataset.format });
    if ($("followups-state").value) params.set("state", $("followups-state").value);
    const resp = await fetch(`/api/v1/follow-ups/export?${params}`, { headers: { Authorization: `Bearer ${S.token}` } });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      message(resp.status === 429 ? f("busy", { s: resp.headers.get("Retry-After") || 5 })
        : f("error", { detail: body.detail || resp.status }), true);
      return;
    }
    const blob = await resp.blob();
    const match = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
    const a = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : "hallq-follow-ups" });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function enter() {
    if (!initialised) {
      initialised = true;
      $("followups-form").addEventListener("submit", run);
      $("followup-entry").addEventListener("submit", openTask);
      $("followup-new").addEventListener("click", () => $("followup-entry").classList.toggle("hq-hidden"));
      $("dl-followups-csv").dataset.format = "csv";
      $("dl-followups-xlsx").dataset.format = "xlsx";
      for (const id of ["dl-followups-csv", "dl-followups-xlsx"]) $(id).addEventListener("click", download);
    }
    editing = null;
    message("");
    run();
  }

  Admin.register("followups", { enter, relabel });
})();
