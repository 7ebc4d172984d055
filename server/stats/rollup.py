"""Statistics rollup: the figures of each closed business day of a hall computed once and
stored (then merged into months and years), so that a statistic over a year reads a few
hundred rows instead of every ticket.

- A day is rolled up once it is closed (before today in the hall's timezone); today, and any
  day not built yet, is computed live from the tickets (stats.figures merges both).
- Rows hold exact counts, sums and whole-second histograms: merged figures equal the live
  ones exactly (tests/test_stats_rollup.py compares every group).
- Missing periods are built on demand (`ensure`, before a statistic is read, for up to
  ON_DEMAND_S) and by the server's background task (`catch_up`, a few batches per run).
- Triggers (migration 0006) delete a period's rows when its tickets change; a claim that
  vanished while computing means the figures are stale, and they are not stored.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.core.context import Ctx
from server.core.lease import holder_id, release_lease, take_lease
from server.core.models import Branch
from server.core.run import write
from server.halls import repository as halls_repo
from server.stats import repository as repo_stats
from server.stats import rollup_compute
from server.stats import rollup_repository as repo_rollup
from server.stats.figures import BranchScope, Figures, Scope, today_at
from server.stats.periods import LEVELS, ONE_DAY, Period, cover, days, missing
from server.stats.rollup_compute import Built
from server.stats.rollup_repository import DIMENSIONS, TOTAL

log = logging.getLogger(__name__)
CLAIM_STALE = timedelta(minutes=10)  # a claim older than this was abandoned: take it over
FIRST_RUN_S, EVERY_S, BUSY_S = 60.0, 300.0, 1.0  # background task: start, idle, backlog
BATCHES_PER_RUN = 8
# A statistic builds what it misses for up to about this long (a hall-month of ~12,000 tickets
# takes ~0.5 s), then computes the rest live: a first look at a year of every hall is not held
# up by building it all (~40 s for 1,000,000 tickets, docs/benchmarks.md).
ON_DEMAND_S = 1.0
Key = int | str | None
"""A group's key: a service, counter or clerk id, an hour, an ISO day, a branch id; 0 for all."""


def levels_for(group: str | None) -> tuple[str, ...]:
    """Per-day figures come from day rows only; everything else from the largest periods."""
    return ("day",) if group == "day" else LEVELS


def plan(
    session: Session, scope: Scope, group: str | None
) -> tuple[dict[int, list[Period]], Scope | None]:
    """The built periods to read per branch, and the scope left to compute live."""
    ready = _ready(session, scope, levels_for(group))
    chosen: dict[int, list[Period]] = {}
    ranges: list[tuple[int, date, date]] = []
    for branch in scope.branches:
        closed = min(scope.date_to, branch.today - ONE_DAY)
        periods, rest = cover(scope.date_from, closed, ready.get(branch.id, set()),
                              levels_for(group))  # fmt: skip
        chosen[branch.id] = periods
        rest.extend(days(max(scope.date_from, closed + ONE_DAY), scope.date_to))
        ranges.extend((branch.id, first, last) for first, last in _runs(rest))
    if not ranges:
        return chosen, None
    return chosen, Scope(
        scope.branches, scope.date_from, scope.date_to, tuple(ranges), now=scope.now
    )


def _ready(session: Session, scope: Scope, levels: Sequence[str]) -> dict[int, set[Period]]:
    """The built periods that can cover the scope: its months and years, and its days where
    these leave gaps (not the thousands of days inside built months)."""
    large = [level for level in levels if level != "day"]
    ready = repo_rollup.ready_periods(session, scope.branch_ids, scope.date_from, scope.date_to,
                                      large)  # fmt: skip
    gaps = {b.id: list(_runs(cover(scope.date_from, scope.date_to, ready[b.id], levels)[1]))
            for b in scope.branches}  # fmt: skip
    for branch_id, day in repo_rollup.ready_days(session, gaps):
        ready[branch_id].add(day)
    return ready


