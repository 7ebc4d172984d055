// Today's appointments (预约): every booking of a day with its customer's name and phone (staff
// only), by slot: booked, checked in (with the ticket's number), missed, cancelled; the ones
// whose slot is no longer inside the hall's hours are marked.
"use strict";

(() => {
  const { S, $, api } = Admin;
  const el = HallQ.el;
  const TEXTS = {
    "zh-CN": {
      tab: "今日预约", date: "日期", state: "状态", show: "查询", all: "全部", time: "时段", service: "业务",
      name: "姓名", phone: "手机", code: "签到码", ticket: "号码", channel: "来源", web: "网上", staff: "工作人员",
      booked: "已预约", checked_in: "已签到", missed: "未到", cancelled: "已取消", empty: "这一天没有预约",
      outside: "已不在营业时间内", counts: "预约 {booked} · 已签到 {checked_in} · 未到 {missed} · 取消 {cancelled}",
      error: "出错了：{detail}", bookLink: "打开预约页面", none: "—",
      privacy: "姓名和手机号只供本厅工作人员使用，到期自动删除（设置 appointment_personal_days）。",
    },
    "zh-TW": {
      tab: "今日預約", date: "日期", state: "狀態", show: "查詢", all: "全部", time: "時段", service: "業務",
      name: "姓名", phone: "手機", code: "報到碼", ticket: "號碼", channel: "來源", web: "網路", staff: "工作人員",
      booked: "已預約", checked_in: "已報到", missed: "未到", cancelled: "已取消", empty: "這一天沒有預約",
      outside: "已不在營業時間內", counts: "預約 {booked} · 已報到 {checked_in} · 未到 {missed} · 取消 {cancelled}",
      error: "發生錯誤：{detail}", bookLink: "開啟預約頁面", none: "—",
      privacy: "姓名和手機號碼只供本廳工作人員使用，到期自動刪除（設定 appointment_personal_days）。",
    },
    en: {
      tab: "Today's appointments", date: "Date", state: "State", show: "Show", all: "All", time: "Time",
      service: "Service", name: "Name", phone: "Phone", code: "Code", ticket: "Ticket", channel: "Booked by",
      web: "online", staff: "staff", booked: "Booked", checked_in: "Checked in", missed: "Missed",
      cancelled: "Cancelled", empty: "No appointments on this day", outside: "no longer within the opening hours",
      counts: "Booked {booked} · checked in {checked_in} · missed {missed} · cancelled {cancelled}",
      error: "Error: {detail}", bookLink: "Open the booking page", none: "—",
      privacy: "Names and phones are for this hall's staff only and are deleted in time (setting appointment_personal_days).",
    },
  };
  const STATES = ["booked", "checked_in", "missed", "cancelled"];
  const f = (key, vars) => HallQ.t(TEXTS, S.lang, key, vars);
  const tz = () => (Admin.branch() || {}).timezone || "UTC";
  let initialised = false;
  let rows = [];
  let services = {};
  let timer = null;

  function relabel() {
    $("tab-appointments").textContent = f("tab");
    for (const node of document.querySelectorAll("[data-ap]")) node.textContent = f(node.dataset.ap);
    const select = $("appointments-state");
    const kept = select.value;
    select.replaceChildren(el("option", { value: "" }, f("all")), ...STATES.map((s) => el("option", { value: s }, f(s))));
    select.value = kept;
    if (initialised) render();
  }

  const hhmm = (iso) => HallQ.zoned(new Date(iso), "zh-CN", tz(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function render() {
    const table = $("appointments-table");
    table.tHead.replaceChildren(el("tr", {}, ["time", "service", "name", "phone", "state", "code", "ticket", "channel"]
      .map((k) => el("th", {}, f(k)))));
    const counts = { booked: rows.length, checked_in: 0, missed: 0, cancelled: 0 };
    for (const a of rows) if (a.state in counts && a.state !== "booked") counts[a.state] += 1;
    $("appointments-counts").textContent = f("counts", counts);
    if (!rows.length) {
      table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 8, class: "muted" }, f("empty"))));
      return;
    }
    table.tBodies[0].replaceChildren(...rows.map((a) => el("tr", { "data-id": a.id, "data-state": a.state, class: a.outside_hours ? "over" : "" },
      el("td", { class: "num" }, `${hhmm(a.start)}–${hhmm(a.end)}`,
        a.outside_hours ? el("span", { class: "flag", title: f("outside") }, f("outside")) : null),
      el("td", {}, HallQ.name(services[a.service_id], S.lang) || String(a.service_id)),
      el("td", { class: "text" }, a.name || f("none")),
      el("td", {}, a.phone || f("none")),
      el("td", {}, el("span", { class: `badge ${a.state}` }, f(a.state))),
      el("td", { class: "num" }, a.state === "booked" ? a.code : f("none")),
      el("td", {}, a.ticket_number || f("none")),
      el("td", {}, f(a.channel)))));
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    const params = new URLSearchParams({ branch_id: S.branchId, date: $("appointments-date").value, limit: 1000 });
    if ($("appointments-state").value) params.set("state", $("appointments-state").value);
    try {
      const [found, list] = await Promise.all([api(`/api/v1/appointments?${params}`), api(`/api/v1/services?branch_id=${S.branchId}`)]);
      services = Object.fromEntries(list.map((s) => [s.id, s.name]));
      rows = found;
      render();
    } catch (err) {
      $("appointments-counts").textContent = f("error", { detail: err.detail || err.message });
    }
  }

  function enter() {
    if (!initialised) {
      initialised = true;
      $("appointments-form").addEventListener("submit", run);
    }
    $("appointments-date").value = Admin.localDate(Date.now(), tz());
    $("appointments-book").href = `/book?branch=${S.branchId}`;
    relabel();
    run();
    clearInterval(timer);
    timer = setInterval(() => run(), 30000); // check-ins and cancellations come in all day
  }

  function leave() { clearInterval(timer); }

  Admin.register("appointments", { enter, leave, relabel });
})();
