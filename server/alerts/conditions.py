"""Read a hall's snapshot for the alert rules (server/alerts/domain.py).

More conditions come from sources: a function registered with `@source` gets the read
session, the branch and the time, and returns an `Evaluation`: its `Condition`s, raised and
cleared like the built-in ones (`complaint_overdue`, server/alerts/complaints.py), and when the
next of them starts by time alone. A hall is read again only when it changed or something of
it is due (server/alerts/watch.py), so a source whose conditions start by time must say when.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from server.alerts.domain import (
    Condition,
    CounterView,
    DeviceView,
    Evaluation,
    Hall,
    Queue,
    ServiceView,
    Thresholds,
    TicketView,
    evaluate,
)
from server.alerts.models import DeviceSeen
from server.auth import repository as auth_repo
from server.auth.models import Device
from server.core.models import Branch, TicketEvent
from server.halls import repository as halls_repo
from server.halls.hours import Schedule
from server.halls.models import Counter, Service
from server.halls.settings import branch_settings
from server.halls.views import schedule
from server.tickets.models import Ticket

Source = Callable[[Session, Sequence[Branch], datetime], dict[int, Evaluation]]
_sources: list[Source] = []
IN_HAND = ("called", "serving")
PAUSE_LOOKBACK = 200  # counter.updated events read back to find when a pause began


def source(function: Source) -> Source:
    """Register a source of conditions of another domain (`complaint_overdue`): it reads the
    halls of a round together and answers an `Evaluation` per hall that has any."""
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


def opening_hours(branch: Branch) -> Schedule:
    return replace(schedule(branch), cutoff_min=0)  # serving goes on after the cut-off


def hours_change(hours: Schedule, now: datetime) -> datetime:
    """The next moment the hall may open or close, or its business date turn (today's tickets
    are no longer today's): the rules' `open_now` and their tickets change then by time alone."""
    local = hours.local(now)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    edges = [edge for session in hours.sessions_on(local.date()) for edge in session]
    return min([edge for edge in edges if edge > local] + [midnight])


def halls(session: Session, branches: Sequence[Branch], now: datetime) -> dict[int, Hall]:
    """The snapshots of `branches`, read together: one query per kind of row for all of them
    (a round reads the halls that changed, ~80 a second at 500 busy halls: eight queries each
    cost more than the rules), plus one per paused counter and per queue past its target."""
    if not branches:
        return {}
    ids = [b.id for b in branches]
    hours = {b.id: opening_hours(b) for b in branches}
    today = {b.id: hours[b.id].business_date(now) for b in branches}
    services = _by_branch(session.scalars(
        select(Service).where(Service.deleted.is_(False), Service.branch_id.in_(ids))
        .order_by(Service.id)
    ))  # fmt: skip
    counters = _by_branch(session.scalars(
        select(Counter).where(Counter.deleted.is_(False), Counter.branch_id.in_(ids))
        .order_by(Counter.number)
    ))  # fmt: skip
    every_counter = [c for mine in counters.values() for c in mine]
    served = halls_repo.counter_service_ids(session, [c.id for c in every_counter])
    clerks = auth_repo.usernames(
        session, {c.clerk_id for c in every_counter if c.clerk_id is not None}
    )
    views = {b: [ServiceView(s.id, s.prefix, s.target_wait_min, max_service_min(s))
                 for s in services.get(b, ()) if s.active] for b in ids}  # fmt: skip
    of_today = _of_today(today)
    in_hand: dict[int, list[TicketView]] = {}
    for row in session.execute(
        select(Ticket.branch_id, Ticket.id, Ticket.service_id, Ticket.number, Ticket.state,
               Ticket.queued_at, Ticket.called_at, Ticket.started_at, Ticket.counter_id)
        .where(of_today, Ticket.state.in_(IN_HAND))
    ):  # fmt: skip
        in_hand.setdefault(row[0], []).append(TicketView(*row[1:]))
    queues = _queues(session, of_today, today, views, now)
    found = _devices(session, ids)
    return {
        b.id: Hall(
            now=now,
            open_now=hours[b.id].issuing_closed(now) is None,
            thresholds=thresholds(b),
            services=views[b.id],
            queues=queues.get(b.id, {}),
            tickets=in_hand.get(b.id, []),
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
                for c in counters.get(b.id, ())
            ],
            devices=[
                DeviceView(
                    d.id,
                    d.kind,
                    d.name,
                    seen,
                    d.printer_online,
                    d.printer_paper,
                    d.printer_detail,
                )
                for d, seen in found.get(b.id, ())
            ],
        )
        for b in branches
    }


T = TypeVar("T", Service, Counter)


def _by_branch(rows: Iterable[T]) -> dict[int, list[T]]:
    out: dict[int, list[T]] = {}
    for row in rows:
        out.setdefault(row.branch_id, []).append(row)
    return out


def _of_today(today: dict[int, date]) -> ColumnElement[bool]:
    """The tickets of each hall's own business date (halls in other time zones may be a day
    apart): one condition per date."""
    by_date: dict[date, list[int]] = {}
    for branch_id, day in today.items():
        by_date.setdefault(day, []).append(branch_id)
    return or_(*(and_(Ticket.branch_id.in_(sorted(ids)), Ticket.business_date == day)
                 for day, ids in by_date.items()))  # fmt: skip


def _queues(
    session: Session,
    of_today: ColumnElement[bool],
    today: dict[int, date],
    services: dict[int, list[ServiceView]],
    now: datetime,
) -> dict[int, dict[int, Queue]]:
    """Each service's waiting tickets counted in SQL, not loaded: a queue may be thousands long
    and is read at every round. Only a service whose oldest ticket has waited past its target
    has its tickets over the target counted, and the oldest's number read."""
    rows = session.execute(
        select(Ticket.branch_id, Ticket.service_id, func.count(), func.min(Ticket.queued_at))
        .where(of_today, Ticket.state == "waiting")
        .group_by(Ticket.branch_id, Ticket.service_id)
    ).all()
    targets = {v.id: timedelta(minutes=v.target_wait_min) for vs in services.values() for v in vs}
    out: dict[int, dict[int, Queue]] = {}
    for branch_id, service_id, count, oldest in rows:
        mine_out = out.setdefault(branch_id, {})
        target = targets.get(service_id)
        if not target or now - oldest <= target:
            mine_out[service_id] = Queue(count, oldest)
            continue
        mine = (Ticket.branch_id == branch_id, Ticket.business_date == today[branch_id],
                Ticket.state == "waiting", Ticket.service_id == service_id)  # fmt: skip
        over = session.scalar(select(func.count()).where(*mine, Ticket.queued_at < now - target))
        first = session.scalar(
            select(Ticket.number).where(*mine).order_by(Ticket.queued_at, Ticket.id).limit(1)
        )
        mine_out[service_id] = Queue(count, oldest, int(over or 0), first)
    return out


