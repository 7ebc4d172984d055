"""Issuing tickets, and the staff actions on a ticket that are not tied to a counter."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import server.tickets.serializers  # noqa: F401  (registers the ticket events' serializer)
from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx, Principal
from server.core.errors import (
    Forbidden,
    NotFound,
    QuotaReached,
    ServiceClosed,
    Unauthorized,
)
from server.core.models import Branch
from server.core.unit_of_work import UnitOfWork
from server.halls.models import Counter, Service
from server.halls.settings import branch_settings, priority_boost_min
from server.halls.views import schedule
from server.tickets import figures
from server.tickets import repository as tickets_repo
from server.tickets.domain import Ticket
from server.tickets.estimate import NEW, Waiting
from server.tickets.models import Ticket as TicketRow
from server.tickets.numbering import number_for
from server.tickets.printjobs import queue_job
from server.tickets.selection import effective_time
from server.tickets.states import Action, TicketState, transition
from server.tickets.store import Tickets
from server.tickets.views import (
    naive_wait_s,
    public_ticket,
    shown_to,
    ticket_wire,
    with_public_id,
    with_staff_notes,
)

ISSUERS = ("admin", "manager", "clerk", "kiosk")
STAFF_ISSUERS = frozenset({"admin", "manager", "clerk"})
DEFAULT_CHANNEL = {"kiosk": "kiosk", "anonymous": "web"}


def boost_min(ctx: Ctx, branch: Branch) -> int:
    return priority_boost_min(branch, ctx.settings.priority_boost_min)


def _may_issue(principal: Principal, branch: Branch) -> None:
    if principal.kind == "anonymous" and branch_settings(branch).public_issue:
        return
    principal.require(ISSUERS, "issuing a ticket")
    principal.require_branch(branch.id)


def _may_ask(principal: Principal, branch: Branch, body: p.TicketCreate) -> None:
    """What only staff may ask for (API.md, "Staff issuing and priority"): the reception
    channel, a note, a priority reason, issuing past the cut-off, and a priority ticket unless
    the hall lets kiosks and the public take one themselves (`self_priority`). An appointment
    ticket comes from the appointment's check-in, never from a kiosk or the public here."""
    if principal.kind in STAFF_ISSUERS:
        return
    if body.channel == "reception" or body.note or body.priority_reason or body.override_cutoff:
        raise Forbidden("only staff issue at reception (a note, a reason, past the cut-off)")
    if body.priority == "priority" and not branch_settings(branch).self_priority:
        raise Forbidden("a priority ticket is given by the hall's staff")
    if body.priority == "appointment":
        raise Forbidden("an appointment ticket is issued by checking in the appointment")


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def issue(ctx: Ctx, uow: UnitOfWork, body: p.TicketCreate) -> p.Ticket:
    """Number a new ticket for today and queue it; with kiosk_id, queue a print job too."""
    session = uow.session
    service = core_repo.row(session, Service, body.service_id)
    if service is None or service.deleted:
        raise NotFound(f"service {body.service_id} does not exist")
    if ctx.principal.kind == "anonymous":
        branch_row = core_repo.row(session, Branch, service.branch_id)
        if branch_row is None or not branch_settings(branch_row).public_issue:
            raise Unauthorized("this hall does not issue tickets without a login")
    # No queue lock: issuing decides nothing from the queue. Its number and position come from
    # the service's numbering row (queue_ticket), its seq from the branch row at the commit.
    branch = uow.branch(service.branch_id)
    _may_issue(ctx.principal, branch)
    _may_ask(ctx.principal, branch, body)
    if not service.active:
        raise ServiceClosed(f"service {service.code} is not offered at the moment")
    hours = schedule(branch)
    closed = hours.issuing_closed(uow.now)
    overridden = closed is not None and closed[0] == "cutoff" and body.override_cutoff
    if closed is not None and not overridden:
        raise ServiceClosed(hours.issuing_refusal(uow.now) or closed[1])
    day = hours.business_date(uow.now)
    if service.daily_quota is not None and (
        tickets_repo.issued_count(session, service.id, day) >= service.daily_quota
    ):  # read without a lock: queue_ticket checks again with the number it takes
        raise QuotaReached(f"all {service.daily_quota} tickets of {service.code} today are taken")
    # A priority service's tickets are priority tickets, whoever asked (an appointment stays one).
    priority = "priority" if service.priority and body.priority == "normal" else body.priority
    ticket = queue_ticket(
        ctx, uow, branch, service, day=day, priority=priority,
        channel=body.channel or DEFAULT_CHANNEL.get(ctx.principal.kind, "counter"),
        locale=body.locale, kiosk_id=body.kiosk_id,
        effective_at=effective_time(uow.now, priority, boost_min=boost_min(ctx, branch)),
        note=body.note, priority_reason=body.priority_reason, quota=service.daily_quota,
    )  # fmt: skip
    if body.channel == "reception" or ticket.note or ticket.priority_reason or body.override_cutoff:
        uow.audit(
            "ticket.reception", f"ticket:{ticket.id}",
            {"number": ticket.number, "service_id": service.id, "priority": priority,
             "priority_reason": ticket.priority_reason, "note": ticket.note,
             "override_cutoff": bool(overridden), "kiosk_id": body.kiosk_id},
            branch_id=branch.id,
        )  # fmt: skip
    return ticket


