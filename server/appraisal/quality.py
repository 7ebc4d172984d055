"""The quality figures of a period for the daily and monthly reports: complaints (by category,
overdue, upheld) and follow-up completion, over the complaints and tasks recorded in the
scope's halls within its business dates. The clerk table beside them is the appraisal's
(service.clerks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.complaints.domain import FINAL
from server.complaints.models import Complaint, FollowUp
from server.stats import repository as repo_stats
from server.stats.figures import Scope

CATEGORIES = ("attitude", "efficiency", "error", "environment", "policy", "other")


@dataclass(frozen=True)
class ComplaintFigures:
    total: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    upheld: int = 0  # resolved and found upheld (属实)
    answered: int = 0  # resolved or rejected
    late: int = 0  # answered after their deadline
    overdue: int = 0  # still unanswered past their deadline at the report's time

    @property
    def missed_deadline(self) -> int:
        """Not answered in time: answered late, or not answered and past the deadline."""
        return self.late + self.overdue


@dataclass(frozen=True)
class FollowUpFigures:
    opened: int = 0
    done: int = 0  # of those opened, called back
    on_time: int = 0  # done by their due date
    asked: int = 0  # done and the customer said whether satisfied
    satisfied: int = 0

    @property
    def done_pct(self) -> float | None:
        return round(100 * self.done / self.opened, 1) if self.opened else None

    @property
    def on_time_pct(self) -> float | None:
        return round(100 * self.on_time / self.opened, 1) if self.opened else None

    @property
    def satisfied_pct(self) -> float | None:
        return round(100 * self.satisfied / self.asked, 1) if self.asked else None


@dataclass(frozen=True)
class Quality:
    complaints: ComplaintFigures
    follow_ups: FollowUpFigures


def quality(session: Session, scope: Scope, now: datetime) -> Quality:
    """The complaints and follow-up tasks recorded in the scope's halls and dates, as they
    stand at `now`."""
    if not scope.branches:
        return Quality(ComplaintFigures(), FollowUpFigures())
    return Quality(_complaints(session, scope, now), _follow_ups(session, scope))


def _complaints(session: Session, scope: Scope, now: datetime) -> ComplaintFigures:
    since, until = scope.utc_window()
    answered = Complaint.state.in_(FINAL)
    query = (
        select(
            Complaint.category,
            func.count(),
            func.count().filter(answered, Complaint.upheld.is_(True)),
            func.count().filter(answered),
            func.count().filter(answered, Complaint.resolved_at > Complaint.due_at),
            func.count().filter(~answered, Complaint.due_at < now),
        )
        .where(
            Complaint.branch_id.in_(scope.branch_ids),
            Complaint.created_at >= since,
            Complaint.created_at < until,
        )
        .group_by(Complaint.category)
    )
    by_category: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    sums = [0, 0, 0, 0]
    for category, total, *counts in repo_stats.rows(session, query):
        by_category[category] = by_category.get(category, 0) + int(total)
        sums = [a + int(b) for a, b in zip(sums, counts, strict=True)]
    upheld, done, late, overdue = sums
    return ComplaintFigures(sum(by_category.values()), by_category, upheld, done, late, overdue)


def _follow_ups(session: Session, scope: Scope) -> FollowUpFigures:
    since, until = scope.utc_window()
    done = FollowUp.state == "done"
    query = select(
        func.count(),
        func.count().filter(done),
        func.count().filter(done, FollowUp.done_at <= FollowUp.due_at),
        func.count().filter(done, FollowUp.satisfied.is_not(None)),
        func.count().filter(done, FollowUp.satisfied.is_(True)),
    ).where(
        FollowUp.branch_id.in_(scope.branch_ids),
        FollowUp.created_at >= since,
        FollowUp.created_at < until,
    )
    row = next(iter(repo_stats.rows(session, query)))
    return FollowUpFigures(*(int(n) for n in row))
