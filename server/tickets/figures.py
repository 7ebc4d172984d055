"""The estimate's inputs, read once per write transaction and forgotten by the writes that
change them.

A group commit runs many issues in one transaction, and each issue's estimate needs the open
counters per service and the recent mean service time: reading them once per transaction is a
large part of what makes a batch of issues cheap. A figure read earlier in the batch must not
outlive a change of its inputs, or the estimate would depend on how requests happened to be
batched. So the repositories that write the inputs forget the figures: a counter that opens,
pauses or closes (`counters_changed`, from the counters' repository), a ticket that is done
(`service_finished`, from the tickets' repository), and any change of a hall's set-up
(`core_repo.forget_figures`).

hallq's forecast of a branch (server/tickets/estimate.py) is kept the same way, for one moment
(`now`): the issue's estimate and the issued event's ticket then share one. Any change of a
ticket or a counter forgets it (`queue_changed`).
"""

from __future__ import annotations

import bisect
import math
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from server.core import repository as core_repo
from server.core.models import Branch
from server.halls import repository as halls_repo
from server.halls.models import Service
from server.halls.settings import branch_settings
from server.tickets import repository as tickets_repo
from server.tickets.estimate import (
    NEW,
    WINDOW,
    Desk,
    Forecast,
    Waiting,
    behind_arrivals,
    forecast,
    remaining_s,
)
from server.tickets.estimate import mean_service_s as mean_of
from server.tickets.selection import PRIORITY_LANE, effective_time

RECENT_DAYS = 7
ARRIVALS_OVER = timedelta(minutes=30)
"""A service's recent arrival rate: its walk-ins of the last half hour."""
PAUSE_LEFT_S = 300.0
"""A paused counter is expected back this long from now (what is left of a usual pause)."""


def _desk_rows(session: Session, branch_id: int) -> list[Any]:
    """The open and paused counters of a branch with their ticket in hand (one query), kept
    until a ticket or counter changes."""
    return core_repo.memo(
        session, ("desks", branch_id), lambda: tickets_repo.desks_of(session, branch_id)
    )


def open_counters(session: Session, branch_id: int) -> dict[int, int]:
    """Open counters per service id of a branch."""

    def compute() -> dict[int, int]:
        found: dict[int, int] = {}
        rows = _desk_rows(session, branch_id)
        served = halls_repo.served_by_each(session, [row[0] for row in rows])
        for row in rows:
            if row[1] == "open":
                for service_id in served[row[0]]:
                    found[service_id] = found.get(service_id, 0) + 1
        return found

    return core_repo.memo(session, ("open_counters", branch_id), compute)


def _recent(session: Session, service_id: int, now: datetime) -> tuple[list[float], list[float]]:
    """The service's recent service times (done) and turns (done or no-show), one query."""
    since = now - timedelta(days=RECENT_DAYS)
    return core_repo.memo(
        session, ("recent", service_id),
        lambda: tickets_repo.recent_finished(session, service_id, since),
    )  # fmt: skip


def mean_service_s(session: Session, service: Service, now: datetime) -> float:
    """Mean service time of the service's recent tickets (else its configured minutes)."""
    return mean_of(_recent(session, service.id, now)[0], configured_min=service.service_min)


def turn_s(session: Session, service_id: int, now: datetime) -> float:
    """How long a call of the service keeps a counter, call to done or no-show, of its recent
    tickets (else its configured minutes)."""
    turns = _recent(session, service_id, now)[1]
    if turns:
        return mean_of(turns, configured_min=0)
    service = core_repo.row(session, Service, service_id)
    return (service.service_min if service else 5.0) * 60.0


def _desks(session: Session, branch: Branch, now: datetime) -> list[Desk]:
    default_interleave = branch_settings(branch).priority_interleave
    desks = []
    rows = _desk_rows(session, branch.id)
    served = halls_repo.served_by_each(session, [row[0] for row in rows])
    for cid, state, interleave, normals, in_hand, called_at, ticket_state in rows:
        if state == "paused":
            free_in = PAUSE_LEFT_S
        elif in_hand is not None and called_at is not None and ticket_state != "parked":
            elapsed = (now - _aware(called_at, now)).total_seconds()
            free_in = remaining_s(turn_s(session, in_hand, now), elapsed)
        else:
            free_in = 0.0
        desks.append(
            Desk(
                cid, tuple(served[cid]), free_in,
                default_interleave if interleave is None else interleave, normals or 0,
            )
        )  # fmt: skip
    return desks


