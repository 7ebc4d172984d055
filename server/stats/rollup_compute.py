"""The figures of rollup periods: days from their tickets, months and years merged from their
days and months. What stats.figures computes live, for every group at once (exactly: the
same expressions from repo_stats, the same whole seconds, tests/test_stats_rollup.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import chain, repeat
from operator import add, floordiv

from sqlalchemy.orm import Session

from server.stats import counter_repository as repo_counters
from server.stats import repository as repo_stats
from server.stats import rollup_repository as repo_rollup
from server.stats.counter_time import Times, counter_times
from server.stats.figures import (
    LOW_RATING,
    BranchScope,
    Figures,
    Scope,
    day_start_utc,
    earlier_segments,
    over_limit,
    within_target,
)
from server.stats.histogram import Histogram
from server.stats.periods import ONE_DAY, Period, days
from server.stats.rollup_repository import DIMENSIONS, TOTAL, RowKey

Built = dict[Period, dict[RowKey, Figures]]
# index in Sums.counts
STATE_COUNT = {"done": 1, "no_show": 2, "cancelled": 3, "day_closed": 12}


def compute(session: Session, branch: BranchScope, periods: Sequence[Period]) -> Built:
    """Days from their tickets; months (and years) from the days (months) of the same batch,
    else from their stored rows."""
    days = {Period("day", d): s for d, s in _day_sums(session, branch, periods).items()}
    result: Built = {p: _figures(groups) for p, groups in days.items()}
    stored = []
    for period in (p for p in periods if p.level != "day"):
        children = period.children()
        if not all(c in days for c in children):
            stored.append(period)
            continue
        merged: dict[RowKey, Sums] = defaultdict(Sums)
        for child in children:
            for key, sums in days[child].items():
                merged[key].merge(sums)
        result[period] = _figures(merged)
    if stored:
        result.update(_from_rows(session, branch, stored))
    return result


def _figures(groups: dict[RowKey, Sums]) -> dict[RowKey, Figures]:
    return defaultdict(Figures, {key: sums.figures() for key, sums in groups.items()})


class Sums:
    """One group's figures while they are computed: counts, and the durations in lists
    (summed, maxed and counted at the end by C code: much faster than Figures one by one)."""

    __slots__ = ("counts", "moved_ms", "service_ms", "wait_ms")

    def __init__(self) -> None:
        # issued, served, no_show, cancelled, rating_n, rating_sum, within, rating_low,
        # over_limit, open_ms, paused_ms, idle_ms, day_closed
        self.counts = [0] * 13
        self.service_ms: list[int] = []
        self.wait_ms: list[int] = []  # last queue segments (whole seconds as SQL makes them)
        self.moved_ms: list[int] = []  # earlier segments (as Figures.add_wait makes them)

    def merge(self, other: Sums) -> None:
        self.counts = list(map(add, self.counts, other.counts))
        self.service_ms.extend(other.service_ms)
        self.wait_ms.extend(other.wait_ms)
        self.moved_ms.extend(other.moved_ms)

    def figures(self) -> Figures:
        (issued, served, no_show, cancelled, rating_n, rating_sum, within, rating_low, over,
         open_ms, paused_ms, idle_ms, day_closed) = self.counts  # fmt: skip
        waits = (self.wait_ms, self.moved_ms)
        return Figures(
            issued=issued, served=served, no_show=no_show, cancelled=cancelled,
            day_closed=day_closed,
            called=sum(map(len, waits)), within=within, wait_sum_ms=sum(map(sum, waits)),
            wait_max_ms=max(chain(*waits), default=None),
            wait_hist=_histogram(self.wait_ms, self.moved_ms),
            service_n=len(self.service_ms), service_sum_ms=sum(self.service_ms),
            service_hist=_histogram(self.service_ms),
            rating_sum=rating_sum, rating_n=rating_n, rating_low=rating_low, over_limit=over,
            open_ms=open_ms, paused_ms=paused_ms, idle_ms=idle_ms,
        )  # fmt: skip


def _sql_seconds(ms: int) -> int:
    """Whole seconds as the database's integer division makes them (toward zero)."""
    return ms // 1000 if ms >= 0 else -(-ms // 1000)


def _histogram(sql_ms: list[int], python_ms: Iterable[int] = ()) -> Histogram:
    """Whole seconds of durations: toward zero (`sql_ms`) or down (`python_ms`), as the live
    figures have them (the same unless negative); by C code when none is negative."""
    if min(sql_ms, default=0) >= 0:
        seconds: Iterable[int] = map(floordiv, sql_ms, repeat(1000))
    else:
        seconds = map(_sql_seconds, sql_ms)
    return Histogram.counting(chain(seconds, map(floordiv, python_ms, repeat(1000))))


