"""Statistics rules, pure: waits per queue segment, percentiles, SLA, local-time offsets.

Definitions (API.md, Statistics):
- A ticket waits once per *queue segment*: from its issue, a transfer or a requeue until the first
  call after it (a recall or a resume after parking does not restart the wait).
- Wait = first call − segment start; service = finish − start (or − call when never started),
  for completed tickets.
- SLA: a wait equal to its service's target counts as within.
- Durations are compared in whole milliseconds; median and p90 are computed over whole seconds
  (fractions dropped) by linear interpolation between closest ranks (numpy's default,
  PostgreSQL's percentile_cont, Excel's PERCENTILE.INC).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from server.stats.histogram import Histogram
from server.tickets.domain import TicketCalled, TicketIssued, TicketRequeued, TicketTransferred

SEGMENT_STARTS = frozenset({TicketIssued.type, TicketTransferred.type, TicketRequeued.type})
CALLED = TicketCalled.type
SEGMENT_EVENTS = (*sorted(SEGMENT_STARTS), CALLED)
GROUPS = ("service", "counter", "clerk", "hour", "day", "branch")


LOW_RATING = 2
"""A score of this or less is a low rating (it also opens a follow-up, API.md)."""


def over_limit(service_ms: int, limit_min: int | None) -> bool:
    """A service longer than its limit overran it (equal to the limit is within)."""
    return limit_min is not None and service_ms > limit_min * 60_000


def within_target(wait_ms: int, target_min: int) -> bool:
    """A wait equal to the target is within it."""
    return wait_ms <= target_min * 60_000


def percentile(histogram: Histogram | Mapping[int, int], fraction: float) -> float | None:
    """Linear interpolation between closest ranks over a {value: count} histogram."""
    counts = histogram if isinstance(histogram, Histogram) else Histogram(histogram)
    total = counts.total
    if total == 0:
        return None
    position = (total - 1) * fraction
    low_rank = math.floor(position)
    low, high = counts.value_at(low_rank), counts.value_at(min(low_rank + 1, total - 1))
    return low + (position - low_rank) * (high - low)


@dataclass
class Figures:
    """Accumulated figures of one group (or of the whole selection)."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0  # by the customer or staff
    day_closed: int = 0  # left over at the end of the business day (outcome `day_closed`)
    waiting_now: int = 0
    called: int = 0  # waits measured (queue segments that reached a call)
    within: int = 0
    wait_sum_ms: int = 0
    wait_max_ms: int | None = None
    wait_hist: Histogram = field(default_factory=Histogram)
    service_n: int = 0
    service_sum_ms: int = 0
    service_hist: Histogram = field(default_factory=Histogram)
    rating_sum: int = 0
    rating_n: int = 0
    rating_low: int = 0  # scores of LOW_RATING or less
    over_limit: int = 0  # services longer than their service's max_service_min
    # time at the counter (clerk and counter groups only): open, paused, open with nothing in hand
    open_ms: int = 0
    paused_ms: int = 0
    idle_ms: int = 0

    def add_waits(
        self, seconds: int, count: int, sum_ms: int, max_ms: int | None, within: int
    ) -> None:
        """Add `count` waits falling in the same whole second."""
        self.called += count
        self.within += within
        self.wait_sum_ms += sum_ms
        self.wait_hist.add(seconds, count)
        self._max(max_ms)

    def _max(self, max_ms: int | None) -> None:
        if max_ms is not None:
            self.wait_max_ms = max_ms if self.wait_max_ms is None else max(self.wait_max_ms, max_ms)

    def add_wait(self, wait_ms: int, target_min: int) -> None:
        self.add_waits(
            wait_ms // 1000, 1, wait_ms, wait_ms, int(within_target(wait_ms, target_min))
        )

    def add_services(self, seconds: int, count: int, sum_ms: int) -> None:
        self.service_n += count
        self.service_sum_ms += sum_ms
        self.service_hist.add(seconds, count)

    def merge(self, other: Figures) -> None:
        """Add the figures of other tickets (another day, hall or group)."""
        self.issued += other.issued
        self.served += other.served
        self.no_show += other.no_show
        self.cancelled += other.cancelled
        self.day_closed += other.day_closed
        self.waiting_now += other.waiting_now
        self.called += other.called
        self.within += other.within
        self.wait_sum_ms += other.wait_sum_ms
        self._max(other.wait_max_ms)
        self.wait_hist.update(other.wait_hist)
        self.service_n += other.service_n
        self.service_sum_ms += other.service_sum_ms
        self.service_hist.update(other.service_hist)
        self.rating_sum += other.rating_sum
        self.rating_n += other.rating_n
        self.rating_low += other.rating_low
        self.over_limit += other.over_limit
        self.open_ms += other.open_ms
        self.paused_ms += other.paused_ms
        self.idle_ms += other.idle_ms

    def report(self) -> dict[str, object]:
        """API.md's summary object (seconds rounded to 0.1 s, percentages to 0.1)."""
        return {
            "issued": self.issued,
            "served": self.served,
            "no_show": self.no_show,
            "cancelled": self.cancelled,
            "day_closed": self.day_closed,
            "waiting_now": self.waiting_now,
            "called": self.called,
            "wait_s": {
                "mean": mean_s(self.wait_sum_ms, self.called),
                "median": round_s(percentile(self.wait_hist, 0.5)),
                "p90": round_s(percentile(self.wait_hist, 0.9)),
                "max": None if self.wait_max_ms is None else round(self.wait_max_ms / 1000, 1),
            },
            "service_s": {
                "mean": mean_s(self.service_sum_ms, self.service_n),
                "median": round_s(percentile(self.service_hist, 0.5)),
                "p90": round_s(percentile(self.service_hist, 0.9)),
            },
            "sla_pct": round(100 * self.within / self.called, 1) if self.called else None,
            "over_limit": self.over_limit,
            "rating": {
                "mean": round(self.rating_sum / self.rating_n, 2) if self.rating_n else None,
                "count": self.rating_n,
                "low": self.rating_low,
            },
        }


