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
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from server.core import repository as core_repo
from server.core.models import Branch
from server.halls import repository as halls_repo
from server.halls.models import Service
from server.halls.settings import branch_settings
from server.tickets import repository as tickets_repo
from server.tickets.estimate import NEW, Desk, Waiting, forecast, remaining_s
from server.tickets.estimate import mean_service_s as mean_of

RECENT_DAYS = 7
PAUSE_LEFT_S = 300.0
"""A paused counter is expected back this long from now (what is left of a usual pause)."""


def open_counters(session: Session, branch_id: int) -> dict[int, int]:
    """Open counters per service id of a branch."""
    return core_repo.memo(
        session,
        ("open_counters", branch_id),
        lambda: halls_repo.open_counters_by_service(session, branch_id),
    )


def mean_service_s(session: Session, service: Service, now: datetime) -> float:
    """Mean service time of the service's recent tickets (else its configured minutes)."""

    def compute() -> float:
        since = now - timedelta(days=RECENT_DAYS)
        durations = tickets_repo.recent_service_durations(session, [service.id], since)
        return mean_of(durations[service.id], configured_min=service.service_min)

    return core_repo.memo(session, ("mean_service_s", service.id), compute)


def turn_s(session: Session, service_id: int, now: datetime) -> float:
    """How long a call of the service keeps a counter, call to done or no-show, of its recent
    tickets (else its configured minutes)."""

    def compute() -> float:
        since = now - timedelta(days=RECENT_DAYS)
        turns = tickets_repo.recent_turns(session, service_id, since)
        if turns:
            return mean_of(turns, configured_min=0)
        service = core_repo.row(session, Service, service_id)
        return (service.service_min if service else 5.0) * 60.0

    return core_repo.memo(session, ("turn_s", service_id), compute)


def _desks(session: Session, branch: Branch, now: datetime) -> list[Desk]:
    default_interleave = branch_settings(branch).priority_interleave
    desks = []
    for cid, state, interleave, normals, in_hand, called_at, ticket_state in tickets_repo.desks_of(
        session, branch.id
    ):
        if state == "paused":
            free_in = PAUSE_LEFT_S
        elif in_hand is not None and called_at is not None and ticket_state != "parked":
            elapsed = (now - _aware(called_at, now)).total_seconds()
            free_in = remaining_s(turn_s(session, in_hand, now), elapsed)
        else:
            free_in = 0.0
        desks.append(
            Desk(
                cid, tuple(halls_repo.served_by(session, cid)), free_in,
                default_interleave if interleave is None else interleave, normals or 0,
            )
        )  # fmt: skip
    return desks


def _aware(at: datetime, now: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=now.tzinfo)


def _queue(session: Session, branch_id: int, day: date) -> list[Waiting]:
    """The branch's waiting tickets, kept until a ticket or counter changes (`queue_changed`);
    an issue adds its ticket (`queued`), so a batch of issues reads the queue once."""
    kept: tuple[date, list[Waiting]] = core_repo.memo(
        session, ("queue", branch_id), lambda: (day, tickets_repo.queue_of(session, branch_id, day))
    )
    if kept[0] != day:
        core_repo.forget(session, ("queue", branch_id))
        return _queue(session, branch_id, day)
    return kept[1]


def queued(session: Session, branch_id: int, day: date, ticket: Waiting) -> None:
    """A ticket was just issued: add it to the kept queue, in its place."""
    store = core_repo.memo(session, ("queue", branch_id), lambda: None)
    if store is None:
        core_repo.forget(session, ("queue", branch_id))
    elif store[0] == day:
        bisect.insort(store[1], ticket, key=lambda t: (t.effective_at, t.id))


def _forecast(
    session: Session, branch: Branch, day: date, now: datetime, new: Waiting | None = None
) -> dict[int, float]:
    session.flush()  # the queries below read the connection directly
    queue = _queue(session, branch.id, day)
    if new is not None:
        queue = [*queue, new]
    turns = {s: turn_s(session, s, now) for s in {t.service_id for t in queue}}
    return forecast(_desks(session, branch, now), queue, turns)


def forecast_wait_s(session: Session, branch: Branch, day: date, ticket_id: int,
                    now: datetime) -> int | None:  # fmt: skip
    """hallq's estimate for a waiting ticket: seconds until it is called (None: no counter
    that will call it)."""
    key = ("forecast", branch.id)
    kept = core_repo.memo(session, key, lambda: (now, _forecast(session, branch, day, now)))
    if kept[0] != now:
        core_repo.forget(session, key)
        kept = core_repo.memo(session, key, lambda: (now, _forecast(session, branch, day, now)))
    found = kept[1].get(ticket_id)
    return None if found is None else round(found)


def new_ticket_wait_s(
    session: Session, branch: Branch, day: date, new: Waiting, now: datetime
) -> tuple[int | None, dict[int, float]]:
    """hallq's estimate for a ticket about to be queued (`new`, id NEW), and the forecast it is
    part of (`adopt_forecast` keeps it once the ticket has its id)."""
    calls = _forecast(session, branch, day, now, new)
    found = calls.get(NEW)
    return (None if found is None else round(found)), calls


def adopt_forecast(
    session: Session, branch_id: int, calls: dict[int, float], ticket_id: int, now: datetime
) -> None:
    """Keep the forecast made for a new ticket, now that it has its id."""
    if NEW in calls:
        calls[ticket_id] = calls.pop(NEW)
    key = ("forecast", branch_id)
    core_repo.forget(session, key)
    core_repo.memo(session, key, lambda: (now, calls))


def queue_changed(session: Session, branch_id: int) -> None:
    core_repo.forget(session, ("forecast", branch_id))
    core_repo.forget(session, ("queue", branch_id))


def counters_changed(session: Session, branch_id: int) -> None:
    core_repo.forget(session, ("open_counters", branch_id))


def service_finished(session: Session, service_id: int) -> None:
    core_repo.forget(session, ("mean_service_s", service_id))
    core_repo.forget(session, ("turn_s", service_id))