def queue_ticket(
    ctx: Ctx,
    uow: UnitOfWork,
    branch: Branch,
    service: Service,
    *,
    day: date,
    priority: str,
    channel: str,
    locale: str | None,
    kiosk_id: int | None,
    effective_at: datetime,
    appointment_start: datetime | None = None,
    note: str | None = None,
    priority_reason: str | None = None,
    quota: int | None = None,
) -> p.Ticket:
    """Number a ticket of `service` for `day` and queue it at `effective_at` (every check made
    by the caller: issuing, or an appointment's check-in); with kiosk_id, queue a print job
    too; with `quota`, refuse a number past it (QuotaReached: the transaction is rolled back).

    The number is taken from the service's numbering row for the day (`service_day`), whose
    lock (PostgreSQL) is held until the commit: issues of one service take turns from there,
    and every change to the service's waiting line goes through that row too (its `waiting`
    count is kept by triggers), so the position read under it is exact. What the estimates read
    of the branch (open counters, recent service times, the queue's forecast) is read before,
    so that the turn is short."""
    session = uow.session
    figures.prepare(session, branch, service, day, uow.now)
    daily_seq, position = tickets_repo.take_number(
        session, branch_id=branch.id, service_id=service.id, business_date=day,
        effective_at=effective_at,
    )  # fmt: skip
    if quota is not None and daily_seq > quota:
        raise QuotaReached(f"all {quota} tickets of {service.code} today are taken")
    values = {
        "public_id": secrets.token_urlsafe(12), "branch_id": branch.id,
        "service_id": service.id, "issued_service_id": service.id,
        "number": number_for(
            daily_seq, prefix=service.prefix, start=service.start_number, end=service.end_number
        ),
        "daily_seq": daily_seq, "business_date": day, "state": TicketState.WAITING.value,
        "priority": priority,
        "channel": channel, "locale": locale or branch.locale, "kiosk_id": kiosk_id,
        "issued_at": uow.now, "queued_at": uow.now, "effective_at": effective_at,
        "calls": 0, "appointment_start": appointment_start,
        "note": _text(note), "priority_reason": _text(priority_reason),
    }  # fmt: skip
    # The object is only a view of the row for the wire form (and the estimates' queries).
    row = TicketRow(**values)
    # The estimates given now are kept on the ticket (GET /api/v1/stats/estimates): hallq's,
    # the forecast of the queue with this ticket in it, and the naive one beside it.
    naive = naive_wait_s(session, service, position, uow.now)
    estimate = None
    if naive is not None:  # a counter serving it is open
        new = Waiting(NEW, service.id, priority, row.effective_at, None)
        estimate = figures.new_ticket_wait_s(session, branch, day, new, position, uow.now)
    values["issue_estimate_s"] = row.issue_estimate_s = estimate
    values["naive_estimate_s"] = row.naive_estimate_s = naive
    # A plain INSERT (the hot path; the columns left out are NULL).
    row.id = tickets_repo.insert_ticket(session, values)
    figures.queued(session, branch.id, day, Waiting(row.id, service.id, priority,
                                                   row.effective_at, None))  # fmt: skip
    figures.adopt(session, branch.id, row.id)
    ticket = Ticket.issued(
        id=row.id, branch_id=row.branch_id, service_id=row.service_id, number=row.number,
        business_date=day, priority=row.priority, now=uow.now, effective_at=row.effective_at,
        position=position,
    )  # fmt: skip
    tickets = uow.repo(Tickets)
    tickets.adopt(ticket, row)
    tickets.save(ticket)
    wire = tickets.wire(ticket)
    if kiosk_id is not None:
        queue_job(ctx, uow, row, kiosk_id, wire)
    wire = with_staff_notes(ctx.principal, wire, row)
    return with_public_id(wire, row)  # the issuer holds the customer's key


