"""Time at the counter, pure: how long each counter was open, paused, and open with nothing in
hand (idle), per business day and per clerk, from its `counter.updated` changes.

Each change holds the counter as it is from that moment (state, clerk, ticket in hand) until
the counter's next change, or until `now`. A stretch is cut at the business days' edges."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import TypeVar

OPEN, PAUSED, IDLE = 0, 1, 2  # indexes in a Times list


@dataclass(frozen=True)
class CounterChange:
    counter_id: int
    at_ms: int  # milliseconds after the instant the windows are counted from
    state: str  # closed | open | paused
    clerk_id: int | None
    ticket_id: int | None


Times = list[int]
"""[open ms, paused ms, idle ms]"""
K = TypeVar("K", bound=Hashable)
"""A window's key (a business date)"""


def counter_times(
    changes: Iterable[CounterChange], windows: Sequence[tuple[K, int, int]], now_ms: int
) -> dict[tuple[K, int, int | None], Times]:
    """{(day key, counter id, clerk id): [open, paused, idle ms]} over the windows (key, first
    ms, first ms after it; sorted, not overlapping). `changes` come sorted by counter, then
    time. Times are whole milliseconds from one instant (integers: a year of a hall's changes
    is ~200,000 of them, and comparing aware date-times cost seconds)."""
    starts = [start for _, start, _ in windows]
    result: dict[tuple[K, int, int | None], Times] = defaultdict(lambda: [0, 0, 0])
    for counter_id, grouped in groupby(changes, key=attrgetter("counter_id")):
        items = list(grouped)
        for change, after in zip(items, [*items[1:], None], strict=True):
            if change.state not in ("open", "paused"):
                continue
            begin, end = change.at_ms, min(after.at_ms if after else now_ms, now_ms)
            i = max(0, bisect_right(starts, begin) - 1)
            while i < len(windows) and windows[i][1] < end:
                key, first, last = windows[i]
                lo, hi = max(begin, first), min(end, last)
                if hi > lo:
                    ms = hi - lo
                    times = result[(key, counter_id, change.clerk_id)]
                    if change.state == "paused":
                        times[PAUSED] += ms
                    else:
                        times[OPEN] += ms
                        if change.ticket_id is None:
                            times[IDLE] += ms
                i += 1
    return result
