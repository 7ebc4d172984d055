"""Complaints: recorded by the customer (mobile ticket page) or by staff, assigned, answered.

Only managers of the hall (and admins) read and change them; any staff member of the hall may
record one. Every change is stored as a line of the complaint's history and published as a
`complaint.*` event, so it is in the event log (the audit trail) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import server.complaints.serializers  # noqa: F401  (registers the events' serializers)
from server import protocol as p
from server.complaints import followups
from server.complaints import repository as repo
from server.complaints.domain import (
    ComplaintCreated,
    ComplaintUpdated,
    due,
    plan_change,
)
from server.complaints.models import Complaint, ComplaintChange
from server.complaints.views import change_wire, complaint_wire, receipt
from server.core import tree
from server.core.context import Ctx
from server.core.errors import NotFound, RateLimited, ValidationFailed
from server.core.unit_of_work import UnitOfWork
from server.halls.settings import branch_settings
from server.tickets import repository as tickets_repo
from server.tickets.models import Ticket

READERS = ("admin", "manager")
RECORDERS = ("admin", "manager", "clerk")
PER_TICKET = 3
"""Complaints one ticket may send within `PER_TICKET_WINDOW` (the customer's page)."""
PER_TICKET_WINDOW = timedelta(hours=24)


def _record(uow: UnitOfWork, row: Complaint, action: str, from_state: str | None) -> None:
    uow.session.add(ComplaintChange(
        complaint_id=row.id, ts=uow.now, user_id=uow.actor.user_id, action=action,
        from_state=from_state, to_state=row.state, assignee_id=row.assignee_id,
        resolution=row.resolution, upheld=row.upheld,
    ))  # fmt: skip


def _new(uow: UnitOfWork, branch_id: int, ticket: Ticket | None, body: p.PublicComplaintCreate,
         channel: str) -> Complaint:  # fmt: skip
    branch = uow.lock_branch(branch_id)
    hours = branch_settings(branch).complaint_reply_hours
    row = Complaint(
        branch_id=branch_id, ticket_id=ticket.id if ticket else None,
        clerk_id=ticket.clerk_id if ticket else None,
        counter_id=ticket.counter_id if ticket else None, category=body.category,
        text=body.text, contact=body.contact, channel=channel, state="open",
        due_at=due(uow.now, hours), created_at=uow.now, created_by=uow.actor.user_id,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    _record(uow, row, "created", None)
    uow.publish(ComplaintCreated(row.id, branch_id, row.ticket_id, row.counter_id, None))
    return row


def create(ctx: Ctx, uow: UnitOfWork, body: p.ComplaintCreate) -> p.Complaint:
    """Staff record a complaint made by phone, by letter or at the desk."""
    ctx.principal.require(RECORDERS, "recording a complaint")
    ctx.principal.require_branch(body.branch_id)
    ticket = None
    if body.ticket_id is not None:
        ticket = uow.session.get(Ticket, body.ticket_id)
        if ticket is None or ticket.branch_id != body.branch_id:
            raise NotFound(f"ticket {body.ticket_id} does not exist in branch {body.branch_id}")
    row = _new(uow, body.branch_id, ticket, body, body.channel)
    return complaint_wire(row, ticket.number if ticket else None, uow.now)


def create_public(uow: UnitOfWork, public_id: str, body: p.PublicComplaintCreate,
                  ) -> p.ComplaintReceipt:  # fmt: skip
    """The customer's complaint or suggestion about their ticket; at most `PER_TICKET` a day."""
    ticket = tickets_repo.ticket_by_public_id(uow.session, public_id)
    if ticket is None:
        raise NotFound("no such ticket")
    uow.lock_branch(ticket.branch_id)  # serialises this ticket's complaints: the count holds
    uow.reread(ticket)
    recent = repo.recent_for_ticket(uow.session, ticket.id, uow.now - PER_TICKET_WINDOW)
    if len(recent) >= PER_TICKET:
        wait = recent[0] + PER_TICKET_WINDOW - uow.now
        raise RateLimited(
            f"this ticket has sent {PER_TICKET} complaints within a day; please call the hall",
            retry_after_s=max(1, int(wait.total_seconds()) + 1),
        )
    return receipt(_new(uow, ticket.branch_id, ticket, body, "mobile"))


def _complaint(ctx: Ctx, uow: UnitOfWork, complaint_id: int) -> Complaint:
    row = uow.session.get(Complaint, complaint_id)
    if row is None:
        raise NotFound(f"complaint {complaint_id} does not exist")
    ctx.principal.require_branch(row.branch_id)
    uow.lock_branch(row.branch_id)
    uow.reread(row)
    return row


def update(ctx: Ctx, uow: UnitOfWork, complaint_id: int, body: p.ComplaintUpdate) -> p.Complaint:
    """Assign, resolve or reject (the manager of the hall); a resolved complaint opens a
    follow-up task."""
    ctx.principal.require(READERS, "changing a complaint")
    row = _complaint(ctx, uow, complaint_id)
    change = plan_change(
        row.state, row.assignee_id, state=body.state, assignee_id=body.assignee_id,
        resolution=body.resolution, upheld=body.upheld,
    )  # fmt: skip
    if body.assignee_id is not None and not repo.staff_of_branch(
        uow.session, body.assignee_id, row.branch_id
    ):
        raise ValidationFailed(f"user {body.assignee_id} is not staff of this hall")
    from_state = row.state
    row.state, row.assignee_id = change.state, change.assignee_id
    if change.resolution is not None:
        row.resolution, row.upheld, row.resolved_at = change.resolution, change.upheld, uow.now
    _record(uow, row, change.action, from_state)
    uow.session.flush()
    uow.publish(ComplaintUpdated(
        row.id, row.branch_id, row.ticket_id, row.counter_id, from_state, change.action
    ))  # fmt: skip
    if change.state == "resolved":
        followups.open_task(uow, branch_id=row.branch_id, ticket_id=row.ticket_id,
                            complaint_id=row.id, reason="complaint")  # fmt: skip
    return complaint_wire(row, repo.ticket_number(uow.session, row.ticket_id), uow.now)


def listed(ctx: Ctx, *, branch_id: int | None, state: str | None, category: str | None,
           overdue: bool, limit: int, offset: int,
           region_id: int | None = None) -> Sequence[p.Complaint]:  # fmt: skip
    ctx.principal.require(READERS, "reading complaints")
    if branch_id is not None and region_id is not None:
        raise ValidationFailed("give branch_id or region_id, not both")
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
    visible = ctx.principal.visible_branches()
    branch_ids = [branch_id] if branch_id is not None else visible
    now = ctx.clock()
    with ctx.db.read() as session:
        if region_id is not None:
            branch_ids = tree.region_branches(session, ctx.principal, region_id)
        rows = repo.complaints(
            session, branch_ids=branch_ids, state=state, category=category,
            overdue_at=now if overdue else None, limit=limit, offset=offset,
        )  # fmt: skip
        return [complaint_wire(row, number, now) for row, number in rows]


def detail(ctx: Ctx, complaint_id: int) -> p.ComplaintDetail:
    """One complaint with its full history."""
    ctx.principal.require(READERS, "reading complaints")
    now = ctx.clock()
    with ctx.db.read() as session:
        row = session.get(Complaint, complaint_id)
        if row is None:
            raise NotFound(f"complaint {complaint_id} does not exist")
        ctx.principal.require_branch(row.branch_id)
        wire = complaint_wire(row, repo.ticket_number(session, row.ticket_id), now)
        changes = [change_wire(c) for c in repo.history(session, row.id)]
        return p.ComplaintDetail(**wire.model_dump(), history=changes)
