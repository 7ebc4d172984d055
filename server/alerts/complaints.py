"""`complaint_overdue`: a complaint still unanswered after its reply deadline (the branch
setting `complaint_reply_hours`), one alert per complaint, cleared once it is resolved or
rejected. A condition source of the alert rules (server/alerts/conditions.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.alerts.conditions import source
from server.alerts.domain import Condition
from server.complaints.domain import FINAL
from server.complaints.models import Complaint
from server.core.models import Branch


@source
def overdue_complaints(session: Session, branch: Branch, now: datetime) -> Iterable[Condition]:
    rows = session.scalars(
        select(Complaint).where(
            Complaint.branch_id == branch.id,
            Complaint.state.not_in(FINAL),
            Complaint.due_at < now,
        )
    ).all()
    for complaint in rows:
        subject = {"complaint_id": complaint.id}
        if complaint.counter_id is not None:
            subject["counter_id"] = complaint.counter_id
        yield Condition("complaint_overdue", f"complaint:{complaint.id}", subject, {
            "category": complaint.category, "state": complaint.state,
            "due_at": complaint.due_at.isoformat(),
        })  # fmt: skip
