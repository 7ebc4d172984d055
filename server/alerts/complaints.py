"""`complaint_overdue`: a complaint still unanswered after its reply deadline (the branch
setting `complaint_reply_hours`), one alert per complaint, cleared once it is resolved or
rejected. A condition source of the alert rules (server/alerts/conditions.py): the unanswered
complaints are read at once, the overdue ones are conditions and the next deadline is when the
hall is due again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.alerts.conditions import source
from server.alerts.domain import Condition, Evaluation
from server.complaints.domain import FINAL, is_overdue
from server.complaints.models import Complaint
from server.core.models import Branch


@source
def overdue_complaints(
    session: Session, branches: Sequence[Branch], now: datetime
) -> dict[int, Evaluation]:
    rows = session.scalars(
        select(Complaint).where(Complaint.branch_id.in_([b.id for b in branches]),
                                Complaint.state.not_in(FINAL))
    ).all()  # fmt: skip
    out: dict[int, Evaluation] = {}
    for complaint in rows:
        mine = out.setdefault(complaint.branch_id, Evaluation([], None))
        if not is_overdue(complaint.state, complaint.due_at, now):
            after = complaint.due_at + timedelta(microseconds=1)
            due = after if mine.next_due is None else min(mine.next_due, after)
            out[complaint.branch_id] = Evaluation(mine.conditions, due)
            continue
        subject = {"complaint_id": complaint.id}
        if complaint.counter_id is not None:
            subject["counter_id"] = complaint.counter_id
        detail = {"category": complaint.category, "state": complaint.state,
                  "due_at": complaint.due_at.isoformat()}  # fmt: skip
        key = f"complaint:{complaint.id}"
        mine.conditions.append(Condition("complaint_overdue", key, subject, detail))
    return out
