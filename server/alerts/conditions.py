"""Read a hall's snapshot for the alert rules (server/alerts/domain.py).

More conditions come from sources: a function registered with `@source` gets the read
session, the branch and the time, and yields `Condition`s, raised and cleared like the built-in
ones (`complaint_overdue`, server/alerts/complaints.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.alerts.domain import (
    Condition,
    CounterView,
    DeviceView,
    Evaluation,
    Hall,
    ServiceView,
    Thresholds,
    TicketView,
    evaluate,
)
from server.alerts.models import DeviceSeen
from server.auth.models import Device, User
from server.core.models import Branch, TicketEvent
from server.halls import repository as halls_repo
from server.halls.models import Counter, Service
from server.halls.settings import branch_settings
from server.halls.views import schedule
from server.tickets.models import Ticket

Source = Callable[[Session, Branch, datetime], Iterable[Condition]]
_sources: list[Source] = []
ACTIVE_TICKETS = ("waiting", "called", "serving")
PAUSE_LOOKBACK = 200  # counter.updated events read back to find when a pause began


def source(function: Source) -> Source:
    """Register a source of conditions of another domain (`complaint_overdue`)."""
    _sources.append(function)
    return function


def thresholds(branch: Branch) -> Thresholds:
    settings = branch_settings(branch)
    return Thresholds(
        queue_per_counter=settings.queue_alert_per_counter,
        pause_min=settings.pause_alert_min,
        called_min=settings.called_alert_min,
        device_offline_s=settings.device_offline_s,
    )


def max_service_min(service: Service) -> float | None:
    """The service's time limit in minutes (限时办结); None: no limit, no `service_over_limit`."""
    return float(service.max_service_min) if service.max_service_min else None


def hall(session: Session, branch: Branch, now: datetime) -> Hall:
    hours = replace(schedule(branch), cutoff_min=0)  # serving goes on after the cut-off
    today = hours.business_date(now)
    services = halls_repo.services(session, branch.id)
    counters = halls_repo.counters(session, branch.id)
    served = halls_repo.counter_service_ids(session, [c.id for c in counters])
    clerks = _usernames(session, {c.clerk_id for c in counters if c.clerk_id is not None})
    tickets = session.scalars(
        select(Ticket).where(
            Ticket.branch_id == branch.id,
            Ticket.business_date == today,
            Ticket.state.in_(ACTIVE_TICKETS),
        )
    ).all()
    return Hall(
        now=now,
        open_now=hours.issuing_closed(now) is None,
        thresholds=thresholds(branch),
        services=[
            ServiceView(s.id, s.prefix, s.target_wait_min, max_service_min(s))
            for s in services
            if s.active
        ],
        tickets=[
            TicketView(
                t.id,
                t.service_id,
                t.number,
                t.state,
                t.queued_at,
                t.called_at,
                t.started_at,
                t.counter_id,
            )
            for t in tickets
        ],
        counters=[
            CounterView(
                c.id,
                c.number,
                c.state,
                tuple(served.get(c.id, ())),
                paused_since(session, c) if c.state == "paused" else None,
                c.pause_reason,
                clerks.get(c.clerk_id) if c.clerk_id else None,
            )
            for c in counters
        ],
        devices=[
            DeviceView(
                d.id, d.kind, d.name, seen, d.printer_online, d.printer_paper, d.printer_detail
            )
            for d, seen in devices(session, branch.id)
        ],
    )


def devices(session: Session, branch_id: int) -> list[tuple[Device, datetime | None]]:
    """The branch's devices that are not revoked, with when each was last seen."""
    rows = session.execute(
        select(Device, DeviceSeen.last_seen_at)
        .outerjoin(DeviceSeen, DeviceSeen.device_id == Device.id)
        .where(Device.branch_id == branch_id, Device.revoked_at.is_(None))
        .order_by(Device.id)
    ).all()
    return [(device, seen) for device, seen in rows]


def paused_since(session: Session, counter: Counter) -> datetime | None:
    """When the counter's current pause began: the first of its latest run of `paused`
    counter.updated events (the event log is the only record of it)."""
    rows = session.execute(
        select(TicketEvent.ts, TicketEvent.data)
        .where(
            TicketEvent.branch_id == counter.branch_id,
            TicketEvent.counter_id == counter.id,
            TicketEvent.type == "counter.updated",
        )
        .order_by(TicketEvent.seq.desc())
        .limit(PAUSE_LOOKBACK)
    ).all()
    since: datetime | None = None
    for ts, data in rows:
        if (data or {}).get("state") != "paused":
            break
        since = ts
    return since


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return {user_id: name for user_id, name in rows}


def branch_evaluation(session: Session, branch: Branch, now: datetime) -> Evaluation:
    """Every condition that holds in the branch now, built-in and registered."""
    found = evaluate(hall(session, branch, now))
    extra = [c for function in _sources for c in function(session, branch, now)]
    return Evaluation(found.conditions + extra, found.next_due)
