// Ratings: the customers' scores with their comments (shown as text), filtered by date, score,
// service, counter and clerk; low scores marked; CSV / XLSX through the export lane.
"use strict";

(() => {
  const { S, $, t, api } = Admin;
  const el = HallQ.el;
  let initialised = false;
  let names = { services: [], counters: [] };
  let last = null;

  function params() {
    const p = new URLSearchParams({ branch_id: S.branchId, from: $("ratings-from").value, to: $("ratings-to").value });
    for (const [id, key] of [["ratings-score", "max_score"], ["ratings-service", "service_id"],
      ["ratings-counter", "counter_id"], ["ratings-clerk", "clerk_id"]]) {
      if ($(id).value) p.set(key, $(id).value);
    }
    p.set("locale", S.lang);
    return p;
  }

  function options(select, items, label) {
    const kept = select.value;
    select.replaceChildren(el("option", { value: "" }, t("all")), ...items.map((x) => el("option", { value: x.id }, label(x))));
    select.value = kept;
  }

  function fill() {
    const score = $("ratings-score");
    const kept = score.value;
    score.replaceChildren(el("option", { value: "" }, t("anyScore")), el("option", { value: "2" }, t("lowOnly")),
      ...[1, 3, 4].map((n) => el("option", { value: String(n) }, t("upTo", { n }))));
    score.value = kept;
    options($("ratings-service"), names.services, (s) => HallQ.name(s.name, S.lang));
    options($("ratings-counter"), names.counters, (c) => `${c.number} ${HallQ.counterExtraName(c)}`.trim());
    options($("ratings-clerk"), S.users.filter((u) => u.role === "clerk"), (u) => u.username);
  }

  const serviceName = (id) => HallQ.name((names.services.find((s) => s.id === id) || {}).name, S.lang) || `#${id}`;
  const counterName = (id) => (id == null ? t("none") : String((names.counters.find((c) => c.id === id) || { number: `#${id}` }).number));

  function render() {
    if (!last) return;
    const tz = (Admin.branch() || {}).timezone || "UTC";
    const table = $("ratings-table");
    table.tHead.replaceChildren(el("tr", {}, ["ratedAt", "ticket", "service", "counter", "clerk", "score", "comment"]
      .map((k) => el("th", {}, t(k)))));
    table.tBodies[0].replaceChildren(...last.map((r) => el("tr", { class: r.score <= 2 ? "low" : "", "data-ticket": r.number },
      el("td", { class: "num" }, Admin.localTime(r.rated_at, tz)), el("td", {}, r.number), el("td", {}, serviceName(r.service_id)),
      el("td", {}, counterName(r.counter_id)), el("td", {}, Admin.username(r.clerk_id)),
      el("td", { class: r.score <= 2 ? "stars bad" : "stars" }, "★".repeat(r.score) + "☆".repeat(5 - r.score)),
      el("td", { class: "comment" }, r.comment || ""))));
    const low = last.filter((r) => r.score <= 2).length;
    $("ratings-count").textContent = t("nRatings", { n: last.length, low });
  }

  async function run(ev) {
    if (ev) ev.preventDefault();
    $("ratings-error").textContent = "";
    try {
      last = await api(`/api/v1/ratings?${params()}`);
      render();
    } catch (err) {
      $("ratings-error").textContent = t("error", { detail: err.detail || err.message });
    }
  }

  async function download(ev) {
    ev.preventDefault();
    const p = params();
    p.set("format", ev.currentTarget.dataset.format);
    await Quality.download(`/api/v1/ratings?${p}`, $("ratings-error"));
  }

  async function enter() {
    const branch = Admin.branch();
    if (!initialised && branch) {
      initialised = true;
      const today = Admin.localDate(Date.now(), branch.timezone);
      $("ratings-to").value = today;
      $("ratings-from").value = today.slice(0, 8) + "01";
      $("ratings-form").addEventListener("submit", run);
      for (const a of document.querySelectorAll("#ratings-form [data-format]")) { a.href = "#"; a.addEventListener("click", download); }
    }
    try {
      const [services, counters] = await Promise.all([api(`/api/v1/services?branch_id=${S.branchId}`),
        api(`/api/v1/counters?branch_id=${S.branchId}`)]);
      names = { services, counters };
    } catch { names = { services: [], counters: [] }; }
    fill();
    run();
  }

  Admin.register("ratings", { enter, relabel: () => { if (initialised) { fill(); render(); } } });
})();
