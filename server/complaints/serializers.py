"""How complaint and follow-up events are stored and sent.

Every display and counter page of the hall reads the branch's stream, so the records say what
changed (ids, states, category, assignee, deadline) and never the customer's words, contact or
the resolution: those stay in the complaint's own rows, read by managers only."""

from __future__ import annotations

from typing import Any

from server.complaints.domain import (
    ComplaintEvent,
    ComplaintUpdated,
    FollowUpEvent,
)
from server.complaints.models import Complaint, FollowUp
from server.core.events import Record, serializer
from server.core.unit_of_work import UnitOfWork


@serializer(ComplaintEvent)
def complaint_record(uow: UnitOfWork, event: ComplaintEvent) -> Record:
    row = uow.session.get(Complaint, event.complaint_id)
    assert row is not None  # the event's own complaint, written by the change
    data: dict[str, Any] = {
        "id": row.id, "ticket_id": row.ticket_id, "category": row.category,
        "channel": row.channel, "state": row.state, "from_state": event.from_state,
        "assignee_id": row.assignee_id, "due_at": row.due_at.isoformat(),
        "upheld": row.upheld,
    }  # fmt: skip
    if isinstance(event, ComplaintUpdated):
        data["action"] = event.action
    return Record(event.branch_id, event.type, data, event.ticket_id, event.counter_id)


@serializer(FollowUpEvent)
def follow_up_record(uow: UnitOfWork, event: FollowUpEvent) -> Record:
    row = uow.session.get(FollowUp, event.follow_up_id)
    assert row is not None
    data: dict[str, Any] = {
        "id": row.id, "ticket_id": row.ticket_id, "complaint_id": row.complaint_id,
        "reason": row.reason, "state": row.state, "due_at": row.due_at.isoformat(),
        "satisfied": row.satisfied, "done_by": row.done_by,
    }  # fmt: skip
    return Record(event.branch_id, event.type, data, event.ticket_id)
