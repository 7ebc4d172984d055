// Statistics: a date range, a hall / region / all halls, a grouping; figures, SVG charts, table,
// and CSV / XLSX downloads (per ticket and grouped).
"use strict";

(() => {
  const { S, $, t, api } = Admin;
  const el = HallQ.el;
  const FIGURES = [
    ["issued", (r) => r.issued], ["served", (r) => r.served], ["no_show", (r) => r.no_show],
    ["cancelled", (r) => r.cancelled], ["day_closed", (r) => r.day_closed ?? 0],
    ["waiting_now", (r) => r.waiting_now],
    ["wait_mean", (r) => dur(r.wait_s.mean)], ["wait_median", (r) => dur(r.wait_s.median)],
    ["wait_p90", (r) => dur(r.wait_s.p90)], ["wait_max", (r) => dur(r.wait_s.max)],
    ["service_mean", (r) => dur(r.service_s.mean)], ["service_median", (r) => dur(r.service_s.median)],
    ["service_p90", (r) => dur(r.service_s.p90)], ["sla_pct", (r) => pct(r.sla_pct)],
    ["rating", (r) => (r.rating.mean == null ? t("none") : r.rating.mean.toFixed(2))],
    ["ratings", (r) => r.rating.count],
  ];
  let initialised = false;
  let last = null; // the last answer, re-rendered on a language change

  const dur = (s) => (s == null ? t("none") : Admin.duration(s));
  const pct = (v) => (v == null ? t("none") : `${v.toFixed(1)}%`);

  function scopeParams() {
    const value = $("stats-scope").value;
    const params = new URLSearchParams({ from: $("stats-from").value, to: $("stats-to").value });
    if (value.startsWith("b:")) params.set("branch_id", value.slice(2));
    else if (value.startsWith("r:")) params.set("region", value.slice(2));
    return params;
  }

  function fillScopes() {
    const select = $("stats-scope");
    const kept = select.value;
    const regions = [...new Set(S.branches.map((b) => b.region).filter(Boolean))].sort();
    select.replaceChildren(
      ...S.branches.map((b) => el("option", { value: `b:${b.id}` }, b.name)),
      ...regions.map((r) => el("option", { value: `r:${r}` }, `${t("region")} · ${r}`)),
      el("option", { value: "all" }, t("allHalls")),
    );
    select.value = kept && [...select.options].some((o) => o.value === kept) ? kept : `b:${S.branchId}`;
    for (const o of $("stats-group").options) o.textContent = t("g_" + o.value);
  }

  function links() {
    const base = scopeParams();
    const group = $("stats-group").value;
    const set = (id, extra) => {
      const params = new URLSearchParams(base);
      for (const [k, v] of Object.entries(extra)) params.set(k, v);
      params.set("locale", S.lang);
      $(id).dataset.href = `/api/v1/stats/export?${params}`;
    };
    set("dl-tickets-csv", { format: "csv", kind: "tickets" });
    set("dl-tickets-xlsx", { format: "xlsx", kind: "tickets" });
    set("dl-grouped-csv", { format: "csv", kind: "grouped", group_by: group });
    set("dl-grouped-xlsx", { format: "xlsx", kind: "grouped", group_by: group });
  }

  // The server runs a few exports at a time and refuses more (429 with Retry-After).
  const BUSY = {
    "zh-CN": { busy: "其他导出正在进行，请 {s} 秒后再试。" },
    "zh-TW": { busy: "其他匯出正在進行，請 {s} 秒後再試。" },
    en: { busy: "Other exports are running; try again in {s} seconds." },
  };

  // Downloads need the bearer token, so fetch the file and hand the browser a blob URL.
  async function download(ev) {
    ev.preventDefault();
    const link = ev.currentTarget;
    links();
    const resp = await fetch(link.dataset.href, { headers: { Authorization: `Bearer ${S.token}` } });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      $("stats-error").textContent = resp.status === 429
        ? HallQ.t(BUSY, S.lang, "busy", { s: resp.headers.get("Retry-After") || 5 })
        : t("error", { detail: body.detail || resp.status });
      return;
    }
    const blob = await resp.blob();
    const match = /filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "");
    const a = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : "hallq-export" });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    $("stats-error").textContent = "";
    links();
    const params = scopeParams();
    const group = $("stats-group").value;
    const q = (path, extra = {}) => {
      const p = new URLSearchParams(params);
      for (const [k, v] of Object.entries(extra)) p.set(k, v);
      p.set("locale", S.lang);
      return api(`/api/v1/stats/${path}?${p}`);
    };
    try {
      const [summary, rows, hours, services, clerks, waits] = await Promise.all([
        q("summary"), q("breakdown", { group_by: group }), q("breakdown", { group_by: "hour" }),
        q("breakdown", { group_by: "service" }), q("breakdown", { group_by: "clerk" }), q("wait-distribution"),
      ]);
      last = { summary, rows, hours, services, clerks, waits, group };
      render();
    } catch (err) {
      $("stats-error").textContent = t("error", { detail: err.detail || err.message });
    }
  }

  function render() {
    if (!last) return;
    const { summary, rows, hours, services, clerks, waits, group } = last;
    $("stats-summary").replaceChildren(...FIGURES.map(([key, get]) =>
      el("div", { class: "figure", "data-figure": key }, el("span", { class: "k" }, t(key)), el("b", {}, get(summary)))));
    const noData = t("noData");
    const hourKeys = hours.map((r) => r.key);
    const span = [];
    for (let h = Math.min(8, ...hourKeys); h <= Math.max(17, ...hourKeys); h += 1) span.push(h);
    Charts.bars($("chart-hours"), span.map(String),
      span.map((h) => (hours.find((r) => r.key === h) || { issued: 0 }).issued), { color: "#0d6efd", noData });
    Charts.bars($("chart-waits"), waits.map((b) => (b.to_s == null ? `${b.from_s / 60}+` : `${b.from_s / 60}–${b.to_s / 60}`)),
      waits.map((b) => b.count), { color: "#fd7e14", noData });
    const withCalls = services.filter((r) => r.called > 0);
    Charts.hbars($("chart-sla"), withCalls.map((r) => r.label), withCalls.map((r) => r.sla_pct),
      { color: "#198754", max: 100, fmt: (v) => `${v.toFixed(0)}%`, noData });
    const staffed = clerks.filter((r) => r.key !== null).sort((a, b) => b.served - a.served);
    Charts.hbars($("chart-clerks"), staffed.map((r) => r.label), staffed.map((r) => r.served),
      { color: "#6f42c1", notes: staffed.map((r) => dur(r.service_s.mean)), noData });
    const table = $("stats-table");
    table.tHead.replaceChildren(el("tr", {}, el("th", {}, t("g_" + group)), FIGURES.map(([k]) => el("th", {}, t(k)))));
    table.tBodies[0].replaceChildren(...rows.map((r) =>
      el("tr", { "data-key": r.key === null ? "" : r.key }, el("td", {}, r.label), FIGURES.map(([, get]) => el("td", { class: "num" }, get(r))))));
  }

  function enter() {
    const branch = Admin.branch();
    if (!initialised && branch) {
      initialised = true;
      const today = Admin.localDate(Date.now(), branch.timezone);
      $("stats-from").value = today;
      $("stats-to").value = today;
      $("stats-form").addEventListener("submit", run);
      for (const id of ["dl-tickets-csv", "dl-tickets-xlsx", "dl-grouped-csv", "dl-grouped-xlsx"]) {
        $(id).href = "#";
        $(id).addEventListener("click", download);
      }
    }
    fillScopes();
    links();
    run();
  }

  Admin.register("stats", { enter, relabel: () => { if (initialised) { fillScopes(); render(); } } });
})();
