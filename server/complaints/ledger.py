"""The follow-up ledger as a file (CSV or XLSX), its times in each hall's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from server import protocol as p
from server.core.tables import Cell, csv_bytes, xlsx_bytes

T3 = tuple[str, str, str]  # zh-CN, zh-TW, en
COLUMNS: list[T3] = [
    ("编号", "編號", "ID"),
    ("大厅ID", "大廳ID", "Hall ID"),
    ("号码", "號碼", "Ticket"),
    ("投诉编号", "投訴編號", "Complaint"),
    ("原因", "原因", "Reason"),
    ("状态", "狀態", "State"),
    ("开立时间", "開立時間", "Opened"),
    ("应回访时间", "應回訪時間", "Due"),
    ("逾期", "逾期", "Overdue"),
    ("备注", "備註", "Note"),
    ("回访人ID", "回訪人ID", "Done by (user ID)"),
    ("回访时间", "回訪時間", "Done at"),
    ("回访结果", "回訪結果", "Result"),
    ("是否满意", "是否滿意", "Satisfied"),
]
WORDS: dict[str, T3] = {
    "low_rating": ("低分评价", "低分評價", "Low rating"),
    "complaint": ("投诉", "投訴", "Complaint"),
    "manual": ("人工开立", "人工開立", "Opened by staff"),
    "open": ("待回访", "待回訪", "Open"),
    "done": ("已回访", "已回訪", "Done"),
    "yes": ("是", "是", "Yes"),
    "no": ("否", "否", "No"),
}
INDEX = {"zh-CN": 0, "zh-TW": 1, "en": 2}


def _local(value: datetime | None, zone: str) -> datetime | None:
    """A naive date-time in the hall's zone (a spreadsheet cell holds no offset)."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if value else None


def ledger_file(rows: Sequence[p.FollowUp], format: str, locale: str, zones: dict[int, str],
                branch_id: int | None) -> tuple[bytes, str]:  # fmt: skip
    i = INDEX.get(locale, 0)

    def word(key: str | None) -> str | None:
        return None if key is None else WORDS[key][i]

    def yes_no(value: bool | None) -> str | None:
        return None if value is None else word("yes" if value else "no")

    records: list[list[Cell]] = []
    for f in rows:
        zone = zones.get(f.branch_id, "UTC")
        records.append([
            f.id, f.branch_id, f.ticket_number, f.complaint_id, word(f.reason), word(f.state),
            _local(f.created_at, zone), _local(f.due_at, zone), yes_no(f.overdue), f.note,
            f.done_by, _local(f.done_at, zone), f.result, yes_no(f.satisfied),
        ])  # fmt: skip
    header = [c[i] for c in COLUMNS]
    where = f"branch{branch_id}" if branch_id is not None else "all"
    name = f"hallq-follow-ups-{where}.{format}"
    if format == "csv":
        return csv_bytes(header, records), name
    return xlsx_bytes("follow-ups", header, records), name