def _aware(at: datetime, now: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=now.tzinfo)


def _queue(session: Session, branch_id: int, day: date) -> list[Waiting]:
    """The branch's first WINDOW waiting tickets, kept until a ticket or counter changes
    (`queue_changed`); an issue adds its ticket (`queued`), so a batch of issues reads the
    queue once."""
    kept: tuple[date, list[Waiting]] = core_repo.memo(
        session,
        ("queue", branch_id),
        lambda: (day, tickets_repo.queue_of(session, branch_id, day)),
    )
    if kept[0] != day:
        core_repo.forget(session, ("queue", branch_id))
        return _queue(session, branch_id, day)
    return kept[1]


def queued(session: Session, branch_id: int, day: date, ticket: Waiting) -> None:
    """A ticket was just issued: add it to the kept queue in its place (within the window)."""
    store = core_repo.memo(session, ("queue", branch_id), lambda: None)
    if store is None or store[0] != day:
        core_repo.forget(session, ("queue", branch_id))
        return
    queue = store[1]
    bisect.insort(queue, ticket, key=lambda t: (t.effective_at, t.id))
    del queue[WINDOW:]


def _forecast(
    session: Session, branch: Branch, day: date, now: datetime, new: Waiting | None = None
) -> Forecast:
    session.flush()  # the queries below read the connection directly
    queue = _queue(session, branch.id, day)
    complete = len(queue) < WINDOW
    if new is not None:
        queue = [*queue, new]
    turns = {s: turn_s(session, s, now) for s in {t.service_id for t in queue}}
    return forecast(_desks(session, branch, now), queue, turns, complete=complete)


def _kept_forecast(session: Session, branch: Branch, day: date, now: datetime,
                   ) -> tuple[datetime, Forecast]:  # fmt: skip
    """The branch's forecast made at some moment of this transaction (kept until a ticket or
    counter changes), with that moment."""
    key = ("forecast", branch.id)
    kept: tuple[datetime, date, Forecast] = core_repo.memo(
        session, key, lambda: (now, day, _forecast(session, branch, day, now))
    )
    if kept[1] != day:
        core_repo.forget(session, key)
        return _kept_forecast(session, branch, day, now)
    return kept[0], kept[2]


def _from(at: float, made: datetime, now: datetime) -> int | None:
    """Seconds from `now` until a call foreseen `at` seconds after `made`."""
    if math.isinf(at):
        return None
    return max(0, round(at - (now - made).total_seconds()))


def _later_arrivals(session: Session, branch: Branch, day: date, ticket: Waiting,
                    wait: int | None, opened: int, now: datetime) -> int | None:  # fmt: skip
    """`wait` of a ticket that queues at a later moment than now (an appointment checked in
    before its slot), with the walk-ins expected before that moment ahead of it
    (`estimate.behind_arrivals`, at the service's rate of the last half hour)."""
    lead = (_aware(ticket.effective_at, now) - now).total_seconds()
    if wait is None or lead <= 0 or ticket.target_counter_id is not None:
        return wait
    since = now - ARRIVALS_OVER
    arrived = tickets_repo.walked_in_since(session, branch.id, ticket.service_id, day, since)
    rate = arrived / ARRIVALS_OVER.total_seconds()
    at = behind_arrivals(wait, lead, arrivals_per_s=rate, counters=opened,
                         turn_s=turn_s(session, ticket.service_id, now))  # fmt: skip
    return round(at)


def forecast_wait_s(session: Session, branch: Branch, day: date, ticket: Waiting,
                    position: int, now: datetime) -> int | None:  # fmt: skip
    """hallq's estimate for a waiting ticket of `day`: seconds until it is called (None: no
    counter that will call it)."""
    made, fc = _kept_forecast(session, branch, day, now)
    at = fc.calls.get(ticket.id)
    opened = open_counters(session, branch.id).get(ticket.service_id, 0)
    if at is None:  # beyond the window
        at = fc.after(ticket, position, opened, keep=False)
    return _later_arrivals(session, branch, day, ticket, _from(at, made, now), opened, now)


