"""Ticket rows → wire models, with each waiting ticket's position and estimated wait."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Principal
from server.core.models import Branch
from server.halls.models import Counter, Service
from server.halls.settings import priority_boost_min
from server.halls.views import counter_ref, schedule
from server.tickets import figures
from server.tickets import repository as tickets_repo
from server.tickets.estimate import Waiting, estimated_wait_s
from server.tickets.models import Ticket

KEY_HOLDERS = frozenset({"admin", "manager"})


def sees_public_ids(principal: Principal) -> bool:
    """Managers and admins see every ticket's public_id; everyone else only where API.md's
    "Limits and privacy" names them (the issuer, the kiosk's job, the rating screen)."""
    return principal.kind in KEY_HOLDERS


def with_public_id(wire: p.Ticket, ticket: Ticket) -> p.Ticket:
    """`wire` with the customer's key, for a caller entitled to it."""
    return wire.model_copy(update={"public_id": ticket.public_id})


STAFF = frozenset({"admin", "manager", "clerk"})


def with_staff_notes(principal: Principal, wire: p.Ticket, ticket: Ticket) -> p.Ticket:
    """`wire` with reception's note and priority reason, for staff only (API.md, "Staff
    issuing": shown to clerks; never in events, to devices or on public endpoints)."""
    if principal.kind not in STAFF or (ticket.note is None and ticket.priority_reason is None):
        return wire
    return wire.model_copy(update={"note": ticket.note, "priority_reason": ticket.priority_reason})


def shown_to(principal: Principal, wire: p.Ticket, ticket: Ticket) -> p.Ticket:
    """The wire ticket as `principal` may see it."""
    wire = with_staff_notes(principal, wire, ticket)
    return with_public_id(wire, ticket) if sees_public_ids(principal) else wire


def ticket_wire(
    session: Session, ticket: Ticket, now: datetime, position: int | None = None
) -> p.Ticket:
    """The wire ticket; position (unless given), the open counters of its service and the
    estimate are computed while it waits. No open counter: no estimate (nobody calls it).

    Its public_id is null: the customer's key is added (`with_public_id`, `shown_to`) only for
    the callers entitled to it, so events and any new endpoint leak nothing by default."""
    estimate = opened = None
    if ticket.state != "waiting":
        position = None
    else:
        session.flush()
        if position is None:
            position = tickets_repo.position_in_queue(session, ticket)
        opened = figures.open_counters(session, ticket.branch_id).get(ticket.service_id, 0)
        if opened:
            branch = core_repo.row(session, Branch, ticket.branch_id)
            assert branch is not None
            waiting = Waiting(ticket.id, ticket.service_id, ticket.priority,
                              ticket.effective_at, ticket.target_counter_id)  # fmt: skip
            estimate = figures.forecast_wait_s(
                session, branch, ticket.business_date, waiting, position, now
            )
    return p.Ticket(
        id=ticket.id,
        public_id=None,
        branch_id=ticket.branch_id,
        service_id=ticket.service_id,
        number=ticket.number,
        business_date=ticket.business_date,
        state=ticket.state,
        priority=ticket.priority,
        channel=ticket.channel,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        started_at=ticket.started_at,
        finished_at=ticket.finished_at,
        counter_id=ticket.counter_id,
        clerk_id=ticket.clerk_id,
        calls=ticket.calls,
        position=position,
        estimated_wait_s=estimate,
        open_counters=opened,
        outcome=ticket.outcome,
        rating=ticket.rating,
        locale=ticket.locale,
        appointment_start=ticket.appointment_start,
    )


def _estimate(position: int, mean_s: float, open_counters: int) -> int | None:
    if not open_counters:
        return None
    return estimated_wait_s(position, mean_s=mean_s, open_counters=open_counters)


def service_waits(
    session: Session, branch: Branch, services: Sequence[Service], now: datetime, boost_min: int
) -> dict[int, tuple[int, int | None, int]]:
    """(waiting, estimated wait of a ticket issued now, open counters) per service; the estimate
    is None while no counter serving the service is open. `boost_min`: the installation's
    priority boost, for a hall that sets none."""
    session.flush()  # the counts below read the connection directly
    day = schedule(branch).business_date(now)
    waiting: dict[int, int] = {s.id: 0 for s in services}
    for ticket in tickets_repo.waiting_tickets(session, branch.id, day):
        if ticket.service_id in waiting:
            waiting[ticket.service_id] += 1
    open_counters = figures.open_counters(session, branch.id)
    boost = priority_boost_min(branch, boost_min)
    result = {}
    for s in services:
        opened = open_counters.get(s.id, 0)
        estimate = None
        if opened:
            estimate = figures.next_wait_s(session, branch, day, s, waiting[s.id], now, boost)
        result[s.id] = (waiting[s.id], estimate, opened)
    return result


def naive_wait_s(session: Session, service: Service, position: int, now: datetime) -> int | None:
    """The naive estimate (server/tickets/estimate.py) of a ticket `position` people back."""
    opened = figures.open_counters(session, service.branch_id).get(service.id, 0)
    return _estimate(position, figures.mean_service_s(session, service, now), opened)


def public_ticket(session: Session, ticket: Ticket, now: datetime) -> p.PublicTicket:
    wire = ticket_wire(session, ticket, now)
    service = core_repo.row(session, Service, ticket.service_id)
    branch = core_repo.row(session, Branch, ticket.branch_id)
    counter = core_repo.row(session, Counter, ticket.counter_id) if ticket.counter_id else None
    return p.PublicTicket(
        number=ticket.number,
        state=wire.state,
        position=wire.position,
        estimated_wait_s=wire.estimated_wait_s,
        open_counters=wire.open_counters,
        service=dict(service.name) if service else {},
        counter=counter_ref(counter) if counter and ticket.state in ("called", "serving") else None,
        issued_at=ticket.issued_at,
        branch=branch.name if branch else None,
        rated=ticket.rating is not None,
        branch_id=ticket.branch_id,
    )
