"""The inspection ledger as a table (the export's columns, in the page's language)."""

from __future__ import annotations

from collections.abc import Sequence

from server import protocol as p
from server.stats.reports.export import Cell

COLUMNS = {
    "zh-CN": [
        "编号", "大厅", "日期", "巡视人", "得分", "检查项", "发现问题", "整改措施", "记录时间",
    ],
    "zh-TW": [
        "編號", "大廳", "日期", "巡視人", "得分", "檢查項", "發現問題", "整改措施", "記錄時間",
    ],
    "en": [
        "Id", "Hall", "Date", "Inspector", "Score", "Checklist", "Findings", "Actions", "Recorded",
    ],
}  # fmt: skip


def table(rows: Sequence[p.Inspection], locale: str) -> tuple[list[str], list[list[Cell]]]:
    records: list[list[Cell]] = [
        [
            r.id,
            r.branch_id,
            r.date.isoformat(),
            r.inspector,
            r.score,
            "; ".join(f"{'✓' if c.ok else '✗'} {c.item}" for c in r.checklist),
            r.findings,
            r.actions,
            r.created_at.replace(tzinfo=None),
        ]
        for r in rows
    ]
    return COLUMNS.get(locale, COLUMNS["en"]), records
