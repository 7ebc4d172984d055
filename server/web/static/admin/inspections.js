// Inspections (巡视) of the chosen hall: the ledger, a form to record one, CSV/XLSX export.
"use strict";

(() => {
  const { S, $, api } = Admin;
  const el = HallQ.el;
  const TEXT = {
    "zh-CN": {
      inspections: "巡视", date: "日期", inspector: "巡视人", score: "得分", checklist: "检查项（每行一项，不合格项前加 ✗ 或 x）",
      checks: "检查项", findings: "发现问题", actions: "整改措施", record: "记录巡视", recorded: "已记录",
      none: "暂无巡视记录", download: "导出", lastDays: "近 90 天", hint: "得分留空时按检查项合格比例计算",
    },
    "zh-TW": {
      inspections: "巡視", date: "日期", inspector: "巡視人", score: "得分", checklist: "檢查項（每行一項，不合格項前加 ✗ 或 x）",
      checks: "檢查項", findings: "發現問題", actions: "整改措施", record: "記錄巡視", recorded: "已記錄",
      none: "暫無巡視紀錄", download: "匯出", lastDays: "近 90 天", hint: "得分留空時按檢查項合格比例計算",
    },
    en: {
      inspections: "Inspections", date: "Date", inspector: "Inspector", score: "Score",
      checklist: "Checklist (one item a line; start a failed one with ✗ or x)", checks: "Checklist",
      findings: "Findings", actions: "Follow-up actions", record: "Record inspection", recorded: "Recorded",
      none: "No inspections yet", download: "Export", lastDays: "last 90 days",
      hint: "Leave the score empty to use the share of checklist items passed",
    },
  };
  const t = (key, vars) => HallQ.t(TEXT, S.lang, key, vars);
  let initialised = false;

  function today() { return Admin.localDate(Date.now(), (Admin.branch() || {}).timezone || "UTC"); }

  function checklist() {
    return $("insp-checklist").value.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
      const failed = /^(✗|x\s)/i.test(line);
      return { item: failed ? line.replace(/^(✗|x)\s*/i, "") : line.replace(/^✓\s*/, ""), ok: !failed };
    });
  }

  async function record(ev) {
    ev.preventDefault();
    $("insp-msg").textContent = "";
    const body = { branch_id: S.branchId, date: $("insp-date").value, checklist: checklist(),
      findings: $("insp-findings").value, actions: $("insp-actions").value };
    if ($("insp-score").value !== "") body.score = Number($("insp-score").value);
    try {
      await api("/api/v1/inspections", { method: "POST", body, idempotencyKey: HallQ.uuid() });
      $("insp-msg").textContent = t("recorded");
      $("insp-form").reset();
      $("insp-date").value = today();
      await list();
    } catch (err) {
      $("insp-msg").textContent = Admin.t("error", { detail: err.detail || err.message });
    }
  }

  async function list() {
    const table = $("insp-table");
    table.tHead.replaceChildren(el("tr", {}, ["date", "inspector", "score", "checks", "findings", "actions"].map((k) => el("th", {}, t(k)))));
    try {
      const rows = await api(`/api/v1/inspections?branch_id=${S.branchId}`);
      table.tBodies[0].replaceChildren(...(rows.length ? rows.map((r) => el("tr", {},
        el("td", { class: "num" }, r.date), el("td", {}, r.inspector), el("td", { class: "num" }, r.score),
        el("td", {}, r.checklist.map((c) => `${c.ok ? "✓" : "✗"} ${c.item}`).join("；")),
        el("td", {}, r.findings), el("td", {}, r.actions))) : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, t("none")))]));
    } catch (err) {
      table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "error" }, Admin.t("error", { detail: err.detail || err.message }))));
    }
  }

  async function download(ev) {
    ev.preventDefault();
    const format = ev.currentTarget.dataset.format;
    const resp = await fetch(`/api/v1/inspections/export?branch_id=${S.branchId}&format=${format}&locale=${S.lang}`,
      { headers: { Authorization: `Bearer ${S.token}` } });
    if (!resp.ok) { $("insp-msg").textContent = Admin.t("error", { detail: resp.status }); return; }
    const a = el("a", { href: URL.createObjectURL(await resp.blob()), download: `inspections.${format}` });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function relabel() {
    for (const node of document.querySelectorAll("#inspections-view [data-t]")) node.textContent = t(node.dataset.t);
    $("insp-msg").textContent = "";
    if (initialised && S.view === "inspections") list();
  }

  function enter() {
    if (!initialised) {
      initialised = true;
      $("insp-form").addEventListener("submit", record);
      for (const a of document.querySelectorAll("#inspections-view [data-format]")) a.addEventListener("click", download);
    }
    $("insp-date").value = $("insp-date").value || today();
    relabel();
    list();
  }

  Admin.register("inspections", { enter, relabel });
})();
