// Hall configuration through the existing API: hall settings and hours, services, counters,
// users, devices (a new device's token is shown once). Changes reach kiosks and TVs live
// through the server's config.updated event.
"use strict";

(() => {
  const { S, $, t, api } = Admin;
  const el = HallQ.el;
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  let sub = "branch";
  let initialised = false;

  function say(text, bad = false) {
    $("config-msg").textContent = text || "";
    $("config-msg").classList.toggle("error", bad);
  }

  const fail = (err) => say(t("error", { detail: err.detail || err.message }), true);

  // fields: [{key, label, type, value, options, attrs}] → a <form> and a getter of its values
  function form(fields, onSubmit, submitLabel = t("save"), extra = []) {
    const inputs = {};
    const rows = fields.map((f) => {
      let input;
      if (f.type === "select") {
        input = el("select", { name: f.key }, f.options.map(([v, label]) => el("option", { value: v }, label)));
        input.value = f.value == null ? "" : String(f.value);
      } else if (f.type === "textarea") {
        input = el("textarea", { name: f.key, rows: f.rows || 3 });
        input.value = f.value == null ? "" : f.value;
      } else if (f.type === "checkbox") {
        input = el("input", { type: "checkbox", name: f.key });
        input.checked = !!f.value;
      } else {
        input = el("input", { type: f.type || "text", name: f.key, ...(f.attrs || {}) });
        input.value = f.value == null ? "" : String(f.value);
      }
      inputs[f.key] = input;
      return el("label", { class: f.type === "checkbox" ? "check" : "" }, el("span", {}, f.label), input);
    });
    const node = el("form", { class: "cfg-form" }, rows, extra,
      el("div", { class: "buttons" }, el("button", { type: "submit", class: "primary" }, submitLabel)));
    const values = () => {
      const out = {};
      for (const f of fields) {
        const input = inputs[f.key];
        if (f.type === "checkbox") out[f.key] = input.checked;
        else if (f.type === "number") out[f.key] = input.value === "" ? null : Number(input.value);
        else out[f.key] = input.value;
      }
      return out;
    };
    node.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      say("");
      try { await onSubmit(values()); } catch (err) { fail(err); }
    });
    return node;
  }

  function table(headers, rows) {
    return el("table", { class: "data" }, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, t(h))))),
      el("tbody", {}, rows));
  }

  const button = (label, onClick, cls = "plain") => el("button", { type: "button", class: cls, onclick: async () => {
    say("");
    try { await onClick(); } catch (err) { fail(err); }
  } }, label);

  // ---- hall settings ----------------------------------------------------------------------

  // special_days as text, one date a line: "2026-10-08 08:30-12:00, 13:30-17:30" or
  // "2026-10-03 closed" (the server checks the dates and times: a bad line is a 422).
  const CLOSED_WORDS = ["closed", "休息", "休", "-", "x"];
  function specialText(days) {
    return Object.entries(days).sort(([a], [b]) => a.localeCompare(b))
      .map(([day, ranges]) => `${day} ${ranges.length ? ranges.map((r) => r.join("-")).join(", ") : t("closedWord")}`).join("\n");
  }

  function parseSpecial(text) {
    const out = {};
    for (const line of text.split("\n").map((x) => x.trim()).filter(Boolean)) {
      const [day, ...rest] = line.split(/\s+/);
      const hours = rest.join(" ").trim();
      out[day] = !hours || CLOSED_WORDS.includes(hours.toLowerCase()) || hours === t("closedWord") ? []
        : hours.split(/[,，;]/).map((x) => x.trim()).filter(Boolean).map((x) => x.split(/\s*[-–~]\s*/));
    }
    return out;
  }

  async function branchSettings(body) {
    const b = await api(`/api/v1/branches/${S.branchId}`);
    const s = b.settings;
    const hours = DAYS.map((d) => ({ key: `h_${d}`, label: t(d), value: (s.opening_hours[d] || []).map((r) => r.join("-")).join(", ") }));
    const fields = [
      { key: "name", label: t("name"), value: b.name },
      { key: "timezone", label: t("timezone"), value: b.timezone },
      { key: "locale", label: t("locale"), type: "select", value: b.locale, options: [["zh-CN", "简体中文"], ["zh-TW", "繁體中文"], ["en", "English"]] },
      { key: "region", label: t("region"), value: b.region || "" },
      ...hours,
      { key: "holidays", label: t("holidays"), type: "textarea", value: s.holidays.join("\n") },
      { key: "special_days", label: t("specialDays"), type: "textarea", rows: 4, value: specialText(s.special_days || {}) },
      { key: "cutoff_min", label: t("cutoff"), type: "number", value: s.cutoff_min, attrs: { min: 0 } },
      { key: "pause_alert_min", label: t("pauseAlert"), type: "number", value: s.pause_alert_min, attrs: { min: 1 } },
      { key: "called_alert_min", label: t("calledAlert"), type: "number", value: s.called_alert_min, attrs: { min: 1, max: 1440 } },
      { key: "complaint_reply_hours", label: t("complaintHours"), type: "number", value: s.complaint_reply_hours, attrs: { min: 1, max: 2160 } },
      { key: "follow_up_due_hours", label: t("followUpHours"), type: "number", value: s.follow_up_due_hours, attrs: { min: 1, max: 2160 } },
      // 公开评议结果: /results?branch=<id> and the TV's results panel
      { key: "publish_results", label: t("publishResults"), type: "select", value: s.publish_results || "",
        options: [["", t("publishOff")], ["service", t("publishService")], ["counter", t("publishCounter")]] },
      { key: "queue_alert_per_counter", label: t("queueAlert"), type: "number", value: s.queue_alert_per_counter, attrs: { min: 1, max: 1000 } },
      { key: "device_offline_s", label: t("offlineAlert"), type: "number", value: s.device_offline_s, attrs: { min: 10, max: 86400 } },
      { key: "priority_interleave", label: t("interleave"), type: "number", value: s.priority_interleave, attrs: { min: 0 } },
      { key: "public_booking", label: t("publicBooking"), type: "checkbox", value: s.public_booking ?? false },
      { key: "appointment_slot_min", label: t("slotMin"), type: "number", value: s.appointment_slot_min ?? 30, attrs: { min: 5, max: 1440 } },
      { key: "appointment_days_ahead", label: t("daysAhead"), type: "number", value: s.appointment_days_ahead ?? 7, attrs: { min: 0, max: 366 } },
      { key: "appointment_early_min", label: t("earlyMin"), type: "number", value: s.appointment_early_min ?? 30, attrs: { min: 0, max: 1440 } },
      { key: "appointment_late_min", label: t("lateMin"), type: "number", value: s.appointment_late_min ?? 15, attrs: { min: 0, max: 1440 } },
      { key: "appointment_personal_days", label: t("personalDays"), type: "number", value: s.appointment_personal_days ?? 30, attrs: { min: 1, max: 3650 } },
      { key: "marquee", label: t("marquee"), type: "textarea", value: s.marquee },
      // per language, for the TV; empty: the name / marquee above
      ...HallQ.LOCALES.map((l) => ({ key: `hn_${l}`, label: `${t("hallNameIn")} ${l}`, value: (s.hall_names || {})[l] || "" })),
      ...HallQ.LOCALES.map((l) => ({ key: `mq_${l}`, label: `${t("marqueeIn")} ${l}`, type: "textarea", value: (s.marquees || {})[l] || "" })),
      ...HallQ.LOCALES.map((l) => ({ key: `nt_${l}`, label: `${t("noticeIn")} ${l}`, type: "textarea", value: (s.notice || {})[l] || "" })),
      { key: "public_issue", label: t("publicIssue"), type: "checkbox", value: s.public_issue },
      { key: "self_priority", label: t("selfPriority"), type: "checkbox", value: s.self_priority },
      { key: "display_info", label: t("displayInfo"), type: "checkbox", value: s.display_info },
      { key: "ticket_footer", label: t("footer"), type: "textarea", value: s.ticket_footer },
      ...HallQ.LOCALES.map((l) => ({ key: `v_${l}`, label: `${t("voiceTemplates")} ${l}`, value: s.voice_templates[l] || "" })),
    ];
    body.replaceChildren(el("p", { class: "note" }, t("hoursHint")), el("p", { class: "note" }, t("specialHint")), form(fields, async (v) => {
      const opening = {};
      for (const d of DAYS) {
        const ranges = v[`h_${d}`].split(/[,，;]/).map((x) => x.trim()).filter(Boolean).map((x) => x.split(/\s*[-–~]\s*/));
        if (ranges.length) opening[d] = ranges;
      }
      const perLocale = (prefix) => Object.fromEntries(HallQ.LOCALES
        .map((l) => [l, v[`${prefix}_${l}`].trim()]).filter(([, text]) => text));
      const voice = {};
      for (const l of HallQ.LOCALES) if (v[`v_${l}`].trim()) voice[l] = v[`v_${l}`].trim();
      const settings = {
        ...s, opening_hours: opening, holidays: v.holidays.split(/\s+/).filter(Boolean),
        cutoff_min: v.cutoff_min || 0, pause_alert_min: v.pause_alert_min || 15, called_alert_min: v.called_alert_min || 5,
        complaint_reply_hours: v.complaint_reply_hours || 48, follow_up_due_hours: v.follow_up_due_hours || 72,
        publish_results: v.publish_results || false,
        queue_alert_per_counter: v.queue_alert_per_counter || 8, device_offline_s: v.device_offline_s || 120,
        priority_interleave: v.priority_interleave || 0, marquee: v.marquee, ticket_footer: v.ticket_footer,
        voice_templates: voice, hall_names: perLocale("hn"), marquees: perLocale("mq"),
        special_days: parseSpecial(v.special_days), notice: perLocale("nt"),
        public_issue: v.public_issue, self_priority: v.self_priority, display_info: v.display_info,
        offer_priority: v.self_priority,
        public_booking: v.public_booking, appointment_slot_min: v.appointment_slot_min || 30,
        appointment_days_ahead: v.appointment_days_ahead ?? 7, appointment_early_min: v.appointment_early_min ?? 30,
        appointment_late_min: v.appointment_late_min ?? 15, appointment_personal_days: v.appointment_personal_days || 30,
      };
      await api(`/api/v1/branches/${S.branchId}`, { method: "PATCH", body: {
        name: v.name, timezone: v.timezone, locale: v.locale, region: v.region.trim() || null, settings } });
      await Admin.loadBranches();
      say(t("saved"));
    }));
  }

  // ---- services -----------------------------------------------------------------------------

  async function servicesView(body, editing = null) {
    const services = await api(`/api/v1/services?branch_id=${S.branchId}`);
    const s = editing || {};
    const fields = [
      { key: "code", label: t("code"), value: s.code, attrs: { required: true, maxlength: 32 } },
      { key: "prefix", label: t("prefix"), value: s.prefix, attrs: { required: true, pattern: "[A-Z]{1,3}" } },
      ...HallQ.LOCALES.map((l) => ({ key: `n_${l}`, label: `${t("name")} ${l}`, value: (s.name || {})[l] || "" })),
      { key: "start_number", label: t("start"), type: "number", value: s.start_number ?? 1 },
      { key: "end_number", label: t("end"), type: "number", value: s.end_number ?? 999 },
      { key: "target_wait_min", label: t("targetMin"), type: "number", value: s.target_wait_min ?? 15 },
      { key: "service_min", label: t("serviceMin"), type: "number", value: s.service_min ?? 5, attrs: { step: "any" } },
      { key: "daily_quota", label: t("quota"), type: "number", value: s.daily_quota },
      { key: "max_service_min", label: t("maxServiceMin"), type: "number", value: s.max_service_min, attrs: { min: 1, max: 1440 } },
      { key: "active", label: t("active"), type: "checkbox", value: s.active ?? true },
      { key: "priority", label: t("priorityService"), type: "checkbox", value: s.priority ?? false },
      { key: "appointment_capacity", label: t("bookable"), type: "number", value: s.appointment_capacity ?? 0, attrs: { min: 0, max: 10000 } },
    ];
    const save = async (v) => {
      const name = {};
      for (const l of HallQ.LOCALES) if (v[`n_${l}`].trim()) name[l] = v[`n_${l}`].trim();
      const data = { code: v.code.trim(), prefix: v.prefix.trim().toUpperCase(), name,
        start_number: v.start_number, end_number: v.end_number, target_wait_min: v.target_wait_min,
        service_min: v.service_min, daily_quota: v.daily_quota || null, max_service_min: v.max_service_min || null,
        active: v.active, priority: v.priority, appointment_capacity: v.appointment_capacity || 0 };
      if (editing) await api(`/api/v1/services/${editing.id}`, { method: "PATCH", body: data });
      else await api("/api/v1/services", { method: "POST", body: { ...data, branch_id: S.branchId } });
      say(t("saved"));
      await servicesView(body);
    };
    const rows = services.map((x) => el("tr", { "data-service-id": x.id },
      el("td", {}, x.prefix), el("td", {}, x.code), el("td", {}, HallQ.LOCALES.map((l) => x.name[l] || "").join(" / ")),
      el("td", {}, `${x.start_number}–${x.end_number}`), el("td", { class: "num" }, x.target_wait_min),
      el("td", { class: "num" }, x.service_min), el("td", { class: "num" }, x.daily_quota ?? t("none")),
      el("td", {}, t(x.active ? "yes" : "no")), el("td", {}, t(x.priority ? "yes" : "no")),
      el("td", {}, button(t("edit"), () => servicesView(body, x)), button(t("remove"), async () => {
        if (!confirm(t("confirmRemove", { name: x.prefix }))) return;
        await api(`/api/v1/services/${x.id}`, { method: "DELETE" });
        await servicesView(body);
      }))));
    body.replaceChildren(
      table(["prefix", "code", "name", "range", "targetMin", "serviceMin", "quota", "active", "prio", ""], rows),
      el("h3", {}, editing ? `${t("edit")} ${editing.prefix}` : t("add")),
      form(fields, save, editing ? t("save") : t("add"), editing ? [button(t("cancel"), () => servicesView(body))] : []));
    body.querySelector("form").id = "service-form";
  }

  // ---- counters -----------------------------------------------------------------------------

  async function countersView(body, editing = null) {
    const [counters, services, branch] = await Promise.all([
      api(`/api/v1/counters?branch_id=${S.branchId}`), api(`/api/v1/services?branch_id=${S.branchId}`),
      api(`/api/v1/branches/${S.branchId}`)]);
    const byId = new Map(services.map((s) => [s.id, s]));
    // A counter calls its services' tickets by effective time, not in the order they are listed
    // (DESIGN.md, "Who is called next"): shown as a set, priority services marked.
    const served = (id) => {
      const s = byId.get(id);
      if (!s) return String(id);
      return s.priority ? t("prioMark", { p: s.prefix }) : s.prefix;
    };
    const boost = branch.settings.priority_boost_min ?? 15;
    const chosen = editing ? [...editing.service_ids] : [];
    const order = [...chosen, ...services.map((s) => s.id).filter((id) => !chosen.includes(id))];
    const picker = el("ul", { class: "picker" });
    const drawPicker = () => picker.replaceChildren(...order.filter((id) => byId.has(id)).map((id) => {
      const box = el("input", { type: "checkbox", value: id });
      box.checked = chosen.includes(id);
      box.addEventListener("change", () => {
        if (box.checked) chosen.push(id); else chosen.splice(chosen.indexOf(id), 1);
      });
      const s = byId.get(id);
      return el("li", {}, el("label", { class: "check" }, box,
        `${s.prefix} ${HallQ.name(s.name, S.lang)}${s.priority ? ` · ${t("prio")}` : ""}`));
    }));
    drawPicker();
    const c = editing || {};
    const fields = [
      { key: "number", label: t("number"), type: "number", value: c.number, attrs: { required: true, min: 1 } },
      { key: "name", label: t("name"), value: c.name || "" },
      { key: "priority_interleave", label: t("interleave"), type: "number", value: c.priority_interleave },
    ];
    const save = async (v) => {
      const data = { number: v.number, name: v.name, priority_interleave: v.priority_interleave,
        service_ids: order.filter((id) => chosen.includes(id)) };
      if (editing) await api(`/api/v1/counters/${editing.id}`, { method: "PATCH", body: data });
      else await api("/api/v1/counters", { method: "POST", body: { ...data, branch_id: S.branchId } });
      say(t("saved"));
      await countersView(body);
    };
    const rows = counters.map((x) => el("tr", { "data-counter-id": x.id },
      el("td", { class: "num" }, x.number), el("td", {}, x.name),
      el("td", { class: "served" }, x.service_ids.map(served).join(" · ")),
      el("td", { class: "num" }, x.priority_interleave ?? t("none")), el("td", {}, t("st_" + x.state)),
      el("td", {}, button(t("edit"), () => countersView(body, x)), button(t("remove"), async () => {
        if (!confirm(t("confirmRemove", { name: x.number }))) return;
        await api(`/api/v1/counters/${x.id}`, { method: "DELETE" });
        await countersView(body);
      }))));
    body.replaceChildren(table(["number", "name", "servicesServed", "interleave", "state", ""], rows),
      el("p", { class: "note", id: "call-order" }, t("callOrder", { boost })),
      el("h3", {}, editing ? `${t("edit")} ${editing.number}` : t("add")),
      form(fields, save, editing ? t("save") : t("add"),
        [el("div", { class: "field" }, el("span", {}, t("servicesServed")), picker),
          editing ? button(t("cancel"), () => countersView(body)) : null]));
  }

  // ---- users ---------------------------------------------------------------------------------

  async function usersView(body, editing = null) {
    await Admin.loadUsers();
    const names = new Map(S.branches.map((b) => [b.id, b.name]));
    // An admin manages everyone; a manager manages clerks, and only the password of its own account.
    const admin = S.me.role === "admin";
    const rows = S.users.map((u) => {
      const manages = admin || u.role === "clerk";
      const own = u.id === S.me.id;
      return el("tr", { "data-user-id": u.id, class: u.active ? "" : "muted" },
        el("td", {}, u.username), el("td", {}, t("r_" + u.role)),
        el("td", {}, u.branch_ids.map((id) => names.get(id) || id).join(", ")), el("td", {}, t(u.active ? "yes" : "no")),
        el("td", {},
          manages ? button(t("edit"), () => usersView(body, u)) : null,
          manages ? button(t(u.active ? "deactivate" : "activate"), async () => {
            await api(`/api/v1/users/${u.id}`, { method: "PATCH", body: { active: !u.active } });
            await usersView(body);
          }) : null,
          manages || own ? button(t("newPassword"), async () => {
            const password = prompt(`${t("newPassword")} (${u.username})`);
            if (!password) return;
            await api(`/api/v1/users/${u.id}`, { method: "PATCH", body: { password } });
            say(t("saved"));
          }) : null));
    });
    const ticked = editing ? editing.branch_ids : [S.branchId];
    const halls = el("div", { class: "field" }, el("span", {}, t("halls")),
      el("div", {}, S.branches.map((b) => el("label", { class: "check" },
        el("input", { type: "checkbox", value: b.id, checked: ticked.includes(b.id), class: "hall-box" }), b.name))));
    const chosenHalls = () => [...halls.querySelectorAll(".hall-box")].filter((b) => b.checked).map((b) => Number(b.value));
    const roles = admin ? ["clerk", "manager", "admin"] : ["clerk"];
    if (editing && !roles.includes(editing.role)) roles.push(editing.role);
    const roleField = { key: "role", label: t("role"), type: "select", value: editing ? editing.role : "clerk",
      options: roles.map((r) => [r, t("r_" + r)]) };
    const heading = el("h3", {}, editing ? t("editUser", { name: editing.username }) : t("add"));
    let node;
    if (editing) {
      node = form([roleField], async (v) => {
        // halls this page does not list (outside the signed-in manager's halls) are kept as they are
        const hidden = editing.branch_ids.filter((id) => !names.has(id));
        const branch_ids = [...chosenHalls(), ...hidden];
        const patch = {};
        if (v.role !== editing.role) patch.role = v.role;
        const same = branch_ids.length === editing.branch_ids.length && branch_ids.every((id) => editing.branch_ids.includes(id));
        if (!same) patch.branch_ids = branch_ids;
        if (Object.keys(patch).length) await api(`/api/v1/users/${editing.id}`, { method: "PATCH", body: patch });
        await usersView(body);
        say(t("saved"));
      }, t("save"), [halls, button(t("cancel"), () => usersView(body))]);
      node.id = "user-edit-form";
    } else {
      const fields = [
        { key: "username", label: t("username"), attrs: { required: true } },
        { key: "password", label: t("password"), type: "password", attrs: { required: true, minlength: 8 } },
        roleField,
      ];
      node = form(fields, async (v) => {
        await api("/api/v1/users", { method: "POST", body: { username: v.username.trim(), password: v.password, role: v.role, branch_ids: chosenHalls() } });
        say(t("saved"));
        await usersView(body);
      }, t("add"), [halls]);
      node.id = "user-form";
    }
    body.replaceChildren(table(["username", "role", "halls", "active", ""], rows), heading, node);
    if (editing) node.scrollIntoView({ block: "nearest" });
  }

  // ---- devices -------------------------------------------------------------------------------

  async function devicesView(body, created = null) {
    const devices = (await api("/api/v1/devices")).filter((d) => d.branch_id === S.branchId);
    const rows = devices.map((d) => el("tr", { "data-device-id": d.id, class: d.revoked ? "muted" : "" },
      el("td", { class: "num" }, d.id), el("td", {}, t("k_" + d.kind)), el("td", {}, d.name),
      el("td", {}, d.revoked ? t("revoked") : ""),
      el("td", {}, d.revoked ? "" : button(t("revoke"), async () => {
        if (!confirm(t("confirmRemove", { name: d.name }))) return;
        await api(`/api/v1/devices/${d.id}`, { method: "DELETE" });
        await devicesView(body);
      }))));
    const fields = [
      { key: "kind", label: t("kind"), type: "select", value: "kiosk", options: [["kiosk", t("k_kiosk")], ["display", t("k_display")]] },
      { key: "name", label: t("name"), attrs: { required: true, maxlength: 100 } },
    ];
    let shown = null;
    if (created) {
      const page = created.kind === "kiosk" ? `/kiosk?kiosk=${created.id}&token=${created.token}`
        : `/display?branch=${created.branch_id}&token=${created.token}`;
      shown = el("div", { class: "token-once", id: "device-token" }, el("p", {}, t("tokenOnce")),
        el("code", {}, created.token), el("p", {}, el("a", { href: page, target: "_blank" }, location.origin + page)));
    }
    body.replaceChildren(...[shown, table(["", "kind", "name", "state", ""], rows), el("h3", {}, t("add")),
      form(fields, async (v) => {
        const device = await api("/api/v1/devices", { method: "POST", body: { kind: v.kind, name: v.name.trim(), branch_id: S.branchId } });
        await devicesView(body, device);
      }, t("add"))].filter(Boolean));
  }

  const SUBVIEWS = { branch: branchSettings, services: servicesView, counters: countersView, users: usersView, devices: devicesView };

  // Each show() renders into a stage of its own and puts it in place only if no later show()
  // started meanwhile: a slow first load (entering the view) can never replace the form that a
  // second one (the tab clicked at once) rendered and the manager is already typing into.
  let shown = 0;
  let failed = false; // the last render of `sub` failed: its tab tries again
  async function show(name) {
    sub = name;
    const mine = ++shown;
    for (const b of document.querySelectorAll("#config-tabs [data-sub]")) b.classList.toggle("on", b.dataset.sub === name);
    const stage = el("div");
    try {
      await SUBVIEWS[name](stage);
      if (mine === shown) failed = false;
    } catch (err) {
      if (mine === shown) { failed = true; fail(err); }
    }
    if (mine === shown) $("config-body").replaceChildren(stage);
  }

  // A second render of the form on show would replace what the manager is typing into it: the
  // tab of that form, and the Configuration tab while on show, do nothing (unless its last
  // load failed). A language, another hall or coming back to the view render it again.
  let onShow = false;
  function enter() {
    if (!initialised) {
      initialised = true;
      for (const b of document.querySelectorAll("#config-tabs [data-sub]")) b.addEventListener("click", () => {
        if (b.dataset.sub === sub && !failed) return;
        say("");
        show(b.dataset.sub);
      });
    }
    if (onShow && !failed) return;
    onShow = true;
    say("");
    show(sub);
  }

  Admin.register("config", {
    enter,
    leave: () => { onShow = false; },
    relabel: () => { if (initialised && S.view === "config") show(sub); },
  });
})();
