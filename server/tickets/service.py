"""Issuing tickets, and the staff actions on a ticket that are not tied to a counter."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx, Principal
from server.core.errors import (
    InvalidTransition,
    NotFound,
    QuotaReached,
    ServiceClosed,
    Unauthorized,
)
from server.core.models import Branch
from server.core.unit_of_work import UnitOfWork
from server.halls.hand import record_counter
from server.halls.models import Counter, Service
from server.halls.views import schedule
from server.tickets import repository as tickets_repo
from server.tickets.models import Ticket
from server.tickets.numbering import number_for
from server.tickets.printjobs import queue_job
from server.tickets.selection import effective_time
from server.tickets.states import Action, TicketState, transition
from server.tickets.views import public_ticket, ticket_wire

ISSUERS = ("admin", "manager", "clerk", "kiosk")
DEFAULT_CHANNEL = {"kiosk": "kiosk", "anonymous": "web"}


def boost_min(ctx: Ctx, branch: Branch) -> int:
    configured = (branch.settings or {}).get("priority_boost_min")
    return ctx.settings.priority_boost_min if configured is None else int(configured)


def _may_issue(principal: Principal, branch: Branch) -> None:
    if principal.kind == "anonymous" and (branch.settings or {}).get("public_issue"):
        return
    principal.require(ISSUERS, "issuing a ticket")
    principal.require_branch(branch.id)


def issue(ctx: Ctx, uow: UnitOfWork, body: p.TicketCreate) -> p.Ticket:
    """Number a new ticket for today and queue it; with kiosk_id, queue a print job too."""
    session = uow.session
    service = core_repo.row(session, Service, body.service_id)
    if service is None or service.deleted:
        raise NotFound(f"service {body.service_id} does not exist")
    if ctx.principal.kind == "anonymous":
        branch_row = session.get(Branch, service.branch_id)
        if branch_row is None or not (branch_row.settings or {}).get("public_issue"):
            raise Unauthorized("this hall does not issue tickets without a login")
    branch = uow.lock_branch(service.branch_id)
    _may_issue(ctx.principal, branch)
    if not service.active:
        raise ServiceClosed(f"service {service.code} is not offered at the moment")
    hours = schedule(branch)
    refusal = hours.issuing_refusal(uow.now)
    if refusal:
        raise ServiceClosed(refusal)
    day = hours.business_date(uow.now)
    if service.daily_quota is not None and (
        tickets_repo.issued_count(session, service.id, day) >= service.daily_quota
    ):
        raise QuotaReached(f"all {service.daily_quota} tickets of {service.code} today are taken")
    daily_seq, waiting = tickets_repo.advance_service_day(session, service.id, day)
    values = {
        "public_id": secrets.token_urlsafe(12), "branch_id": branch.id,
        "service_id": service.id, "issued_service_id": service.id,
        "number": number_for(
            daily_seq, prefix=service.prefix, start=service.start_number, end=service.end_number
        ),
        "daily_seq": daily_seq, "business_date": day, "state": TicketState.WAITING.value,
        "priority": body.priority,
        "channel": body.channel or DEFAULT_CHANNEL.get(ctx.principal.kind, "counter"),
        "locale": body.locale or branch.locale, "kiosk_id": body.kiosk_id,
        "issued_at": uow.now, "queued_at": uow.now,
        "effective_at": effective_time(uow.now, body.priority, boost_min=boost_min(ctx, branch)),
        "calls": 0,
    }  # fmt: skip
    # A plain INSERT (the hot path; the columns left out are NULL); the object is only a view of
    # the row for the wire form.
    ticket = Ticket(id=tickets_repo.insert_ticket(session, values), **values)
    wire = ticket_wire(
        session, ticket, uow.now, tickets_repo.position_of_new(session, ticket, waiting)
    )
    uow.record(branch.id, "ticket.issued", wire.model_dump(mode="json"), ticket_id=ticket.id)
    if body.kiosk_id is not None:
        queue_job(ctx, uow, ticket, body.kiosk_id, wire)
    return wire


def _staff_ticket(ctx: Ctx, uow: UnitOfWork, ticket_id: int) -> Ticket:
    ticket = uow.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    ctx.principal.require_branch(ticket.branch_id)
    uow.lock_branch(ticket.branch_id)
    uow.reread(ticket)
    return ticket


def cancel(ctx: Ctx, uow: UnitOfWork, ticket_id: int) -> p.Ticket:
    return _cancel(uow, _staff_ticket(ctx, uow, ticket_id))


def _cancel(uow: UnitOfWork, ticket: Ticket) -> p.Ticket:
    ticket.state = transition(TicketState(ticket.state), Action.CANCEL)
    ticket.finished_at = uow.now
    release_counter(uow, ticket)
    wire = ticket_wire(uow.session, ticket, uow.now)
    uow.record(
        ticket.branch_id, "ticket.cancelled", wire.model_dump(mode="json"), ticket_id=ticket.id
    )
    return wire


def front_of_queue(uow: UnitOfWork, ticket: Ticket) -> None:
    """Place `ticket` before everyone waiting for its service today."""
    first = tickets_repo.earliest_waiting(uow.session, ticket)
    ticket.effective_at = min(first - timedelta(seconds=1), uow.now) if first else uow.now


def place(uow: UnitOfWork, ticket: Ticket, position: str) -> None:
    """Queue position after a transfer or requeue: original issue time, front or back."""
    if position == "front":
        front_of_queue(uow, ticket)
    elif position == "back":
        ticket.effective_at = uow.now
    ticket.queued_at = uow.now


def requeue(ctx: Ctx, uow: UnitOfWork, ticket_id: int, body: p.RequeueRequest) -> p.Ticket:
    """Put a no-show back in the queue (a latecomer)."""
    ticket = _staff_ticket(ctx, uow, ticket_id)
    ticket.state = transition(TicketState(ticket.state), Action.REQUEUE)
    place(uow, ticket, body.position)
    ticket.counter_id = ticket.clerk_id = None
    ticket.called_at = ticket.started_at = ticket.finished_at = None
    wire = ticket_wire(uow.session, ticket, uow.now)
    uow.record(
        ticket.branch_id, "ticket.requeued", wire.model_dump(mode="json"), ticket_id=ticket.id
    )
    return wire


def get(ctx: Ctx, ticket_id: int) -> p.Ticket:
    with ctx.db.read() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        ctx.principal.require_branch(ticket.branch_id)
        return ticket_wire(session, ticket, ctx.clock())


def listing(
    ctx: Ctx,
    *,
    branch_id: int | None,
    state: str | None,
    service_id: int | None,
    business_date: date | None,
    limit: int,
    offset: int,
) -> Sequence[p.Ticket]:
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
    now = ctx.clock()
    with ctx.db.read() as session:
        rows = tickets_repo.tickets(
            session,
            branch_ids=ctx.principal.visible_branches(),
            branch_id=branch_id,
            state=state,
            service_id=service_id,
            business_date=business_date,
            limit=limit,
            offset=offset,
        )
        return [ticket_wire(session, t, now) for t in rows]


def _public_ticket(uow: UnitOfWork, public_id: str) -> Ticket:
    ticket = tickets_repo.ticket_by_public_id(uow.session, public_id)
    if ticket is None:
        raise NotFound("no such ticket")
    uow.lock_branch(ticket.branch_id)
    uow.reread(ticket)
    return ticket


def rate(uow: UnitOfWork, public_id: str, body: p.RatingRequest) -> p.PublicTicket:
    """The customer's satisfaction score: once, after the ticket is done."""
    ticket = _public_ticket(uow, public_id)
    if ticket.state != TicketState.DONE:
        raise InvalidTransition(f"{ticket.number} can be rated once it is done")
    if ticket.rating is not None:
        raise InvalidTransition(f"{ticket.number} has already been rated")
    ticket.rating = body.score
    ticket.rating_comment = body.comment
    wire = ticket_wire(uow.session, ticket, uow.now)
    uow.record(ticket.branch_id, "ticket.rated", wire.model_dump(mode="json"),
               ticket_id=ticket.id, counter_id=ticket.counter_id)  # fmt: skip
    return public_ticket(uow.session, ticket, uow.now)


def public_cancel(uow: UnitOfWork, public_id: str) -> p.PublicTicket:
    """The customer gives up their ticket from the mobile page (waiting or parked only)."""
    ticket = _public_ticket(uow, public_id)
    if ticket.state not in (TicketState.WAITING, TicketState.PARKED):
        raise InvalidTransition(f"{ticket.number} is {ticket.state} and can no longer be cancelled")
    _cancel(uow, ticket)
    return public_ticket(uow.session, ticket, uow.now)


def release_counter(uow: UnitOfWork, ticket: Ticket) -> None:
    """Free the counter holding `ticket` in hand (the ticket left it some other way)."""
    if ticket.counter_id is None:
        return
    counter = uow.session.get(Counter, ticket.counter_id)
    if counter is not None and counter.ticket_id == ticket.id:
        counter.ticket_id = None
        record_counter(uow, counter)