def _devices(
    session: Session, branch_ids: Sequence[int]
) -> dict[int, list[tuple[Device, datetime | None]]]:
    rows = session.execute(
        select(Device, DeviceSeen.last_seen_at)
        .outerjoin(DeviceSeen, DeviceSeen.device_id == Device.id)
        .where(Device.branch_id.in_(branch_ids), Device.revoked_at.is_(None))
        .order_by(Device.id)
    ).all()
    out: dict[int, list[tuple[Device, datetime | None]]] = {}
    for device, seen in rows:
        out.setdefault(device.branch_id, []).append((device, seen))
    return out


def devices(session: Session, branch_id: int) -> list[tuple[Device, datetime | None]]:
    """The branch's devices that are not revoked, with when each was last seen."""
    return _devices(session, [branch_id]).get(branch_id, [])


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


@dataclass(frozen=True)
class Reading:
    """What a round read of a hall: the conditions that hold, when the next one may start or
    end by time alone (the rules, the sources, the opening hours, the business date), and
    when each of its devices was last seen (server/alerts/watch.py compares them later)."""

    conditions: list[Condition]
    next_due: datetime | None
    seen: dict[int, datetime | None]


def readings(session: Session, branches: Sequence[Branch], now: datetime) -> dict[int, Reading]:
    """Every condition that holds in each of `branches` now, built-in and registered: what a
    round reads of them, read together (`halls`, and each source once)."""
    if not branches:
        return {}
    snapshots = halls(session, branches, now)
    extra = [function(session, branches, now) for function in _sources]
    out = {}
    for branch in branches:
        snapshot = snapshots[branch.id]
        found = [evaluate(snapshot)] + [e[branch.id] for e in extra if branch.id in e]
        dues = [e.next_due for e in found if e.next_due is not None]
        out[branch.id] = Reading(
            [c for e in found for c in e.conditions],
            min([*dues, hours_change(opening_hours(branch), now)]),
            {d.id: d.last_seen_at for d in snapshot.devices},
        )
    return out