def round_s(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def mean_s(sum_ms: int, count: int) -> float | None:
    return round(sum_ms / count / 1000, 1) if count else None


@dataclass(frozen=True)
class SegmentEvent:
    """One row of a ticket's event log that matters to its waits."""

    type: str
    at_ms: int  # milliseconds since the ticket's issue
    service_id: int | None  # the ticket's queue after the event
    counter_id: int | None
    clerk_id: int | None


@dataclass(frozen=True)
class Segment:
    """A finished wait: the ticket queued for `service_id` and was called at `counter_id`."""

    service_id: int | None
    counter_id: int | None
    clerk_id: int | None
    wait_ms: int


def earlier_segments(events: Iterable[SegmentEvent]) -> list[Segment]:
    """The called waits of a ticket *before* its last queue entry, from its events in order.

    The last segment is read from the ticket's own columns (queued_at, called_at), so it is
    left out here."""
    segments: list[tuple[SegmentEvent, SegmentEvent | None]] = []
    for event in events:
        if event.type in SEGMENT_STARTS:
            segments.append((event, None))
        elif event.type == CALLED and segments and segments[-1][1] is None:
            segments[-1] = (segments[-1][0], event)
    result = []
    for start, call in segments[:-1]:
        if call is not None:
            wait = call.at_ms - start.at_ms
            result.append(Segment(start.service_id, call.counter_id, call.clerk_id, wait))
    return result


def day_start_utc(tz: str, day: date) -> datetime:
    """The instant the business date begins in the branch's timezone."""
    return datetime.combine(day, time(0), ZoneInfo(tz))


def offset_changes(tz: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(until, offset minutes)] covering [start, end): the zone's UTC offset holds until
    `until` (exclusive); the last entry's `until` is `end`."""
    zone = ZoneInfo(tz)

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset()
        return int(delta.total_seconds() // 60) if delta is not None else 0

    result: list[tuple[datetime, int]] = []
    step = timedelta(hours=6)
    here, current = start, offset(start)
    while here < end:
        nxt = min(here + step, end)
        if offset(nxt) != current and nxt < end:
            # offset(low) == current != offset(high): bisect to the second
            low, high = math.floor(here.timestamp()), math.ceil(nxt.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                at = datetime.fromtimestamp(middle, UTC)
                low, high = (middle, high) if offset(at) == current else (low, middle)
            switch = datetime.fromtimestamp(high, UTC)
            result.append((switch, current))
            here, current = switch, offset(switch)
        else:
            here = nxt
    result.append((end, current))
    return result


@dataclass(frozen=True)
class BranchScope:
    id: int
    name: str
    timezone: str
    locale: str
    region: str | None
    today: date  # the business date now, in the branch's timezone


def today_at(timezone: str, now: datetime) -> date:
    """The business date at `now` in a branch's timezone."""
    return now.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class Scope:
    """Which tickets a statistic covers: these branches, business dates from..to inclusive."""

    branches: tuple[BranchScope, ...]
    date_from: date
    date_to: date
    # Only these (branch id, first, last) date ranges, inside date_from..date_to; None: all.
    ranges: tuple[tuple[int, date, date], ...] | None = None
    now: datetime | None = None  # when asked: a counter still open counts until then

    @property
    def branch_ids(self) -> list[int]:
        return [b.id for b in self.branches]

    def utc_window(self) -> tuple[datetime, datetime]:
        """An instant range holding every moment of the selected business dates everywhere."""
        after = self.date_to + timedelta(days=1)
        starts = [day_start_utc(b.timezone, self.date_from) for b in self.branches]
        ends = [day_start_utc(b.timezone, after) for b in self.branches]
        return min(starts), max(ends)

    def branch(self, branch_id: int) -> BranchScope | None:
        return next((b for b in self.branches if b.id == branch_id), None)


WAIT_BUCKETS_MIN = (5, 10, 15, 20, 30, 45, 60)  # the wait distribution's bucket edges


def wait_buckets(histogram: Histogram | Mapping[int, int]) -> list[tuple[int, int | None, int]]:
    """[(from_s, to_s or None for the last, count)] over WAIT_BUCKETS_MIN (from ≤ wait < to)."""
    counts = histogram if isinstance(histogram, Histogram) else Histogram(histogram)
    edges = [0, *(m * 60 for m in WAIT_BUCKETS_MIN)]
    below = [counts.count_below(edge) for edge in edges[1:]]  # the first bucket has negatives
    sizes = [below[0], *(b - a for a, b in pairwise(below))]
    sizes.append(counts.total - below[-1])
    bounds: list[int | None] = [*edges[1:], None]
    return [(edges[i], bounds[i], sizes[i]) for i in range(len(edges))]