def _runs(sorted_days: Sequence[date]) -> Iterable[tuple[date, date]]:
    """Consecutive days as (first, last) ranges."""
    start = previous = None
    for day in sorted_days:
        if previous is not None and day == previous + ONE_DAY:
            previous = day
            continue
        if start is not None and previous is not None:
            yield start, previous
        start = previous = day
    if start is not None and previous is not None:
        yield start, previous


def read(
    session: Session,
    chosen: Mapping[int, Sequence[Period]],
    group: str | None,
    result: dict[Key, Figures],
) -> None:
    """Merge the chosen periods' rows into `result` (by group key)."""
    dimension = group if group in DIMENSIONS else TOTAL
    for branch_id, period, group_key, f in repo_rollup.figures(session, dimension, chosen):
        key: Key = group_key
        if dimension == TOTAL:
            if not f.issued:
                continue  # an empty day: the live figures have no group for it either
            key = branch_id if group == "branch" else period.first.isoformat() if group else 0
        result[key].merge(f)


# ---- building ------------------------------------------------------------------------------


def ensure(ctx: Ctx, scope: Scope, group: str | None, *, budget_s: float = ON_DEMAND_S) -> int:
    """Build the closed periods of the scope that are not built yet, batch after batch until
    `budget_s` is spent (at least one batch; what is left is computed live this time, and
    rolled up by the background task); returns how many periods were built."""
    if not scope.branches:
        return 0
    deadline = time.monotonic() + budget_s
    with ctx.db.read() as session:
        ready = _ready(session, scope, levels_for(group))
    built = 0
    for branch in scope.branches:
        last = min(scope.date_to, branch.today - ONE_DAY)
        todo = missing(scope.date_from, last, ready.get(branch.id, set()), levels_for(group))
        for batch in _batches(todo):
            try:
                built += build(ctx, branch, batch)
            except Exception:  # the statistic is still answered, live
                log.exception("statistics rollup of %s failed", branch.name)
                return built
            if time.monotonic() > deadline:
                return built
    return built


def catch_up(
    ctx: Ctx, *, max_batches: int = BATCHES_PER_RUN, stop: threading.Event | None = None
) -> tuple[int, bool]:
    """The background task's run: build missing closed periods of every hall, from the day of
    its first ticket, at most `max_batches` batches (fewer once `stop` is set); returns
    (periods built, more to do).

    Not from the start of that year: the days before the first ticket hold nothing, and a
    statistic computes them live in one query of an empty range. Built from 1 January, a hall
    opened in December had ~340 empty days built in every process (minutes for 500 new halls,
    docs/benchmarks.md "Scale-out"); its first month and year are read as days and months."""
    now = ctx.clock()
    scopes = []
    with ctx.db.read() as session:
        for branch in (branch_scope(b, now) for b in halls_repo.branches(session, None)):
            first = repo_rollup.first_ticket_day(session, branch.id)
            if first is not None:
                scopes.append(Scope((branch,), first, branch.today - ONE_DAY))
        ready = [_ready(session, scope, LEVELS) for scope in scopes]
    batches = built = 0
    for scope, known in zip(scopes, ready, strict=True):
        branch = scope.branches[0]
        for batch in _batches(missing(scope.date_from, scope.date_to, known[branch.id])):
            if batches >= max_batches or (stop is not None and stop.is_set()):
                return built, True
            built += build(ctx, branch, batch)
            batches += 1
    return built, False


def branch_scope(b: Branch, now: datetime) -> BranchScope:
    """A hall as statistics see it, with its business date at `now`."""
    return BranchScope(b.id, b.name, b.timezone, b.locale, b.region, today_at(b.timezone, now))


def _batches(todo: Sequence[Period]) -> Iterable[list[Period]]:
    """Days by month (with the month when all its days are in: it is merged from them at
    once), months by year, years together (in `missing`'s order)."""
    groups: dict[tuple[str, Period | None], list[Period]] = defaultdict(list)
    for period in todo:
        groups[(period.level, period.parent)].append(period)

    def whole(month: Period) -> bool:
        return len(groups.get(("day", month), ())) == len(month.children())

    for (level, parent), batch in groups.items():
        if level == "month":
            batch = [p for p in batch if not whole(p)]
        elif (
            parent is not None
            and whole(parent)
            and parent in groups.get(("month", parent.parent), ())
        ):
            batch = [*batch, parent]
        if batch:
            yield batch


