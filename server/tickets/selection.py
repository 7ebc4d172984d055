"""Who is called next: effective time ascending, bounded priority boost, optional interleave.

Effective time = issue time − the priority class's boost; an appointment's ticket queues at its
slot's start, in the walk-ins' lane. The boost is a fixed, bounded number
of minutes, so a normal ticket can only be overtaken by priority tickets issued less than
`boost` after it: nobody waits indefinitely. With an interleave of N set on a counter (or
branch), the boost is replaced by a strict rhythm: the counter calls one priority ticket after
every N normal ones, and a priority ticket whenever no normal one waits; otherwise normal
tickets go first, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

PRIORITY_CLASSES = ("normal", "priority", "appointment")
PRIORITY_LANE = "priority"
"""The class queued apart (boost or interleave). An appointment's ticket queues with the
walk-ins, at its slot's start: called after every walk-in issued before that start and before
every one issued after it (API.md, Appointments, "Order"), whatever the interleave."""


def in_priority_lane(priority: str) -> bool:
    return priority == PRIORITY_LANE


def appointment_time(slot_start: datetime) -> datetime:
    """The time an appointment's ticket queues at: its slot's start, however early or late
    it was checked in."""
    return slot_start


def effective_time(issued_at: datetime, priority: str, *, boost_min: int) -> datetime:
    """The time a ticket queues at: earlier for priority and appointment tickets."""
    if priority == "normal":
        return issued_at
    return issued_at - timedelta(minutes=max(0, boost_min))


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    priority: str
    effective_at: datetime


def choose_next(
    *,
    first_normal: Candidate | None,
    first_priority: Candidate | None,
    interleave: int,
    normals_since_priority: int,
) -> Candidate | None:
    """Pick the next ticket from the head of the normal and the priority queues."""
    if first_normal is None or first_priority is None:
        return first_normal or first_priority
    if interleave > 0:
        return first_priority if normals_since_priority >= interleave else first_normal
    return min(first_normal, first_priority, key=lambda c: (c.effective_at, c.ticket_id))


def placed_at(
    position: str, *, original: datetime, now: datetime, first_waiting: datetime | None
) -> datetime:
    """Where a ticket returning to a queue (transfer, requeue) queues: at its `original` place,
    at the `back` (now), or at the `front` (just before the first one waiting)."""
    if position == "front":
        return min(first_waiting - timedelta(seconds=1), now) if first_waiting else now
    if position == "back":
        return now
    return original