def new_ticket_wait_s(session: Session, branch: Branch, day: date, new: Waiting,
                      position: int, now: datetime) -> int | None:  # fmt: skip
    """hallq's estimate for a ticket about to be queued (`new`, id NEW); `adopt` gives it its
    id once inserted. A normal ticket queues behind everyone: the kept forecast places it
    after them; a priority ticket may go ahead, and the forecast is made again with it."""
    opened = open_counters(session, branch.id).get(new.service_id, 0)
    made, fc = _kept_forecast(session, branch, day, now)
    queue = _queue(session, branch.id, day)
    last = queue[-1] if queue else None
    if last is None or (last.effective_at, last.id) < (new.effective_at, new.id):
        wait = _from(fc.after(new, position, opened, keep=True), made, now)
        return _later_arrivals(session, branch, day, new, wait, opened, now)
    key = ("forecast", branch.id)
    core_repo.forget(session, key)
    fc = _forecast(session, branch, day, now, new)
    core_repo.memo(session, key, lambda: (now, day, fc))
    at = fc.calls.get(NEW)
    if at is None:  # behind a full window after all
        at = fc.after(new, position, opened, keep=True)
    return _later_arrivals(session, branch, day, new, _from(at, now, now), opened, now)


def prepare(session: Session, branch: Branch, service: Service, day: date, now: datetime) -> None:
    """Read what a new ticket's estimates need (open counters, the service's recent times,
    the branch's forecast) before its number is taken: on PostgreSQL issuing then holds its
    service's numbering row for less time. Kept for the transaction like every figure."""
    if open_counters(session, branch.id).get(service.id, 0):
        mean_service_s(session, service, now)
        _kept_forecast(session, branch, day, now)


def adopt(session: Session, branch_id: int, ticket_id: int) -> None:
    """The ticket issued as NEW has its id now: the kept forecast knows it by it."""
    kept = core_repo.memo(session, ("forecast", branch_id), lambda: None)
    if kept is None:
        core_repo.forget(session, ("forecast", branch_id))
    elif NEW in kept[2].calls:
        kept[2].calls[ticket_id] = kept[2].calls.pop(NEW)


def next_wait_s(session: Session, branch: Branch, day: date, service: Service, waiting: int,
                now: datetime, boost_min: int) -> int | None:  # fmt: skip
    """hallq's estimate for a ticket of the service if one were issued now (the kiosk, the hall
    TV): a normal ticket behind everyone waiting; a priority service's ticket where call-next
    would take it from the priority lane, with the hall's boost (`boost_min`): the queue is
    played again with it, as when one is issued, and that play is not kept."""
    opened = open_counters(session, branch.id).get(service.id, 0)
    made, fc = _kept_forecast(session, branch, day, now)
    if service.priority:
        queued_at = effective_time(now, PRIORITY_LANE, boost_min=boost_min)
        new = Waiting(NEW, service.id, PRIORITY_LANE, queued_at)
        made, fc = now, _forecast(session, branch, day, now, new)
        at = fc.calls.get(NEW)
        if at is not None:
            return _from(at, made, now)
    else:
        new = Waiting(NEW, service.id, "normal", now)
    return _from(fc.after(new, waiting, opened, keep=False), made, now)


def queue_changed(session: Session, branch_id: int) -> None:
    core_repo.forget(session, ("forecast", branch_id))
    core_repo.forget(session, ("queue", branch_id))
    core_repo.forget(session, ("desks", branch_id))
    core_repo.forget(session, ("open_counters", branch_id))


def counters_changed(session: Session, branch_id: int) -> None:
    core_repo.forget(session, ("open_counters", branch_id))
    core_repo.forget(session, ("desks", branch_id))


def service_finished(session: Session, service_id: int) -> None:
    core_repo.forget(session, ("recent", service_id))