def _day_sums(
    session: Session, branch: BranchScope, periods: Sequence[Period]
) -> dict[date, dict[RowKey, Sums]]:
    firsts = [p.first for p in periods if p.level == "day"]
    if not firsts:
        return {}
    scope = Scope((branch,), min(firsts), max(firsts))
    sums: dict[date, dict[RowKey, Sums]] = {first: defaultdict(Sums) for first in firsts}
    for (day, service_id, counter_id, clerk_id, hour, state, rating, service_ms, wait_ms,
         target_min, limit_min) in repo_stats.ticket_facts(session, scope):  # fmt: skip
        groups = sums.get(day)
        if groups is None:
            continue
        outcome = STATE_COUNT.get(state)
        waited = wait_ms is not None and target_min is not None
        within = waited and within_target(wait_ms, target_min)
        low = rating is not None and rating <= LOW_RATING
        over = service_ms is not None and over_limit(service_ms, limit_min)
        for key in ((TOTAL, 0), ("service", service_id), ("counter", counter_id),
                    ("clerk", clerk_id), ("hour", int(hour))):  # fmt: skip
            group = groups[key]
            counts = group.counts
            counts[0] += 1
            if outcome:
                counts[outcome] += 1
            if rating is not None:
                counts[4] += 1
                counts[5] += rating
                counts[7] += low
            counts[8] += over
            if service_ms is not None:
                group.service_ms.append(service_ms)
            if waited:
                group.wait_ms.append(wait_ms)
                counts[6] += within
    targets = repo_stats.service_targets(session, [branch.id])
    for ticket in repo_stats.moved_tickets(session, scope, "hour", per_day=True).values():
        groups = sums.get(ticket.day) if ticket.day else None
        if groups is None:
            continue
        for segment in earlier_segments(ticket.events):
            # as stats.figures: the wait counts in its queue, at the counter and clerk that
            # called it, and in the ticket's hour
            within = within_target(segment.wait_ms, targets.get(segment.service_id or 0, 0))
            for key in ((TOTAL, 0), ("service", segment.service_id),
                        ("counter", segment.counter_id), ("clerk", segment.clerk_id),
                        ("hour", int(ticket.key))):  # fmt: skip
                groups[key].moved_ms.append(segment.wait_ms)
                groups[key].counts[6] += within
    add_counter_times(session, branch, firsts, sums)
    return sums


def add_counter_times(
    session: Session,
    branch: BranchScope,
    firsts: Sequence[date],
    sums: dict[date, dict[RowKey, Sums]],
    now: datetime | None = None,
    *,
    per_day: bool = True,
) -> None:
    """The time at the counter of these days, in the clerk and counter groups. A counter's
    state at a day's start comes from its changes of the day before."""
    if not firsts:
        return
    days = sorted(firsts)
    since = day_start_utc(branch.timezone, days[0]) - ONE_DAY
    end = day_start_utc(branch.timezone, days[-1] + ONE_DAY)
    until = end if now is None else min(now, end)

    def offset(at: datetime) -> int:
        return round((at - repo_counters.EPOCH).total_seconds() * 1000)

    windows = [(d, offset(day_start_utc(branch.timezone, d)),
                offset(day_start_utc(branch.timezone, d + ONE_DAY))) for d in days]  # fmt: skip
    if not per_day:  # one window: the same sums, without cutting every stretch at midnight
        windows = [(days[0], windows[0][1], windows[-1][2])]
    changes = repo_counters.counter_changes(session, branch.id, since, until)
    times = counter_times(changes, windows, offset(until))
    for (day, counter_id, clerk_id), spent in times.items():
        groups = sums[day]
        for key in (("counter", counter_id), ("clerk", clerk_id)):
            counts = groups[key].counts
            for i, ms in enumerate(spent):
                counts[9 + i] += ms


def _from_rows(session: Session, branch: BranchScope, periods: Sequence[Period]) -> Built:
    """Month rows from their stored days, year rows from their months (when all are built)."""
    parent_of = {child: p for p in periods for child in p.children()}
    firsts = [c.first for c in parent_of]
    ready = repo_rollup.ready_periods(session, [branch.id], min(firsts), max(firsts))
    complete = [p for p in periods if all(c in ready[branch.id] for c in p.children())]
    children = {branch.id: [c for p in complete for c in p.children()]}
    result: Built = {p: defaultdict(Figures) for p in complete}
    for dimension in DIMENSIONS:
        for _, child, key, f in repo_rollup.figures(session, dimension, children):
            result[parent_of[child]][(dimension, key)].merge(f)
    return result


def counter_time_groups(session: Session, scope: Scope, group: str) -> dict[int | None, Times]:
    """{counter or clerk id: [open, paused, idle ms]} over the scope's days (live figures)."""
    spans = scope.ranges or tuple((b.id, scope.date_from, scope.date_to) for b in scope.branches)
    result: dict[int | None, Times] = defaultdict(lambda: [0, 0, 0])
    for branch_id, first, last in spans:
        branch = scope.branch(branch_id)
        if branch is None:
            continue
        firsts = list(days(first, last))
        sums: dict[date, dict[RowKey, Sums]] = {first: defaultdict(Sums)}
        add_counter_times(session, branch, firsts, sums, scope.now, per_day=False)
        for groups in sums.values():
            for (dimension, key), part in groups.items():
                if dimension == group:
                    spent = result[key]
                    for i in range(3):
                        spent[i] += part.counts[9 + i]
    return result
