"""The follow-up ledger (回访台账): call the customer back, note the result and whether they
were satisfied.

A rating of 1 or 2 and every resolved complaint open a task by themselves (a handler of
`ticket.rated`, and the complaint's resolution); staff may open more. A task is due
`follow_up_due_hours` after it was opened; managers of the hall read and close them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from server import protocol as p
from server.complaints import repository as repo
from server.complaints.domain import FollowUpCreated, FollowUpDone
from server.complaints.models import Complaint, FollowUp
from server.complaints.views import follow_up_wire
from server.core.context import Ctx
from server.core.errors import InvalidTransition, NotFound, ValidationFailed
from server.core.events import handler
from server.core.unit_of_work import UnitOfWork
from server.halls.settings import branch_settings
from server.tickets.domain import TicketRated
from server.tickets.models import Ticket

READERS = ("admin", "manager")
OPENERS = ("admin", "manager", "clerk")
LOW_RATING = 2
"""A score at or below this opens a follow-up task."""


def open_task(uow: UnitOfWork, *, branch_id: int, ticket_id: int | None,
              complaint_id: int | None, reason: str, note: str | None = None,
              due_at: datetime | None = None) -> FollowUp:  # fmt: skip
    branch = uow.lock_branch(branch_id)
    hours = branch_settings(branch).follow_up_due_hours
    row = FollowUp(
        branch_id=branch_id, ticket_id=ticket_id, complaint_id=complaint_id, reason=reason,
        state="open", due_at=due_at or uow.now + timedelta(hours=hours), created_at=uow.now,
        created_by=uow.actor.user_id, note=note,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    uow.publish(FollowUpCreated(row.id, branch_id, ticket_id))
    return row


@handler(TicketRated)
def follow_up_low_rating(uow: UnitOfWork, event: TicketRated) -> None:
    """A customer who gave 1 or 2 is called back."""
    ticket = uow.session.get(Ticket, event.ticket_id)
    if ticket is None or ticket.rating is None or ticket.rating > LOW_RATING:
        return
    open_task(uow, branch_id=ticket.branch_id, ticket_id=ticket.id, complaint_id=None,
              reason="low_rating")  # fmt: skip


def create(ctx: Ctx, uow: UnitOfWork, body: p.FollowUpCreate) -> p.FollowUp:
    """Staff open a follow-up of their own (a customer to call back)."""
    ctx.principal.require(OPENERS, "opening a follow-up")
    ctx.principal.require_branch(body.branch_id)
    if body.ticket_id is not None:
        ticket = uow.session.get(Ticket, body.ticket_id)
        if ticket is None or ticket.branch_id != body.branch_id:
            raise NotFound(f"ticket {body.ticket_id} does not exist in branch {body.branch_id}")
    if body.complaint_id is not None:
        complaint = uow.session.get(Complaint, body.complaint_id)
        if complaint is None or complaint.branch_id != body.branch_id:
            raise NotFound(f"complaint {body.complaint_id} does not exist in this branch")
    if body.due_at is not None and body.due_at.tzinfo is None:
        raise ValidationFailed("due_at needs a time zone offset")
    row = open_task(uow, branch_id=body.branch_id, ticket_id=body.ticket_id,
                    complaint_id=body.complaint_id, reason="manual",
                    note=(body.note or "").strip() or None, due_at=body.due_at)  # fmt: skip
    return follow_up_wire(row, repo.ticket_number(uow.session, row.ticket_id), uow.now)


def update(ctx: Ctx, uow: UnitOfWork, follow_up_id: int, body: p.FollowUpUpdate) -> p.FollowUp:
    """The call was made: its result and whether the customer is satisfied. Done is final."""
    ctx.principal.require(READERS, "closing a follow-up")
    row = uow.session.get(FollowUp, follow_up_id)
    if row is None:
        raise NotFound(f"follow-up {follow_up_id} does not exist")
    ctx.principal.require_branch(row.branch_id)
    uow.lock_branch(row.branch_id)
    uow.reread(row)
    if row.state != "open":
        raise InvalidTransition(f"follow-up {follow_up_id} is already {row.state}")
    row.state, row.result, row.satisfied = body.state, body.result, body.satisfied
    row.done_by, row.done_at = uow.actor.user_id, uow.now
    uow.session.flush()
    uow.publish(FollowUpDone(row.id, row.branch_id, row.ticket_id))
    return follow_up_wire(row, repo.ticket_number(uow.session, row.ticket_id), uow.now)


def rows(ctx: Ctx, *, branch_id: int | None, state: str | None, limit: int, offset: int,
         ) -> Sequence[p.FollowUp]:  # fmt: skip
    """The ledger (managers of the hall)."""
    ctx.principal.require(READERS, "reading the follow-up ledger")
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
    branch_ids = [branch_id] if branch_id is not None else ctx.principal.visible_branches()
    now = ctx.clock()
    with ctx.db.read() as session:
        found = repo.follow_ups(session, branch_ids=branch_ids, state=state, limit=limit,
                                offset=offset)  # fmt: skip
        return [follow_up_wire(row, number, now) for row, number in found]


def time_zones(ctx: Ctx) -> dict[int, str]:
    """Each visible branch's time zone: the ledger's times are written in the hall's."""
    with ctx.db.read() as session:
        return repo.time_zones(session, ctx.principal.visible_branches())