def _staff_ticket(ctx: Ctx, uow: UnitOfWork, ticket_id: int) -> Ticket:
    row = uow.session.get(TicketRow, ticket_id)
    if row is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    ctx.principal.require_branch(row.branch_id)
    uow.lock_branch(row.branch_id)
    uow.reread(row)
    return uow.repo(Tickets).track(row)


def _saved(uow: UnitOfWork, ticket: Ticket) -> p.Ticket:
    tickets = uow.repo(Tickets)
    tickets.save(ticket)
    return tickets.wire(ticket)


def _answer(ctx: Ctx, uow: UnitOfWork, ticket: Ticket) -> p.Ticket:
    """Save a staff action on `ticket`; the answer as the caller may see it."""
    return shown_to(ctx.principal, _saved(uow, ticket), uow.repo(Tickets).row(ticket.id))


def cancel(ctx: Ctx, uow: UnitOfWork, ticket_id: int) -> p.Ticket:
    """Staff cancel a ticket; a counter that had it in hand lets go of it (counters' handler)."""
    ticket = _staff_ticket(ctx, uow, ticket_id)
    ticket.cancel(uow.now)
    return _answer(ctx, uow, ticket)


def requeue(ctx: Ctx, uow: UnitOfWork, ticket_id: int, body: p.RequeueRequest) -> p.Ticket:
    """Put a no-show back in the queue (a latecomer)."""
    ticket = _staff_ticket(ctx, uow, ticket_id)
    transition(ticket.state, Action.REQUEUE)  # refuse before reading the queue
    effective_at = uow.repo(Tickets).placement(ticket, body.position, ticket.service_id)
    ticket.requeue(now=uow.now, effective_at=effective_at)
    return _answer(ctx, uow, ticket)


def get(ctx: Ctx, ticket_id: int) -> p.Ticket:
    with ctx.db.read() as session:
        ticket = session.get(TicketRow, ticket_id)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        ctx.principal.require_branch(ticket.branch_id)
        return shown_to(ctx.principal, ticket_wire(session, ticket, ctx.clock()), ticket)


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
        return [shown_to(ctx.principal, ticket_wire(session, t, now), t) for t in rows]


RATING_SCREENS = ("admin", "manager", "display")


def rating_ticket(ctx: Ctx, counter_id: int) -> p.Ticket:
    """For the rating screen of a counter (a display device): the ticket just completed there,
    with its public_id, while the branch's `rating_timeout_s` lasts and it is not rated yet.
    Clerks and kiosks are refused: a clerk must not rate the ticket they served."""
    ctx.principal.require(RATING_SCREENS, "the rating screen's ticket")
    now = ctx.clock()
    with ctx.db.read() as session:
        counter = core_repo.row(session, Counter, counter_id)
        if counter is None or counter.deleted:
            raise NotFound(f"counter {counter_id} does not exist")
        ctx.principal.require_branch(counter.branch_id)
        branch = core_repo.row(session, Branch, counter.branch_id)
        assert branch is not None
        since = now - timedelta(seconds=branch_settings(branch).rating_timeout_s)
        row = tickets_repo.last_completed(
            session, branch_id=branch.id, counter_id=counter.id,
            since_date=schedule(branch).business_date(since), since=since,
        )  # fmt: skip
        if row is None or row.rating is not None:
            raise NotFound(f"no ticket to rate at counter {counter.number} now")
        return with_public_id(ticket_wire(session, row, now), row)


def _public_ticket(uow: UnitOfWork, public_id: str) -> Ticket:
    row = tickets_repo.ticket_by_public_id(uow.session, public_id)
    if row is None:
        raise NotFound("no such ticket")
    uow.lock_branch(row.branch_id)
    uow.reread(row)
    return uow.repo(Tickets).track(row)


def rate(uow: UnitOfWork, public_id: str, body: p.RatingRequest) -> p.PublicTicket:
    """The customer's satisfaction score: once, after the ticket is done."""
    ticket = _public_ticket(uow, public_id)
    ticket.rate(body.score, body.comment)
    _saved(uow, ticket)
    return public_ticket(uow.session, uow.repo(Tickets).row(ticket.id), uow.now)


def public_cancel(uow: UnitOfWork, public_id: str) -> p.PublicTicket:
    """The customer gives up their ticket from the mobile page (waiting or parked only)."""
    ticket = _public_ticket(uow, public_id)
    ticket.cancel(uow.now, by_customer=True)
    _saved(uow, ticket)
    return public_ticket(uow.session, uow.repo(Tickets).row(ticket.id), uow.now)
