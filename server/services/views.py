"""Rows → wire models, with each waiting ticket's position and estimated wait."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from server import protocol as p
from server.db import repo
from server.db.models import Branch, Counter, Service, Ticket
from server.domain.estimate import estimated_wait_s, mean_service_s
from server.domain.hours import Schedule

RECENT_DAYS = 7


def schedule(branch: Branch) -> Schedule:
    settings = branch.settings or {}
    return Schedule(
        timezone=branch.timezone,
        opening_hours=settings.get("opening_hours") or {},
        holidays=frozenset(str(d) for d in settings.get("holidays") or ()),
        cutoff_min=int(settings.get("cutoff_min") or 0),
    )


def branch_wire(branch: Branch) -> p.Branch:
    return p.Branch(
        id=branch.id,
        name=branch.name,
        timezone=branch.timezone,
        locale=branch.locale,
        region=branch.region,
    )


def branch_detail(branch: Branch) -> p.BranchDetail:
    return p.BranchDetail(
        **branch_wire(branch).model_dump(),
        settings=p.BranchSettings.model_validate(branch.settings or {}),
    )


def service_wire(service: Service) -> p.Service:
    return p.Service(
        id=service.id,
        branch_id=service.branch_id,
        code=service.code,
        prefix=service.prefix,
        name=dict(service.name),
        start_number=service.start_number,
        end_number=service.end_number,
        target_wait_min=service.target_wait_min,
        service_min=service.service_min,
        daily_quota=service.daily_quota,
        active=service.active,
    )


def counter_wire(counter: Counter, service_ids: list[int]) -> p.Counter:
    return p.Counter(
        id=counter.id,
        branch_id=counter.branch_id,
        number=counter.number,
        name=counter.name,
        service_ids=service_ids,
        state=counter.state,
        pause_reason=counter.pause_reason,
        clerk_id=counter.clerk_id,
        ticket_id=counter.ticket_id,
        priority_interleave=counter.priority_interleave,
    )


def counters_wire(session: Session, counters: Sequence[Counter]) -> list[p.Counter]:
    ids = repo.counter_service_ids(session, [c.id for c in counters])
    return [counter_wire(c, ids[c.id]) for c in counters]


def counter_ref(counter: Counter) -> dict[str, Any]:
    return {"id": counter.id, "number": counter.number, "name": counter.name}


def _mean_service_s(session: Session, service: Service, now: datetime) -> float:
    durations = repo.recent_service_durations(
        session, [service.id], now - timedelta(days=RECENT_DAYS)
    )
    return mean_service_s(durations[service.id], configured_min=service.service_min)


def ticket_wire(
    session: Session, ticket: Ticket, now: datetime, position: int | None = None
) -> p.Ticket:
    """The wire ticket; position (unless given) and estimate are computed while it waits."""
    estimate = None
    if ticket.state != "waiting":
        position = None
    else:
        session.flush()
        if position is None:
            position = repo.position_in_queue(session, ticket)
        service = repo.row(session, Service, ticket.service_id)
        assert service is not None
        # The estimate's inputs are read once per transaction: a group commit's many issues
        # share them (they change when a counter opens or a ticket is done, not per issue).
        open_counters = repo.memo(
            session,
            ("open_counters", ticket.branch_id),
            lambda: repo.open_counters_by_service(session, ticket.branch_id),
        )
        mean_s = repo.memo(
            session, ("mean_service_s", service.id), lambda: _mean_service_s(session, service, now)
        )
        estimate = estimated_wait_s(
            position, mean_s=mean_s, open_counters=open_counters.get(service.id, 0)
        )
    return p.Ticket(
        id=ticket.id,
        public_id=ticket.public_id,
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
        outcome=ticket.outcome,
        rating=ticket.rating,
        locale=ticket.locale,
    )


def service_waits(
    session: Session, branch: Branch, services: Sequence[Service], now: datetime
) -> dict[int, tuple[int, int]]:
    """(waiting, estimated wait of a ticket issued now) per service."""
    session.flush()  # the counts below read the connection directly
    day = schedule(branch).business_date(now)
    waiting: dict[int, int] = {s.id: 0 for s in services}
    for ticket in repo.waiting_tickets(session, branch.id, day):
        if ticket.service_id in waiting:
            waiting[ticket.service_id] += 1
    open_counters = repo.open_counters_by_service(session, branch.id)
    durations = repo.recent_service_durations(
        session, [s.id for s in services], now - timedelta(days=RECENT_DAYS)
    )
    return {
        s.id: (
            waiting[s.id],
            estimated_wait_s(
                waiting[s.id],
                mean_s=mean_service_s(durations[s.id], configured_min=s.service_min),
                open_counters=open_counters.get(s.id, 0),
            ),
        )
        for s in services
    }


def queue_view(session: Session, branch: Branch, now: datetime) -> p.QueueView:
    """What a hall TV or monitor shows; `seq` is the last event it reflects."""
    services = [s for s in repo.services(session, branch.id) if s.active]
    waits = service_waits(session, branch, services, now)
    counters = repo.counters(session, branch.id)
    served_by = repo.counter_service_ids(session, [c.id for c in counters])
    hours = schedule(branch)
    closed = hours.issuing_closed(now)
    today = hours.business_date(now)

    def closed_reason(service: Service) -> str | None:
        if closed:
            return closed[0]
        quota = service.daily_quota
        if quota is not None and repo.issued_count(session, service.id, today) >= quota:
            return "quota_reached"
        return None

    reasons = {s.id: closed_reason(s) for s in services}
    in_hand = {c.ticket_id for c in counters if c.ticket_id is not None}
    hand_tickets = {t.id: t for t in repo.tickets_by_id(session, in_hand)}
    queue_counters = []
    for counter in counters:
        held = hand_tickets.get(counter.ticket_id or 0)
        queue_counters.append(
            p.QueueCounter(
                id=counter.id,
                number=counter.number,
                name=counter.name,
                state=counter.state,
                pause_reason=counter.pause_reason,
                ticket=p.QueueTicketRef(id=held.id, number=held.number, state=held.state)
                if held
                else None,
                service_ids=served_by.get(counter.id, []),
                clerk_id=counter.clerk_id,
            )
        )
    recent = [
        p.RecentCall(
            ticket_id=int(e.data["id"]),
            number=str(e.data["number"]),
            counter_number=int(e.data["counter"]["number"]),
            called_at=e.ts,
            calls=int(e.data["calls"]),
        )
        for e in repo.recent_calls(session, branch.id)
    ]
    return p.QueueView(
        seq=branch.last_seq,
        branch_id=branch.id,
        business_date=schedule(branch).business_date(now),
        services=[
            p.QueueService(
                id=s.id,
                code=s.code,
                prefix=s.prefix,
                name=dict(s.name),
                waiting=waits[s.id][0],
                estimated_wait_s=waits[s.id][1],
                open=reasons[s.id] is None,
                closed_reason=reasons[s.id],
                target_wait_min=s.target_wait_min,
            )
            for s in services
        ],
        counters=queue_counters,
        recent_calls=recent,
    )


def public_ticket(session: Session, ticket: Ticket, now: datetime) -> p.PublicTicket:
    wire = ticket_wire(session, ticket, now)
    service = session.get(Service, ticket.service_id)
    branch = session.get(Branch, ticket.branch_id)
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    return p.PublicTicket(
        number=ticket.number,
        state=wire.state,
        position=wire.position,
        estimated_wait_s=wire.estimated_wait_s,
        service=dict(service.name) if service else {},
        counter=counter_ref(counter) if counter and ticket.state in ("called", "serving") else None,
        issued_at=ticket.issued_at,
        branch=branch.name if branch else None,
        rated=ticket.rating is not None,
    )
