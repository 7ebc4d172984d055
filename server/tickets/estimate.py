"""Estimated waits, pure: the naive formula, and hallq's forecast that plays the queue forward.

The naive estimate is people ahead × the service's recent mean service time ÷ the open counters
serving it. It is kept (stored beside hallq's at issue) as the yardstick of
`GET /api/v1/stats/estimates`.

hallq's estimate (`forecast`) plays the hall forward from now with the rules of call-next
(server/tickets/selection.py): every open counter finishes the ticket in hand after what is left
of its usual time, then calls the first ticket, by effective time, of the services it serves (or
one transferred to it), with its priority interleave; each call keeps the counter for the
service's usual turn (call to finish: the walk to the desk, the service, and the no-shows'
recalls). A paused counter joins when a usual pause is over. A ticket's estimate is the moment
it is called. So a counter serving several services counts for each only as much as it is free
for it, a priority ticket ahead is counted where call-next would put it, and a ticket that is
next still waits for the first counter to free. The first WINDOW tickets are played; a ticket
behind them is placed at the open counters' rate (`Forecast.after`). See docs/estimates.md.
"""

from __future__ import annotations

import heapq
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from server.tickets.selection import Candidate, choose_next, in_priority_lane

RECENT_WINDOW = 20  # last N finished tickets of the service feed the means
NEW = sys.maxsize
"""The id of a ticket being issued (not inserted yet): it sorts after every other ticket."""
RESIDUAL_FLOOR = 0.35
"""A ticket in hand longer than its usual turn still keeps the counter this share of a turn."""


def mean_service_s(recent_durations_s: Sequence[float], *, configured_min: float) -> float:
    """Mean of recent service durations, falling back to the configured service minutes."""
    usable = [d for d in recent_durations_s if d > 0]
    if not usable:
        return configured_min * 60.0
    return sum(usable) / len(usable)


def estimated_wait_s(position: int, *, mean_s: float, open_counters: int) -> int:
    """The naive estimate: seconds until a ticket with `position` people ahead is called."""
    return round(position * mean_s / max(1, open_counters))


@dataclass(frozen=True)
class Waiting:
    """A waiting ticket as the forecast sees it, in queue order (effective time, id)."""

    id: int
    service_id: int
    priority: str
    effective_at: datetime
    target_counter_id: int | None = None


@dataclass(frozen=True)
class Desk:
    """A counter that will call: open, or paused (it joins at `free_in_s`)."""

    id: int
    service_ids: tuple[int, ...]
    free_in_s: float  # seconds until it calls next: what is left of the ticket in hand
    interleave: int = 0
    normals_since_priority: int = 0


def remaining_s(turn_s: float, elapsed_s: float) -> float:
    """What is left of a turn that began `elapsed_s` ago."""
    return max(turn_s - elapsed_s, RESIDUAL_FLOOR * turn_s)


@dataclass
class _Line:
    """One queue (a service's, or one counter's transfers): its walk-ins' lane (normal and
    appointment tickets: selection.in_priority_lane) and its priority lane."""

    normal: list[Waiting]
    priority: list[Waiting]
    next_normal: int = 0
    next_priority: int = 0

    def head(self, priority: bool, taken: set[int]) -> Waiting | None:
        tickets = self.priority if priority else self.normal
        index = self.next_priority if priority else self.next_normal
        while index < len(tickets) and tickets[index].id in taken:
            index += 1
        if priority:
            self.next_priority = index
        else:
            self.next_normal = index
        return tickets[index] if index < len(tickets) else None


def _lines(queue: Sequence[Waiting]) -> tuple[dict[int, _Line], dict[int, _Line]]:
    by_service: dict[int, _Line] = {}
    by_counter: dict[int, _Line] = {}
    for ticket in queue:
        if ticket.target_counter_id is None:
            line = by_service.setdefault(ticket.service_id, _Line([], []))
        else:
            line = by_counter.setdefault(ticket.target_counter_id, _Line([], []))
        (line.priority if in_priority_lane(ticket.priority) else line.normal).append(ticket)
    return by_service, by_counter


def _first(lines: list[_Line], priority: bool, taken: set[int]) -> Waiting | None:
    best: Waiting | None = None
    for line in lines:
        head = line.head(priority, taken)
        if head is not None and (
            best is None or (head.effective_at, head.id) < (best.effective_at, best.id)
        ):
            best = head
    return best


