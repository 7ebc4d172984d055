// Complaints (投诉): filter by state, category and overdue; record one taken by phone or at the
// desk; assign, resolve or reject with a resolution and whether it was upheld; the history of
// each. Every text a customer or clerk wrote is put in the page as text, never as markup.
"use strict";

(() => {
  const { S, $, api } = Admin;
  const el = HallQ.el;
  const TEXTS = {
    "zh-CN": {
      state: "状态", category: "类别", overdueOnly: "只看逾期", show: "查询", record: "登记投诉",
      recordTitle: "登记投诉（电话、来信或现场）", ticketId: "票号ID（选填）", channel: "渠道", contact: "联系方式（选填）", contactShown: "联系方式",
      text: "内容", save: "保存", all: "全部", no: "编号", created: "登记时间", ticket: "号码", assignee: "责任人",
      due: "答复期限", overdue: "逾期", late: "逾期答复", saved: "已登记投诉 {id}", updated: "投诉 {id} 已更新",
      s_open: "待处理", s_assigned: "已分派", s_resolved: "已办结", s_rejected: "不予受理",
      c_attitude: "服务态度", c_efficiency: "办事效率", c_error: "办理差错", c_environment: "大厅环境",
      c_policy: "政策规定", c_other: "其他",
      ch_mobile: "手机", ch_desk: "现场", ch_phone: "电话", ch_letter: "来信", ch_other: "其他",
      detailTitle: "投诉 {id}", clerk: "被投诉人员", counter: "窗口", assign: "分派", resolution: "处理结果",
      upheld: "投诉属实", resolve: "办结", reject: "不予受理", history: "处理记录", when: "时间", who: "操作人",
      action: "操作", a_created: "登记", a_assigned: "分派", a_resolved: "办结", a_rejected: "不予受理",
      a_updated: "更新", none: "—", yes: "是", noWord: "否", empty: "没有投诉", error: "出错了：{detail}",
      needText: "请填写内容", needResolution: "请填写处理结果", close: "关闭",
    },
    "zh-TW": {
      state: "狀態", category: "類別", overdueOnly: "只看逾期", show: "查詢", record: "登記投訴",
      recordTitle: "登記投訴（電話、來信或現場）", ticketId: "票號ID（選填）", channel: "管道", contact: "聯絡方式（選填）", contactShown: "聯絡方式",
      text: "內容", save: "儲存", all: "全部", no: "編號", created: "登記時間", ticket: "號碼", assignee: "負責人",
      due: "答覆期限", overdue: "逾期", late: "逾期答覆", saved: "已登記投訴 {id}", updated: "投訴 {id} 已更新",
      s_open: "待處理", s_assigned: "已分派", s_resolved: "已辦結", s_rejected: "不予受理",
      c_attitude: "服務態度", c_efficiency: "辦事效率", c_error: "辦理差錯", c_environment: "大廳環境",
      c_policy: "政策規定", c_other: "其他",
      ch_mobile: "手機", ch_desk: "現場", ch_phone: "電話", ch_letter: "來信", ch_other: "其他",
      detailTitle: "投訴 {id}", clerk: "被投訴人員", counter: "窗口", assign: "分派", resolution: "處理結果",
      upheld: "投訴屬實", resolve: "辦結", reject: "不予受理", history: "處理紀錄", when: "時間", who: "操作人",
      action: "操作", a_created: "登記", a_assigned: "分派", a_resolved: "辦結", a_rejected: "不予受理",
      a_updated: "更新", none: "—", yes: "是", noWord: "否", empty: "沒有投訴", error: "發生錯誤：{detail}",
      needText: "請填寫內容", needResolution: "請填寫處理結果", close: "關閉",
    },
    en: {
      state: "State", category: "Category", overdueOnly: "Overdue only", show: "Show", record: "Record a complaint",
      recordTitle: "Record a complaint (phone, letter or at the desk)", ticketId: "Ticket ID (optional)",
      channel: "Channel", contact: "Contact (optional)", contactShown: "Contact", text: "Text", save: "Save", all: "All", no: "No.",
      created: "Recorded", ticket: "Ticket", assignee: "Responsible", due: "Answer due", overdue: "Overdue",
      late: "Answered late", saved: "Complaint {id} recorded", updated: "Complaint {id} updated",
      s_open: "Open", s_assigned: "Assigned", s_resolved: "Resolved", s_rejected: "Rejected",
      c_attitude: "Staff attitude", c_efficiency: "Efficiency", c_error: "A mistake", c_environment: "The hall",
      c_policy: "Rules and policy", c_other: "Other",
      ch_mobile: "Mobile", ch_desk: "Desk", ch_phone: "Phone", ch_letter: "Letter", ch_other: "Other",
      detailTitle: "Complaint {id}", clerk: "Clerk concerned", counter: "Counter", assign: "Assign",
      resolution: "Resolution", upheld: "Upheld", resolve: "Resolve", reject: "Reject", history: "History",
      when: "When", who: "By", action: "Action", a_created: "Recorded", a_assigned: "Assigned",
      a_resolved: "Resolved", a_rejected: "Rejected", a_updated: "Updated", none: "—", yes: "Yes", noWord: "No",
      empty: "No complaints", error: "Error: {detail}", needText: "Please write the complaint",
      needResolution: "Please write the resolution", close: "Close",
    },
  };
  const STATES = ["open", "assigned", "resolved", "rejected"];
  const CATEGORIES = ["attitude", "efficiency", "error", "environment", "policy", "other"];
  const CHANNELS = ["desk", "phone", "letter", "other"];
  const q = (key, vars) => HallQ.t(TEXTS, S.lang, key, vars);
  const tz = () => (Admin.branch() || {}).timezone || "UTC";
  let initialised = false;
  let rows = [];
  let chosen = null;

  function options(select, values, prefix, withAll) {
    const kept = select.value;
    select.replaceChildren(...(withAll ? [el("option", { value: "" }, q("all"))] : []),
      ...values.map((v) => el("option", { value: v }, q(prefix + v))));
    if ([...select.options].some((o) => o.value === kept)) select.value = kept;
  }

  function relabel() {
    for (const node of document.querySelectorAll("[data-q]")) node.textContent = q(node.dataset.q);
    options($("complaints-state"), STATES, "s_", true);
    options($("complaints-category"), CATEGORIES, "c_", true);
    options($("entry-category"), CATEGORIES, "c_", false);
    options($("entry-channel"), CHANNELS, "ch_", false);
    if (initialised) { render(); renderDetail(); }
  }

  function message(text, bad) {
    $("complaints-msg").textContent = text || "";
    $("complaints-msg").classList.toggle("error", !!bad);
  }

  function flags(c) {
    return [c.overdue ? el("span", { class: "flag" }, q("overdue")) : null,
      c.late ? el("span", { class: "flag late" }, q("late")) : null];
  }

  function render() {
    const table = $("complaints-table");
    table.tHead.replaceChildren(el("tr", {}, ["no", "created", "ticket", "category", "channel", "text", "state",
      "assignee", "due"].map((k) => el("th", {}, q(k)))));
    if (!rows.length) {
      table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 9, class: "muted" }, q("empty"))));
      return;
    }
    table.tBodies[0].replaceChildren(...rows.map((c) => el("tr", {
      class: `pick${c.overdue ? " over" : ""}${chosen && chosen.id === c.id ? " chosen" : ""}`,
      "data-id": c.id, onclick: () => open(c.id),
    },
    el("td", { class: "num" }, c.id),
    el("td", {}, Admin.localTime(c.created_at, tz())),
    el("td", {}, c.ticket_number || q("none")),
    el("td", {}, q("c_" + c.category)),
    el("td", {}, q("ch_" + c.channel)),
    el("td", { class: "text" }, c.text),
    el("td", {}, el("span", { class: `badge ${c.state === "open" ? "open-c" : c.state}` }, q("s_" + c.state))),
    el("td", {}, c.assignee_id ? Admin.username(c.assignee_id) : q("none")),
    el("td", {}, Admin.localTime(c.due_at, tz()), ...flags(c)))));
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    const params = new URLSearchParams({ branch_id: S.branchId, limit: 1000 });
    if ($("complaints-state").value) params.set("state", $("complaints-state").value);
    if ($("complaints-category").value) params.set("category", $("complaints-category").value);
    if ($("complaints-overdue").checked) params.set("overdue", "true");
    try {
      rows = await api(`/api/v1/complaints?${params}`);
      render();
    } catch (err) {
      message(q("error", { detail: err.detail || err.message }), true);
    }
  }

  async function open(id) {
    try {
      chosen = await api(`/api/v1/complaints/${id}`);
    } catch (err) {
      message(q("error", { detail: err.detail || err.message }), true);
      return;
    }
    render();
    renderDetail();
  }

  function staffOfHall() {
    return S.users.filter((u) => u.active !== false && (u.role === "admin" || (u.branch_ids || []).includes(S.branchId)));
  }

  function renderDetail() {
    const box = $("complaint-detail");
    box.classList.toggle("hq-hidden", !chosen);
    if (!chosen) return;
    const c = chosen;
    const final = c.state === "resolved" || c.state === "rejected";
    const facts = [["category", q("c_" + c.category)], ["channel", q("ch_" + c.channel)],
      ["ticket", c.ticket_number || q("none")], ["clerk", c.clerk_id ? Admin.username(c.clerk_id) : q("none")],
      ["contactShown", c.contact || q("none")], ["due", Admin.localTime(c.due_at, tz())],
      ["assignee", c.assignee_id ? Admin.username(c.assignee_id) : q("none")]];
    if (final) {
      facts.push(["resolution", c.resolution || q("none")]);
      facts.push(["upheld", c.upheld == null ? q("none") : q(c.upheld ? "yes" : "noWord")]);
    }
    const parts = [
      el("h2", {}, q("detailTitle", { id: c.id }), " ", el("span", { class: `badge ${c.state === "open" ? "open-c" : c.state}` },
        q("s_" + c.state)), ...flags(c)),
      el("div", { class: "full", id: "complaint-full-text" }, c.text),
      el("dl", {}, facts.flatMap(([k, v]) => [el("dt", {}, q(k)), el("dd", {}, v)])),
    ];
    if (!final) {
      const who = el("select", { id: "assign-to" }, staffOfHall().map((u) => el("option", { value: u.id }, u.username)));
      if (c.assignee_id) who.value = String(c.assignee_id);
      const text = el("textarea", { id: "resolution-text", rows: 3, maxlength: 2000 });
      const upheld = el("input", { type: "checkbox", id: "resolution-upheld" });
      parts.push(
        el("div", { class: "actions" }, el("label", {}, el("span", {}, q("assignee")), who),
          el("button", { type: "button", class: "primary", id: "assign-btn",
            onclick: () => change({ assignee_id: Number(who.value) }) }, q("assign"))),
        el("label", { class: "block" }, el("span", {}, q("resolution")), text),
        el("div", { class: "actions" },
          el("label", { class: "check" }, upheld, " ", q("upheld")),
          el("button", { type: "button", class: "primary", id: "resolve-btn",
            onclick: () => finish("resolved", text.value, upheld.checked) }, q("resolve")),
          el("button", { type: "button", class: "danger", id: "reject-btn",
            onclick: () => finish("rejected", text.value, upheld.checked) }, q("reject"))));
    }
    parts.push(el("h2", {}, q("history")), el("table", { class: "data", id: "complaint-history" },
      el("thead", {}, el("tr", {}, ["when", "who", "action", "state", "assignee", "resolution"].map((k) => el("th", {}, q(k))))),
      el("tbody", {}, c.history.map((h) => el("tr", {},
        el("td", {}, Admin.localTime(h.ts, tz())),
        el("td", {}, h.user_id ? Admin.username(h.user_id) : q("ch_mobile")),
        el("td", {}, q("a_" + h.action)),
        el("td", {}, q("s_" + h.to_state)),
        el("td", {}, h.assignee_id ? Admin.username(h.assignee_id) : q("none")),
        el("td", { class: "text" }, h.resolution || ""))))));
    parts.push(el("button", { type: "button", class: "plain-dark", onclick: () => { chosen = null; render(); renderDetail(); } }, q("close")));
    box.replaceChildren(...parts);
  }

  function finish(state, resolution, upheld) {
    if (!resolution.trim()) { message(q("needResolution"), true); return; }
    change({ state, resolution, upheld });
  }

  async function change(body) {
    try {
      const c = await api(`/api/v1/complaints/${chosen.id}`, { method: "PATCH", body });
      message(q("updated", { id: c.id }));
      await run();
      await open(c.id);
    } catch (err) {
      message(q("error", { detail: err.detail || err.message }), true);
    }
  }

  async function record(ev) {
    ev.preventDefault();
    const text = $("entry-text").value.trim();
    if (!text) { message(q("needText"), true); return; }
    const body = { branch_id: S.branchId, category: $("entry-category").value, channel: $("entry-channel").value, text };
    const ticket = $("entry-ticket").value.trim();
    if (ticket) body.ticket_id = Number(ticket);
    if ($("entry-contact").value.trim()) body.contact = $("entry-contact").value.trim();
    try {
      const c = await api("/api/v1/complaints", { method: "POST", body });
      message(q("saved", { id: c.id }));
      $("entry-text").value = $("entry-ticket").value = $("entry-contact").value = "";
      $("complaint-entry").classList.add("hq-hidden");
      await run();
    } catch (err) {
      message(q("error", { detail: err.detail || err.message }), true);
    }
  }

  function enter() {
    if (!initialised) {
      initialised = true;
      $("complaints-form").addEventListener("submit", run);
      $("complaint-entry").addEventListener("submit", record);
      $("complaint-new").addEventListener("click", () => $("complaint-entry").classList.toggle("hq-hidden"));
    }
    chosen = null;
    renderDetail();
    message("");
    run();
  }

  Admin.register("complaints", { enter, relabel });
})();