def build(ctx: Ctx, branch: BranchScope, periods: Sequence[Period]) -> int:
    """Claim, compute and store periods of one branch; returns how many were stored. The
    writes go through the database's writer (SQLite: in the group commit of the moment)."""
    token = ctx.clock()
    try:
        mine = ctx.db.writes.run(
            lambda s: repo_rollup.claim(s, branch.id, periods, token, token - CLAIM_STALE)
        )
    except IntegrityError:
        return 0  # another builder claimed them at the same moment
    if not mine:
        return 0
    stored: list[Period] = []
    try:
        with ctx.db.read() as session:
            settled = repo_rollup.wait_for_writers(session)
        if settled:
            with ctx.db.read() as session:
                repo_stats.tune(session)
                figures = rollup_compute.compute(session, branch, mine)
            stored = ctx.db.writes.run(lambda s: _store(s, branch.id, token, mine, figures))
        else:
            log.warning("statistics rollup: writers still running, %s left live", branch.name)
    finally:
        if not stored:
            ctx.db.writes.run(lambda s: repo_rollup.release(s, branch.id, mine, token))
    return len(stored)


def _store(
    session: Session, branch_id: int, token: datetime, mine: Sequence[Period], figures: Built
) -> list[Period]:
    stored = repo_rollup.store(session, branch_id, token, figures)
    repo_rollup.release(session, branch_id, set(mine) - set(stored), token)
    return stored


def forget_all(ctx: Ctx) -> None:
    """Drop every rollup row (they are rebuilt on demand and by the background task)."""
    ctx.db.writes.run(repo_rollup.forget_all)


def build_all(ctx: Ctx, progress: Callable[[int], None] | None = None) -> int:
    """Build everything missing, run after run (the background task's work, without its
    pauses); returns the periods built."""
    total = 0
    while True:
        built, more = catch_up(ctx)
        total += built
        if progress is not None:
            progress(total)
        if not more or not built:
            return total


LEASE = "rollup"
LEASE_S = 3 * EVERY_S
"""The catch-up runs in one process of an installation at a time (it reads every hall: ~1,000
queries at 500 halls, which every worker of every instance repeated). A stopped holder gives
the lease up; one that died is replaced after this long, while statistics compute live."""


class Background:
    """The server's task: while this process holds the lease, roll up newly closed days every
    few minutes, a backlog a few batches at a time (one each second). Started with the app;
    `stop` lets the batch under way finish (so nothing writes after the database is closed)
    and gives the lease up."""

    def __init__(self, ctx: Callable[[], Ctx]) -> None:
        self._ctx = ctx
        self.holder = holder_id()
        self._stop = threading.Event()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        await self._task
        try:
            await asyncio.to_thread(
                write, self._ctx(), partial(release_lease, holder=self.holder, name=LEASE)
            )
        except Exception:
            log.exception("giving up the rollup lease failed")

    def round(self) -> tuple[int, bool] | None:
        """One run: (periods built, more to do), or None when another process holds the
        lease."""
        ctx = self._ctx()
        try:
            leader = write(ctx, partial(take_lease, holder=self.holder, ttl_s=LEASE_S, name=LEASE))
        except IntegrityError:  # another process created the lease row first
            return None
        return catch_up(ctx, stop=self._stop) if leader else None

    async def _run(self) -> None:
        delay = FIRST_RUN_S
        while not await self._stopped_after(delay):
            more = False
            try:
                done = await asyncio.to_thread(self.round)
                more = done is not None and done[1] and done[0] > 0
            except Exception:
                log.exception("statistics rollup failed")
            delay = BUSY_S if more else EVERY_S

    async def _stopped_after(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            return self._stop.is_set()
        return True
