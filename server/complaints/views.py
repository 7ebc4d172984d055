"""Wire forms of complaints and follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from server import protocol as p
from server.complaints.domain import is_late, is_overdue
from server.complaints.models import Complaint, ComplaintChange, FollowUp


def complaint_wire(row: Complaint, number: str | None, now: datetime) -> p.Complaint:
    return p.Complaint(
        id=row.id, branch_id=row.branch_id, ticket_id=row.ticket_id, ticket_number=number,
        clerk_id=row.clerk_id, counter_id=row.counter_id,
        category=cast(p.ComplaintCategory, row.category), text=row.text, contact=row.contact,
        channel=row.channel, state=cast(p.ComplaintState, row.state),
        assignee_id=row.assignee_id, due_at=row.due_at, created_at=row.created_at,
        resolved_at=row.resolved_at, resolution=row.resolution, upheld=row.upheld,
        overdue=is_overdue(row.state, row.due_at, now),
        late=is_late(row.state, row.due_at, row.resolved_at),
    )  # fmt: skip


def change_wire(row: ComplaintChange) -> p.ComplaintChange:
    return p.ComplaintChange(
        ts=row.ts, user_id=row.user_id, action=row.action,
        from_state=cast(p.ComplaintState | None, row.from_state),
        to_state=cast(p.ComplaintState, row.to_state), assignee_id=row.assignee_id,
        resolution=row.resolution, upheld=row.upheld,
    )  # fmt: skip


def receipt(row: Complaint) -> p.ComplaintReceipt:
    return p.ComplaintReceipt(
        id=row.id, category=cast(p.ComplaintCategory, row.category),
        state=cast(p.ComplaintState, row.state), created_at=row.created_at, due_at=row.due_at,
    )  # fmt: skip


def follow_up_wire(row: FollowUp, number: str | None, now: datetime) -> p.FollowUp:
    return p.FollowUp(
        id=row.id, branch_id=row.branch_id, ticket_id=row.ticket_id, ticket_number=number,
        complaint_id=row.complaint_id, reason=cast(p.FollowUpReason, row.reason),
        state=cast(p.FollowUpState, row.state), due_at=row.due_at, created_at=row.created_at,
        note=row.note, result=row.result, satisfied=row.satisfied, done_by=row.done_by,
        done_at=row.done_at, overdue=row.state == "open" and now > row.due_at,
    )  # fmt: skip
