// Webhooks: receivers of this hall's events, of a region's halls or of every hall (json, WeCom,
// DingTalk), their delivery log and a "send test" button. A new webhook's secret is shown once,
// right after it is created.
"use strict";

(() => {
  const { S, $, t, api } = Admin;
  const el = HallQ.el;
  const EVENTS = [
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.completed",
    "ticket.no_show", "ticket.requeued", "ticket.transferred", "ticket.parked", "ticket.cancelled",
    "ticket.rated", "counter.updated", "print.requested", "print.completed", "print.failed",
    "printer.status", "config.updated", "complaint.created", "complaint.updated",
    "follow_up.created", "follow_up.updated", "alert.raised", "alert.cleared",
    "alert.acknowledged", "alert.changed", "appointment.booked", "appointment.cancelled",
    "appointment.checked_in", "appointment.missed",
  ];
  const TEXT = {
    "zh-CN": {
      webhooks: "网络钩子", whAdd: "新增网络钩子", whUrl: "接收地址 (http/https)", whFormat: "格式",
      whEvents: "事件", whEvent: "事件", whScope: "范围", whThisHall: "本大厅", whAllHalls: "全部大厅",
      whSecret: "密钥（可选；json 不填则自动生成）", whNewSecret: "新密钥（不改则留空）",
      whSecretOnce: "密钥只显示这一次，请立即复制：", whTest: "发送测试", whLog: "投递记录",
      whTestQueued: "测试消息已排队，见投递记录", whNone: "尚无网络钩子", whNoLog: "尚无投递",
      whId: "投递编号", whAttempts: "尝试次数", whStatus: "状态码", whError: "错误",
      whDelivered: "送达时间", whNext: "下次尝试", whCreated: "产生时间", whRefresh: "刷新",
      whActive: "启用", whOn: "启用", whOff: "停用", whEdit: "编辑网络钩子 #{id}",
      whLogOf: "网络钩子 #{id} 的投递记录", whPickEvent: "请至少选择一个事件",
    },
    "zh-TW": {
      webhooks: "網路鉤子", whAdd: "新增網路鉤子", whUrl: "接收位址 (http/https)", whFormat: "格式",
      whEvents: "事件", whEvent: "事件", whScope: "範圍", whThisHall: "本大廳", whAllHalls: "全部大廳",
      whSecret: "密鑰（選填；json 不填則自動產生）", whNewSecret: "新密鑰（不改則留空）",
      whSecretOnce: "密鑰只顯示這一次，請立即複製：", whTest: "傳送測試", whLog: "投遞紀錄",
      whTestQueued: "測試訊息已排入佇列，見投遞紀錄", whNone: "尚無網路鉤子", whNoLog: "尚無投遞",
      whId: "投遞編號", whAttempts: "嘗試次數", whStatus: "狀態碼", whError: "錯誤",
      whDelivered: "送達時間", whNext: "下次嘗試", whCreated: "產生時間", whRefresh: "重新整理",
      whActive: "啟用", whOn: "啟用", whOff: "停用", whEdit: "編輯網路鉤子 #{id}",
      whLogOf: "網路鉤子 #{id} 的投遞紀錄", whPickEvent: "請至少選擇一個事件",
    },
    en: {
      webhooks: "Webhooks", whAdd: "Add a webhook", whUrl: "Receiver URL (http/https)", whFormat: "Format",
      whEvents: "Events", whEvent: "Event", whScope: "Scope", whThisHall: "This hall", whAllHalls: "All halls",
      whSecret: "Secret (optional; generated for json)", whNewSecret: "New secret (empty: keep)",
      whSecretOnce: "The secret is shown only this once, copy it now: ", whTest: "Send test",
      whLog: "Deliveries", whTestQueued: "Test message queued: see the deliveries",
      whNone: "No webhooks yet", whNoLog: "No deliveries yet", whId: "Delivery", whAttempts: "Attempts",
      whStatus: "Status", whError: "Error", whDelivered: "Delivered", whNext: "Next attempt",
      whCreated: "Created", whRefresh: "Refresh", whActive: "Active", whOn: "on", whOff: "off",
      whEdit: "Edit webhook #{id}", whLogOf: "Deliveries of webhook #{id}",
      whPickEvent: "Pick at least one event",
    },
  };
  for (const lang of Object.keys(TEXT)) Object.assign(ADMIN_TEXT[lang] = ADMIN_TEXT[lang] || {}, TEXT[lang]);
  const FORMATS = [["json", "JSON"], ["wecom", "企业微信 WeCom"], ["dingtalk", "钉钉 DingTalk"]];
  let shownSecret = null;
  let editing = null;
  let logOf = null;
  let regions = [];  // those the user may give a webhook: an admin all, a manager its own subtrees

  async function loadRegions() {
    const me = S.me || {};
    const mine = new Set(me.region_ids || []);
    if (me.role !== "admin" && !mine.size) { regions = []; return; }
    const all = await api("/api/v1/regions");
    regions = all.filter((r) => me.role === "admin" || mine.has(r.id))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  }

  function scopeLabel(hook) {
    if (hook.region_id != null) {
      const region = regions.find((r) => r.id === hook.region_id);
      return `${t("region")} · ${region ? region.name : "#" + hook.region_id}`;
    }
    return hook.branch_id == null ? t("whAllHalls") : t("whThisHall");
  }

  function say(text, bad = false) {
    $("wh-msg").textContent = text || "";
    $("wh-msg").classList.toggle("error", bad);
  }
  const fail = (err) => say(t("error", { detail: err.detail || err.message }), true);
  const button = (label, onClick, cls = "plain") => el("button", { type: "button", class: cls, onclick: async () => {
    say("");
    try { await onClick(); } catch (err) { fail(err); }
  } }, label);
  const field = (label, input) => el("label", {}, el("span", {}, label), input);

  function eventPicker(chosen) {
    return el("div", { class: "field" }, el("span", {}, t("whEvents")), el("div", { class: "wh-events" },
      EVENTS.map((type) => el("label", { class: "check" },
        el("input", { type: "checkbox", name: "event", value: type, ...(chosen.includes(type) ? { checked: "" } : {}) }),
        el("span", {}, type)))));
  }

  function chosenEvents(form) {
    return Array.from(form.querySelectorAll("input[name=event]:checked"), (i) => i.value);
  }

  function formatSelect(value) {
    const select = el("select", { name: "format" }, FORMATS.map(([v, label]) => el("option", { value: v }, label)));
    select.value = value;
    return select;
  }

  function addForm() {
    const url = el("input", { name: "url", type: "url", required: "", placeholder: "https://…" });
    const format = formatSelect("json");
    const scope = el("select", { name: "scope" }, el("option", { value: "hall" }, t("whThisHall")),
      ...regions.map((r) => el("option", { value: `r:${r.id}` }, `${t("region")} · ${r.name}`)),
      ...(S.me && S.me.role === "admin" ? [el("option", { value: "all" }, t("whAllHalls"))] : []));
    const secret = el("input", { name: "secret", autocomplete: "off" });
    const form = el("form", { class: "cfg-form", id: "wh-add" },
      field(t("whUrl"), url), field(t("whFormat"), format), field(t("whScope"), scope),
      field(t("whSecret"), secret), eventPicker(["ticket.called"]),
      el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("add"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      say("");
      const events = chosenEvents(form);
      if (!events.length) { say(t("whPickEvent"), true); return; }
      const body = { url: url.value.trim(), format: format.value, events };
      if (scope.value === "hall") body.branch_id = S.branchId;
      else if (scope.value.startsWith("r:")) body.region_id = Number(scope.value.slice(2));
      if (secret.value.trim()) body.secret = secret.value.trim();
      try {
        const made = await api("/api/v1/webhooks", { method: "POST", body });
        shownSecret = made;
        await render();
      } catch (err) { fail(err); }
    });
    return form;
  }

  function editForm(hook) {
    const url = el("input", { name: "url", type: "url", required: "" });
    url.value = hook.url;
    const format = formatSelect(hook.format);
    const secret = el("input", { name: "secret", autocomplete: "off" });
    const active = el("input", { type: "checkbox", name: "active", ...(hook.active ? { checked: "" } : {}) });
    const form = el("form", { class: "cfg-form", id: "wh-edit" },
      field(t("whUrl"), url), field(t("whFormat"), format), field(t("whNewSecret"), secret),
      el("label", { class: "check" }, active, el("span", {}, t("whActive"))), eventPicker(hook.events),
      el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, t("save")), " ",
        el("button", { type: "button", class: "plain", onclick: () => { editing = null; render(); } }, t("cancel"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      say("");
      const events = chosenEvents(form);
      if (!events.length) { say(t("whPickEvent"), true); return; }
      const body = { url: url.value.trim(), format: format.value, events, active: active.checked };
      if (secret.value.trim()) body.secret = secret.value.trim();
      try {
        await api(`/api/v1/webhooks/${hook.id}`, { method: "PATCH", body });
        editing = null;
        say(t("saved"));
        await render();
      } catch (err) { fail(err); }
    });
    return form;
  }

  function when(iso) { return iso ? Admin.localTime(iso, (Admin.branch() || {}).timezone || "UTC") : t("none"); }

  async function logPanel(hook) {
    const rows = await api(`/api/v1/webhooks/${hook.id}/deliveries?limit=50`);
    const head = ["whId", "whEvent", "whCreated", "whAttempts", "whStatus", "whError", "whDelivered", "whNext"];
    const body = rows.length ? rows.map((d) => el("tr", { "data-delivery-id": d.id, class: d.delivered_at ? "" : "over" },
      el("td", { class: "num" }, String(d.id)), el("td", {}, d.event_type), el("td", { class: "num" }, when(d.created_at)),
      el("td", { class: "num" }, String(d.attempts)), el("td", { class: "num" }, d.last_status == null ? t("none") : String(d.last_status)),
      el("td", { class: "muted" }, d.last_error || ""), el("td", { class: "num" }, when(d.delivered_at)),
      el("td", { class: "num" }, when(d.next_attempt_at))))
      : [el("tr", {}, el("td", { colspan: head.length, class: "muted" }, t("whNoLog")))];
    return el("section", { class: "panel", id: "wh-log" },
      el("h3", {}, t("whLogOf", { id: hook.id }), " ", button(t("whRefresh"), render)),
      el("table", { class: "data" }, el("thead", {}, el("tr", {}, head.map((h) => el("th", {}, t(h))))), el("tbody", {}, body)));
  }

  async function render() {
    await loadRegions();
    // this hall's, the regions' (the API lists those the user manages) and every hall's
    const hooks = (await api("/api/v1/webhooks")).filter((h) => h.branch_id === S.branchId || h.branch_id == null);
    const rows = hooks.length ? hooks.map((h) => el("tr", { "data-webhook-id": h.id, class: h.active ? "" : "muted" },
      el("td", { class: "num" }, String(h.id)), el("td", { class: "wh-url" }, h.url),
      el("td", {}, (FORMATS.find(([v]) => v === h.format) || [h.format, h.format])[1]),
      el("td", {}, scopeLabel(h)),
      el("td", { class: "wh-list" }, h.events.join(", ")), el("td", {}, h.active ? t("whOn") : t("whOff")),
      el("td", { class: "actions" },
        button(t("edit"), async () => { editing = h.id; await render(); }),
        button(t("whTest"), async () => {
          await api(`/api/v1/webhooks/${h.id}/test`, { method: "POST" });
          logOf = h.id;
          await render();
          say(t("whTestQueued"));
        }),
        button(t("whLog"), async () => { logOf = h.id; await render(); }),
        button(t("remove"), async () => {
          if (!confirm(t("confirmRemove", { name: h.url }))) return;
          await api(`/api/v1/webhooks/${h.id}`, { method: "DELETE" });
          if (logOf === h.id) logOf = null;
          await render();
        }))))
      : [el("tr", {}, el("td", { colspan: 7, class: "muted" }, t("whNone")))];
    const parts = [];
    if (shownSecret) {
      parts.push(el("div", { class: "token-once", id: "wh-secret" }, el("p", {}, t("whSecretOnce")),
        el("code", {}, shownSecret.secret || t("none"))));
      shownSecret = null;  // shown once: gone at the next render
    }
    parts.push(el("table", { class: "data", id: "wh-table" }, el("thead", {}, el("tr", {},
      ["#", "whUrl", "whFormat", "whScope", "whEvents", "whActive", ""].map((h) => el("th", {}, h === "#" || !h ? h : t(h))))),
      el("tbody", {}, rows)));
    const edited = hooks.find((h) => h.id === editing);
    if (edited) parts.push(el("h3", {}, t("whEdit", { id: edited.id })), editForm(edited));
    else parts.push(el("h3", {}, t("whAdd")), addForm());
    const logged = hooks.find((h) => h.id === logOf);
    $("wh-body").replaceChildren(...parts);
    if (logged) $("wh-body").append(await logPanel(logged));
  }

  let shown = false;

  function enter() { shown = true; say(""); render().catch(fail); }

  function leave() { shown = false; }

  Admin.register("webhooks", { enter, leave, relabel: () => { if (shown && S.me) render().catch(fail); } });
})();
