"""What a simulated day looks like, pure: arrivals per service over the day, service times,
the clerks' day (late openings, breaks, lunch), and when booked customers book and come.

Arrivals per service are a Poisson process whose rate follows the day: a morning peak, a lunch
dip, an afternoon peak and a quiet end, higher on Mondays and lower on Saturdays; `volume`
scales the whole day (the profiles `quiet`, `default` and `peak`). Service times are lognormal
around each service's minutes, times the clerk's own pace.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

OPEN_MIN = 8 * 60 + 30  # the hall opens 08:30
LAST_ISSUE_MIN = 17 * 60  # issuing stops at 17:00 (cut-off 30 min before closing)
CLOSE_MIN = 17 * 60 + 30
SATURDAY_OPEN_MIN, SATURDAY_LAST_ISSUE_MIN, SATURDAY_CLOSE_MIN = 9 * 60, 11 * 60 + 30, 12 * 60
OPENING_HOURS = {
    **{day: [["08:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [["09:00", "12:00"]],
}
CUTOFF_MIN = 30


@dataclass(frozen=True)
class Profile:
    name: str
    volume: float  # arrivals, relative to the default day
    booked: float = 0.1
    """Of the customers of a service that takes appointments (`appointment_capacity` > 0): the
    share who book a slot ahead instead of walking in."""


PROFILES = {
    "demo": Profile("demo", 0.1),  # `make run`'s history of the demo hall: quick to make
    "quiet": Profile("quiet", 0.55),
    "default": Profile("default", 1.0),
    "peak": Profile("peak", 1.3),
}

# Tickets an hour of an average moment, per service code (others: OTHER_PER_HOUR).
PER_HOUR = {"general": 20.0, "payments": 20.0, "enquiries": 11.0, "priority": 3.5}
OTHER_PER_HOUR = 10.0
SERVICE_SIGMA = 0.55  # lognormal shape of service times
# The day's shape: (from minute, factor) steps, averaging about 1 over the opening hours.
SHAPE = (
    (0, 0.6), (9 * 60, 1.45), (11 * 60, 1.05), (11 * 60 + 45, 0.55), (13 * 60 + 30, 1.3),
    (15 * 60 + 30, 0.85), (16 * 60 + 30, 0.5),
)  # fmt: skip
WEEKDAY = (1.3, 1.0, 0.95, 1.0, 1.1, 0.9, 0.0)  # Monday peak; Saturday mornings; Sundays shut


def shape(minute: float, weekday: int) -> float:
    """The arrival rate's factor at `minute` of a day (0 = Monday)."""
    factor = SHAPE[0][1]
    for start, value in SHAPE:
        if minute >= start:
            factor = value
    return factor * WEEKDAY[weekday]


def hours_of(weekday: int) -> tuple[int, int, int] | None:
    """(opens, last issue, closes) in minutes of the day; None when the hall is shut."""
    if weekday == 6:
        return None
    if weekday == 5:
        return SATURDAY_OPEN_MIN, SATURDAY_LAST_ISSUE_MIN, SATURDAY_CLOSE_MIN
    return OPEN_MIN, LAST_ISSUE_MIN, CLOSE_MIN


def arrivals(rng: random.Random, per_hour: float, volume: float, weekday: int) -> list[float]:
    """Minutes of the day at which customers of one service take a ticket (thinning)."""
    hours = hours_of(weekday)
    if hours is None:
        return []
    opens, last, _ = hours
    top = per_hour * volume * max(f for _, f in SHAPE) * max(WEEKDAY) / 60.0
    found: list[float] = []
    at = float(opens)
    while True:
        at += rng.expovariate(top)
        if at >= last:
            return found
        if rng.random() * top <= per_hour * volume * shape(at, weekday) / 60.0:
            found.append(at)


def lognormal(rng: random.Random, mean: float, sigma: float = SERVICE_SIGMA) -> float:
    """A lognormal draw with this mean."""
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


@dataclass(frozen=True)
class ClerkDay:
    """One counter's day, in minutes: when it opens, its breaks (start, length, reason) and
    when it means to close (it still serves everyone who queued)."""

    opens: float
    breaks: tuple[tuple[float, float, str], ...]
    closes: float
    pace: float  # the clerk's service times, relative to the service's


def clerk_day(rng: random.Random, index: int, weekday: int, pace: float) -> ClerkDay | None:
    hours = hours_of(weekday)
    if hours is None:
        return None
    opens, closes = float(hours[0]), float(hours[2])
    late = rng.uniform(0, 3) if rng.random() < 0.7 else rng.uniform(5, 20)
    breaks: list[tuple[float, float, str]] = []
    if weekday != 5:
        breaks.append((rng.uniform(10 * 60, 11 * 60), rng.uniform(8, 15), "休息"))
        lunch = 11 * 60 + 45 if index % 2 == 0 else 12 * 60 + 40
        breaks.append((lunch + rng.uniform(0, 10), rng.uniform(40, 55), "午休"))
        breaks.append((rng.uniform(14 * 60 + 30, 15 * 60 + 45), rng.uniform(8, 12), "休息"))
    if rng.random() < 0.5:  # a phone call, a colleague's question
        breaks.append((rng.uniform(opens + 30, closes - 60), rng.uniform(2, 6), "临时暂停"))
    breaks.sort()
    leaves = closes
    if weekday != 5 and rng.random() < 0.15:  # leaves early today
        leaves = closes - rng.uniform(45, 90)
    return ClerkDay(opens + late, tuple(breaks), leaves, pace)


# Appointments: of the bookings, MISSED never come (the sweep marks them missed) and TOO_LATE
# come after their check-in window (their booking is missed too; they take a normal ticket).
MISSED = 0.08
TOO_LATE = 0.02
SAME_DAY = 0.35  # of bookings are made on the slot's day; the others 1–3 days ahead
EARLIEST, LATEST, USUAL = -20.0, 12.0, -3.0  # check-in, minutes from the slot's start


def booked_at(rng: random.Random, slot_min: float) -> float:
    """When a customer books a slot starting at `slot_min` of its day: a minute of that day,
    negative for a day before (08:00–22:00 then; from 07:00 until 20 minutes before on the day)."""
    if slot_min - 20 > 7 * 60 and rng.random() < SAME_DAY:
        return rng.uniform(7 * 60, slot_min - 20)
    days = rng.choice((1, 1, 2, 3))
    return -days * 24 * 60 + rng.uniform(8 * 60, 22 * 60)


def comes_at(rng: random.Random, early_min: float, late_min: float) -> float | None:
    """When a booked customer checks in, in minutes from the slot's start: mostly a few minutes
    before it, some later, inside the check-in window (`early_min` before to `late_min` after);
    after it for TOO_LATE of them; None for the MISSED who never come."""
    draw = rng.random()
    if draw < MISSED:
        return None
    if draw < MISSED + TOO_LATE:
        return late_min + rng.uniform(1, 20)
    at = rng.triangular(EARLIEST, LATEST, USUAL)
    return min(max(at, 0.5 - early_min), late_min - 0.5)
