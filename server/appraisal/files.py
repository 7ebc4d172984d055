"""The ratings list and the appraisal table as CSV or XLSX, through the formula-safe writer of
server/stats/reports/export.py (a comment starting with `=` stays text)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from server import protocol as p
from server.stats.figures import Scope
from server.stats.reports.export import T3, Cell, text
from server.stats.service import Labels

RATING_COLUMNS: list[T3] = [
    ("号码", "號碼", "Number"), ("大厅", "大廳", "Hall"), ("业务日期", "業務日期", "Business date"),
    ("业务类型", "業務類型", "Service"), ("窗口", "窗口", "Counter"),
    ("工作人员", "工作人員", "Clerk"), ("评分", "評分", "Score"), ("意见", "意見", "Comment"),
    ("评价时间", "評價時間", "Rated at"),
]  # fmt: skip
APPRAISAL_COLUMNS: list[T3] = [
    ("工作人员", "工作人員", "Clerk"), ("办结", "辦結", "Served"), ("过号", "過號", "No-show"),
    ("转办", "轉辦", "Transferred"), ("平均等候(秒)", "平均等候(秒)", "Wait mean (s)"),
    ("平均办理(秒)", "平均辦理(秒)", "Service mean (s)"),
    ("办理中位数(秒)", "辦理中位數(秒)", "Service median (s)"),
    ("办理P90(秒)", "辦理P90(秒)", "Service p90 (s)"), ("超时办理", "超時辦理", "Over limit"),
    ("达标率(%)", "達標率(%)", "Within target (%)"), ("平均评价", "平均評價", "Rating mean"),
    ("评价数", "評價數", "Ratings"), ("差评(1–2)", "差評(1–2)", "Low ratings (1–2)"),
    ("投诉", "投訴", "Complaints"), ("投诉属实", "投訴屬實", "Upheld"),
    ("开窗(时)", "開窗(時)", "Open (h)"), ("暂停(时)", "暫停(時)", "Paused (h)"),
    ("空闲(时)", "空閒(時)", "Idle (h)"),
]  # fmt: skip


def rating_header(locale: str) -> list[str]:
    return [text(words, locale) for words in RATING_COLUMNS]


def rating_records(
    rows: Sequence[p.RatingOut], scope: Scope, labels: Labels
) -> Iterator[list[Cell]]:
    zones = {b.id: ZoneInfo(b.timezone) for b in scope.branches}
    for r in rows:
        rated = (
            r.rated_at.astimezone(zones[r.branch_id]).replace(tzinfo=None) if r.rated_at else None
        )
        yield [
            r.number, labels.branches.get(r.branch_id, str(r.branch_id)),
            r.business_date.isoformat(), labels.service(r.service_id),
            labels.counter(r.counter_id), labels.clerk(r.clerk_id),
            r.score, r.comment, rated,
        ]  # fmt: skip


def appraisal_header(locale: str) -> list[str]:
    return [text(words, locale) for words in APPRAISAL_COLUMNS]


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def appraisal_records(rows: Sequence[p.ClerkAppraisal]) -> Iterator[list[Cell]]:
    for r in rows:
        yield [
            r.username, r.served, r.no_show, r.transferred, r.wait_s.mean, r.service_s.mean,
            r.service_s.median, r.service_s.p90, r.over_limit, r.sla_pct, r.rating.mean,
            r.rating.count, r.rating.low, r.complaints.total, r.complaints.upheld,
            _hours(r.open_s), _hours(r.paused_s), _hours(r.idle_s),
        ]  # fmt: skip


def filename(kind: str, scope: Scope, extension: str) -> str:
    where = f"branch{scope.branches[0].id}" if len(scope.branches) == 1 else "all"
    return f"hallq-{kind}-{where}-{scope.date_from}_{scope.date_to}.{extension}"
