// Clerk appraisal (绩效考核): one row per clerk over a month or any date range, sortable, a bar
// under each value (its share of the column's largest), CSV / XLSX, and the rules written below.
"use strict";

(() => {
  const { S, $, t, api } = Admin;
  const el = HallQ.el;
  const NS = "http://www.w3.org/2000/svg";
  const dur = (s) => (s == null ? t("none") : Admin.duration(s));
  const hours = (s) => (s == null ? t("none") : Admin.duration(s));
  const pct = (v) => (v == null ? t("none") : `${v.toFixed(1)}%`);
  // [key, value used to sort and chart, shown text, a higher value is worse]
  const COLUMNS = [
    ["a_served", (r) => r.served, String, false],
    ["a_no_show", (r) => r.no_show, String, true],
    ["a_transferred", (r) => r.transferred, String, false],
    ["a_wait", (r) => r.wait_s.mean, dur, true],
    ["a_service", (r) => r.service_s.mean, dur, false],
    ["a_median", (r) => r.service_s.median, dur, false],
    ["a_p90", (r) => r.service_s.p90, dur, false],
    ["a_over", (r) => r.over_limit, String, true],
    ["a_sla", (r) => r.sla_pct, pct, false],
    ["a_rating", (r) => r.rating.mean, (v) => (v == null ? t("none") : v.toFixed(2)), false],
    ["a_rated", (r) => r.rating.count, String, false],
    ["a_low", (r) => r.rating.low, String, true],
    ["a_complaints", (r) => r.complaints.total, String, true],
    ["a_upheld", (r) => r.complaints.upheld, String, true],
    ["a_open", (r) => r.open_s, hours, false],
    ["a_paused", (r) => r.paused_s, hours, false],
    ["a_idle", (r) => r.idle_s, hours, false],
  ];
  let initialised = false;
  let rows = null;
  let sort = { key: "clerk", down: false };

  function params() {
    const p = new URLSearchParams({ branch_id: S.branchId, from: $("appraisal-from").value, to: $("appraisal-to").value });
    p.set("locale", S.lang);
    return p;
  }

  function monthChosen() {
    const month = $("appraisal-month").value; // YYYY-MM
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    const [y, m] = month.split("-").map(Number);
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    $("appraisal-from").value = `${month}-01`;
    $("appraisal-to").value = `${month}-${String(last).padStart(2, "0")}`;
    run();
  }

  function bar(value, peak, worse) {
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 100 6");
    svg.setAttribute("class", "cellbar");
    const rect = document.createElementNS(NS, "rect");
    rect.setAttribute("width", String(peak > 0 && value > 0 ? Math.max(2, (100 * value) / peak) : 0));
    rect.setAttribute("height", "6");
    rect.setAttribute("class", worse ? "worse" : "better");
    svg.append(rect);
    return svg;
  }

  function sorted() {
    const column = COLUMNS.find(([k]) => k === sort.key);
    const value = column ? column[1] : (r) => r.username;
    const out = [...rows].sort((a, b) => {
      const x = value(a), y = value(b);
      if (x == null || y == null) return x == null ? (y == null ? 0 : 1) : -1;
      return typeof x === "string" ? x.localeCompare(y) : x - y;
    });
    return sort.down ? out.reverse() : out;
  }

  function header(key, label) {
    const mark = sort.key === key ? (sort.down ? " ▼" : " ▲") : "";
    return el("th", { "data-sort": key, class: "sortable", onclick: () => {
      sort = { key, down: sort.key === key ? !sort.down : key !== "clerk" };
      render();
    } }, label + mark);
  }

  function render() {
    if (!rows) return;
    const table = $("appraisal-table");
    table.tHead.replaceChildren(el("tr", {}, header("clerk", t("clerk")), COLUMNS.map(([k]) => header(k, t(k)))));
    const peaks = COLUMNS.map(([, get]) => Math.max(0, ...rows.map((r) => get(r) || 0)));
    table.tBodies[0].replaceChildren(...sorted().map((r) => el("tr", { "data-clerk": r.username },
      el("td", {}, r.username),
      COLUMNS.map(([key, get, show, worse], i) => el("td", { class: "num fig", "data-figure": key },
        el("span", {}, show(get(r))), bar(get(r) || 0, peaks[i], worse))))));
    if (!rows.length) table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: COLUMNS.length + 1, class: "nodata" }, t("noData"))));
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    $("appraisal-error").textContent = "";
    try {
      rows = await api(`/api/v1/stats/clerks?${params()}`);
      render();
    } catch (err) {
      $("appraisal-error").textContent = t("error", { detail: err.detail || err.message });
    }
  }

  async function download(ev) {
    ev.preventDefault();
    const p = params();
    p.set("format", ev.currentTarget.dataset.format);
    await Quality.download(`/api/v1/stats/clerks?${p}`, $("appraisal-error"));
  }

  function enter() {
    const branch = Admin.branch();
    if (!initialised && branch) {
      initialised = true;
      const today = Admin.localDate(Date.now(), branch.timezone);
      $("appraisal-month").value = today.slice(0, 7);
      $("appraisal-from").value = today.slice(0, 8) + "01";
      $("appraisal-to").value = today;
      $("appraisal-form").addEventListener("submit", run);
      $("appraisal-month").addEventListener("change", monthChosen);
      for (const a of document.querySelectorAll("#appraisal-form [data-format]")) { a.href = "#"; a.addEventListener("click", download); }
    }
    run();
  }

  Admin.register("appraisal", { enter, relabel: () => { if (initialised) render(); } });
})();