def behind_arrivals(called_in_s: float, lead_s: float, *, arrivals_per_s: float, turn_s: float,
                    counters: int) -> float:  # fmt: skip
    """When a ticket that queues at a later moment than now (an appointment checked in before
    its slot: it queues at the slot's start) is called, given `called_in_s`, its call in the
    queue as it is. Customers who walk in before that moment (`lead_s` from now) while it still
    waits go ahead of it, each keeping one of the `counters` for a turn: at `arrivals_per_s`,
    they add `load` = arrivals × turn ÷ counters of a second per second waited, until its
    moment. Called at once (a free counter), it waits for nobody."""
    if called_in_s <= 0 or lead_s <= 0 or arrivals_per_s <= 0:
        return called_in_s
    load = arrivals_per_s * turn_s / max(1, counters)
    if load < 1 and called_in_s / (1 - load) <= lead_s:
        return called_in_s / (1 - load)
    return called_in_s + load * lead_s


WINDOW = 60
"""The forecast plays the first WINDOW tickets of the queue; a ticket further back is placed
after them at the rate of the open counters serving its service (`Forecast.after`)."""


@dataclass
class Forecast:
    """When each ticket of the queue's window is called (seconds from the forecast's moment),
    and when each desk is free after them; `complete`: the window is the whole queue."""

    calls: dict[int, float]
    desks: Sequence[Desk]
    free_at: list[float]
    turn_s: Mapping[int, float]
    complete: bool
    in_window: dict[int, int]  # tickets of each service's queue in the window

    def after(self, ticket: Waiting, position: int, open_counters: int, *, keep: bool) -> float:
        """When a normal ticket queued behind every ticket of the window is called: by the
        first desk serving it to be free (the window is the whole queue), or later by its
        people ahead beyond the window at the open counters' rate. `keep`: it is in the queue
        now (issued): the desk that calls it is busy for its turn, and it is remembered."""
        turn = self.turn_s.get(ticket.service_id, 300.0)
        serving = [
            i for i, d in enumerate(self.desks)
            if (ticket.service_id in d.service_ids if ticket.target_counter_id is None
                else d.id == ticket.target_counter_id)
        ]  # fmt: skip
        if not serving:
            return math.inf
        first = min(serving, key=lambda i: (self.free_at[i], i))
        at = self.free_at[first]
        if not self.complete:
            beyond = max(0, position - self.in_window.get(ticket.service_id, 0))
            at += beyond * turn / max(1, open_counters)
        elif keep:
            self.free_at[first] = at + turn
        if keep:
            self.calls[ticket.id] = at
        return at


def forecast(
    desks: Sequence[Desk],
    queue: Sequence[Waiting],
    turn_s: Mapping[int, float],
    *,
    complete: bool = True,
) -> Forecast:
    """Play the queue (its first tickets, or all: `complete`) forward from now: seconds until
    each ticket is called; a ticket no desk will call is left out. `turn_s` is each service's
    usual turn."""
    ordered = sorted(queue, key=lambda t: (t.effective_at, t.id))
    by_service, by_counter = _lines(ordered)
    called: dict[int, float] = {}
    taken: set[int] = set()
    rhythm = {d.id: d.normals_since_priority for d in desks}
    free_at = [d.free_in_s for d in desks]
    heap = [(d.free_in_s, i) for i, d in enumerate(desks)]
    heapq.heapify(heap)
    lines_of = [
        [by_service[s] for s in d.service_ids if s in by_service]
        + ([by_counter[d.id]] if d.id in by_counter else [])
        for d in desks
    ]
    while heap and len(called) < len(queue):
        at, index = heapq.heappop(heap)
        desk = desks[index]
        lines = lines_of[index]
        normal, priority = _first(lines, False, taken), _first(lines, True, taken)
        ticket = normal or priority
        if normal is not None and priority is not None:  # call-next's rules choose
            chosen = choose_next(
                first_normal=_candidate(normal),
                first_priority=_candidate(priority),
                interleave=desk.interleave,
                normals_since_priority=rhythm[desk.id],
            )
            ticket = normal if chosen is not None and chosen.ticket_id == normal.id else priority
        if ticket is None:
            continue  # nothing left that this desk serves: it calls no more
        taken.add(ticket.id)
        called[ticket.id] = at
        rhythm[desk.id] = 0 if in_priority_lane(ticket.priority) else rhythm[desk.id] + 1
        free_at[index] = at + turn_s.get(ticket.service_id, 300.0)
        heapq.heappush(heap, (free_at[index], index))
    in_window: dict[int, int] = {}
    for ticket in ordered:
        if ticket.target_counter_id is None:
            in_window[ticket.service_id] = in_window.get(ticket.service_id, 0) + 1
    return Forecast(called, desks, free_at, turn_s, complete, in_window)


def _candidate(ticket: Waiting | None) -> Candidate | None:
    return None if ticket is None else Candidate(ticket.id, ticket.priority, ticket.effective_at)
