"""Tables as files: per-ticket rows and the grouped figures, as CSV (UTF-8 with BOM, so Excel
shows Chinese) or XLSX (numbers as numbers, times as date-times in the hall's local time)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server import protocol as p
from server.core.tables import (  # re-exported: the statistics' exports write through these
    FORMULA_START as FORMULA_START,
)
from server.core.tables import (
    TIME_FORMAT as TIME_FORMAT,
)
from server.core.tables import (
    XLSX_MAX_ROWS as XLSX_MAX_ROWS,
)
from server.core.tables import (
    Cell as Cell,
)
from server.core.tables import (
    content_disposition as content_disposition,
)
from server.core.tables import (
    csv_bytes as csv_bytes,
)
from server.core.tables import (
    csv_chunks as csv_chunks,
)
from server.core.tables import (
    write_csv as write_csv,
)
from server.core.tables import (
    write_xlsx as write_xlsx,
)
from server.core.tables import (
    xlsx_bytes as xlsx_bytes,
)
from server.stats import repository as repo_stats
from server.stats.figures import Scope, within_target
from server.stats.service import Labels

Row = Sequence[Cell]

T3 = tuple[str, str, str]  # zh-CN, zh-TW, en
TICKET_COLUMNS: list[tuple[str, T3]] = [
    ("ticket_id", ("票号ID", "票號ID", "Ticket ID")),
    ("number", ("号码", "號碼", "Number")),
    ("branch", ("大厅", "大廳", "Hall")),
    ("business_date", ("业务日期", "業務日期", "Business date")),
    ("service", ("业务类型", "業務類型", "Service")),
    ("priority", ("类别", "類別", "Priority")),
    ("channel", ("渠道", "渠道", "Channel")),
    ("state", ("状态", "狀態", "State")),
    ("issued_at", ("取号时间", "取號時間", "Issued")),
    ("queued_at", ("入队时间", "入隊時間", "Queued")),
    ("called_at", ("叫号时间", "叫號時間", "Called")),
    ("started_at", ("开始办理", "開始辦理", "Started")),
    ("finished_at", ("结束时间", "結束時間", "Finished")),
    ("wait_s", ("等候(秒)", "等候(秒)", "Wait (s)")),
    ("service_s", ("办理(秒)", "辦理(秒)", "Service (s)")),
    ("within_target", ("等候达标", "等候達標", "Within target")),
    ("counter", ("窗口", "窗口", "Counter")),
    ("clerk", ("工作人员", "工作人員", "Clerk")),
    ("calls", ("叫号次数", "叫號次數", "Calls")),
    ("rating", ("评价", "評價", "Rating")),
    ("outcome", ("办理结果", "辦理結果", "Outcome")),
    ("appointment_start", ("预约时段", "預約時段", "Appointment slot")),
]
GROUP_NAMES: dict[str, T3] = {
    "service": ("业务类型", "業務類型", "Service"),
    "counter": ("窗口", "窗口", "Counter"),
    "clerk": ("工作人员", "工作人員", "Clerk"),
    "hour": ("时段", "時段", "Hour"),
    "day": ("日期", "日期", "Day"),
    "branch": ("大厅", "大廳", "Hall"),
    "region": ("区域", "區域", "Region"),
}
FIGURE_COLUMNS: list[tuple[str, T3]] = [
    ("issued", ("取号", "取號", "Issued")),
    ("served", ("办结", "辦結", "Served")),
    ("no_show", ("过号", "過號", "No-show")),
    ("cancelled", ("取消", "取消", "Cancelled")),
    ("day_closed", ("日终未办", "日終未辦", "Closed at day end")),
    ("waiting_now", ("当前等候", "目前等候", "Waiting now")),
    ("called", ("叫号", "叫號", "Called")),
    ("wait_s.mean", ("平均等候(秒)", "平均等候(秒)", "Wait mean (s)")),
    ("wait_s.median", ("等候中位数(秒)", "等候中位數(秒)", "Wait median (s)")),
    ("wait_s.p90", ("等候P90(秒)", "等候P90(秒)", "Wait p90 (s)")),
    ("wait_s.max", ("最长等候(秒)", "最長等候(秒)", "Wait max (s)")),
    ("service_s.mean", ("平均办理(秒)", "平均辦理(秒)", "Service mean (s)")),
    ("service_s.median", ("办理中位数(秒)", "辦理中位數(秒)", "Service median (s)")),
    ("service_s.p90", ("办理P90(秒)", "辦理P90(秒)", "Service p90 (s)")),
    ("sla_pct", ("达标率(%)", "達標率(%)", "Within target (%)")),
    ("rating.mean", ("平均评价", "平均評價", "Rating mean")),
    ("rating.count", ("评价数", "評價數", "Ratings")),
    ("appointments.booked", ("预约", "預約", "Appointments")),
    ("appointments.checked_in", ("预约签到", "預約報到", "Checked in")),
    ("appointments.missed", ("预约未到", "預約未到", "Missed")),
    ("appointments.cancelled", ("预约取消", "預約取消", "Appointments cancelled")),
]
STATES: dict[str, T3] = {
    "waiting": ("等候中", "等候中", "waiting"),
    "called": ("已叫号", "已叫號", "called"),
    "serving": ("办理中", "辦理中", "serving"),
    "parked": ("暂挂", "暫掛", "parked"),
    "done": ("已办结", "已辦結", "done"),
    "no_show": ("过号", "過號", "no-show"),
    "cancelled": ("已取消", "已取消", "cancelled"),
}
PRIORITIES: dict[str, T3] = {
    "normal": ("普通", "普通", "normal"),
    "priority": ("优先", "優先", "priority"),
    "appointment": ("预约", "預約", "appointment"),
}


def text(words: T3, locale: str) -> str:
    return words[{"zh-CN": 0, "zh-TW": 1}.get(locale, 2)]


def ticket_header(locale: str) -> list[str]:
    return [text(words, locale) for _, words in TICKET_COLUMNS]


def ticket_records(session: Session, scope: Scope, labels: Labels) -> Iterator[list[Cell]]:
    """One row per ticket of the scope, times in the hall's local time."""
    zones = {b.id: ZoneInfo(b.timezone) for b in scope.branches}
    loc = labels.locale

    def local(at: datetime | None, branch_id: int) -> datetime | None:
        return None if at is None else at.astimezone(zones[branch_id]).replace(tzinfo=None)

    for t in repo_stats.ticket_rows(session, scope):
        wait_ms = None if t.called_at is None else _ms(t.called_at, t.queued_at)
        began = t.started_at or t.called_at
        service_ms = _ms(t.finished_at, began) if t.state == "done" and began else None
        yield [
            t.id, t.number, labels.branches.get(t.branch_id, str(t.branch_id)),
            t.business_date.isoformat(), labels.service(t.service_id),
            text(PRIORITIES.get(t.priority, (t.priority,) * 3), loc), t.channel,
            text(STATES.get(t.state, (t.state,) * 3), loc),
            local(t.issued_at, t.branch_id), local(t.queued_at, t.branch_id),
            local(t.called_at, t.branch_id), local(t.started_at, t.branch_id),
            local(t.finished_at, t.branch_id),
            None if wait_ms is None else round(wait_ms / 1000, 1),
            None if service_ms is None else round(service_ms / 1000, 1),
            None if wait_ms is None else int(within_target(wait_ms, t.target_wait_min)),
            labels.counter(t.counter_id), labels.clerk(t.clerk_id), t.calls, t.rating, t.outcome,
            local(t.appointment_start, t.branch_id),
        ]  # fmt: skip


def _ms(a: datetime, b: datetime) -> int:
    return round((a - b).total_seconds() * 1000)


def group_header(group: str, locale: str) -> list[str]:
    return [text(GROUP_NAMES[group], locale)] + [text(w, locale) for _, w in FIGURE_COLUMNS]


def group_records(rows: Sequence[p.StatsRow]) -> Iterator[list[Cell]]:
    for row in rows:
        data = row.model_dump()
        values: list[Cell] = [row.label]
        for key, _ in FIGURE_COLUMNS:
            value: Any = data
            for part in key.split("."):
                value = value[part]
            values.append(value)
        yield values


def filename(kind: str, scope: Scope, extension: str, group: str | None = None) -> str:
    where = f"branch{scope.branches[0].id}" if len(scope.branches) == 1 else "all"
    what = f"{kind}-{group}" if group else kind
    return f"hallq-{what}-{where}-{scope.date_from}_{scope.date_to}.{extension}"
