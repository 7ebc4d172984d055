"""The statistics rollup: closed days stored once give exactly the live figures, and a change to
a rolled-up day (a late rating, a correction, a new target) is seen at once.

Uses the hand-computed scenario of tests/test_stats.py (recalls, a transfer, a requeue,
no-shows, a cancellation, a wait equal to its target, two halls in two regions, a ticket
across hall 2's local midnight)."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, pool, select, text

from server.app import create_app
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.migrate import downgrade, upgrade
from server.core.settings import Settings
from server.stats import rollup, rollup_compute
from server.stats import rollup_repository as repo_rollup
from server.stats import service as stats
from server.stats.figures import WAIT_BUCKETS_MIN, percentile, wait_buckets
from server.stats.histogram import Histogram, Part
from server.stats.models import StatsRollup
from server.stats.periods import Period, cover, missing
from tests.conftest import Api
from tests.support import Clock, wait_until
from tests.test_stats import DAY, HALL1, Hall, make_hall, run_scenario

GROUPS = (None, "service", "counter", "clerk", "hour", "day", "branch")
JAN14, JAN15 = date(2026, 1, 14), date(2026, 1, 15)


@pytest.fixture
def hall(api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Hall:
    return make_hall(api, clock, monkeypatch)


@pytest.fixture
def ctx(settings: Settings, clock: Clock) -> Iterator[Ctx]:
    context = Ctx(Database(settings.database_url), settings, clock, None,
                  Principal(kind="admin", username="test"))  # fmt: skip
    yield context
    context.db.dispose()


ZERO_BOOKED = {"booked": 0, "checked_in": 0, "missed": 0, "cancelled": 0}


def figures(ctx: Ctx, selection: stats.Selection, group: str | None, *, rollups: bool) -> Any:
    """Every group's report and wait distribution; with rollups, also what was read live."""
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, selection)
        groups = stats.figures(session, scope, group, rollups=rollups)
        live = rollup.plan(session, scope, group)[1] if rollups else None
    report = {k: (f.report(), wait_buckets(f.wait_hist)) for k, f in groups.items()}
    return report, live


def selections(hall: Hall) -> list[stats.Selection]:
    two_days = {"date_from": JAN14, "date_to": JAN15}
    return [
        stats.Selection(**two_days),  # both halls
        stats.Selection(region="华东", date_from=JAN15, date_to=JAN15),
        stats.Selection(branch_id=hall.ids["hall2"], **two_days),
        stats.Selection(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31)),  # a month
        stats.Selection(date_from=date(2025, 12, 20), date_to=date(2026, 2, 10)),
    ]


def test_rolled_up_days_give_exactly_the_live_figures_for_every_group(hall: Hall, ctx: Ctx) -> None:
    run_scenario(hall)
    hall.clock.now = datetime(2026, 2, 15, 12, 0, tzinfo=UTC)  # January closed in both halls
    for selection in selections(hall):
        with ctx.db.read() as session:
            scope = stats.resolve(ctx, session, selection)
        for group in GROUPS:
            live, _ = figures(ctx, selection, group, rollups=False)
            rollup.ensure(ctx, scope, group, budget_s=60)
            rolled, left_live = figures(ctx, selection, group, rollups=True)
            assert rolled == live, (selection, group)
            assert left_live is None  # every day came from the rollup
    with ctx.db.read() as session:
        periods = {(r.period, r.first_day) for r in session.scalars(select(StatsRollup))}
    assert ("month", date(2026, 1, 1)) in periods and ("day", JAN15) in periods
    past = HALL1 | {"waiting_now": 0}  # a5 still waits, but "now" is a month later
    assert hall.stats("summary", branch_id=1, **{"from": DAY, "to": DAY}) == past


def test_a_year_is_read_from_its_year_row(hall: Hall, ctx: Ctx) -> None:
    run_scenario(hall)
    hall.clock.now = datetime(2027, 1, 2, 12, 0, tzinfo=UTC)
    year = stats.Selection(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    live = {g: figures(ctx, year, g, rollups=False)[0] for g in ("hour", "branch", None)}
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, year)
    assert rollup.ensure(ctx, scope, None, budget_s=0) == 32  # one batch: January, its days
    assert figures(ctx, year, "hour", rollups=True)[0] == live["hour"]  # partly live
    assert stats.summary(ctx, year).issued == 11  # built on demand, a second at most
    rollup.ensure(ctx, scope, None, budget_s=60)  # the rest: days, months, the year
    for group in ("hour", "branch", None):
        assert figures(ctx, year, group, rollups=True) == (live[group], None)
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, year)
        chosen, left = rollup.plan(session, scope, None)
    assert left is None
    assert all(periods == [Period("year", date(2026, 1, 1))] for periods in chosen.values())


def test_today_is_computed_live_and_merged_with_the_closed_days(hall: Hall, ctx: Ctx) -> None:
    run_scenario(hall)
    hall.at(24 * 60)  # 2026-01-16 09:00 in hall 1: the 15th is closed, the 16th is today
    hall.issue("t1", "A")
    span = stats.Selection(branch_id=1, date_from=JAN15, date_to=date(2026, 1, 16))
    live, _ = figures(ctx, span, None, rollups=False)
    summary = stats.summary(ctx, span)
    rolled, left_live = figures(ctx, span, None, rollups=True)
    assert rolled == live and summary.issued == 10 and summary.waiting_now == 1
    assert left_live is not None and left_live.ranges == (
        (1, date(2026, 1, 16), date(2026, 1, 16)),
    )


def summary(hall: Hall, **params: Any) -> Any:
    return hall.stats("summary", **({"branch_id": 1, "from": DAY, "to": DAY} | params))


def test_a_late_rating_or_correction_of_a_rolled_up_day_is_seen(hall: Hall, ctx: Ctx) -> None:
    run_scenario(hall)
    hall.at(3 * 24 * 60)
    assert summary(hall)["rating"] == {"mean": 4.0, "count": 2, "low": 0}
    assert _ready(ctx, 1, JAN15)
    hall.api.post(f"/api/v1/public/tickets/{hall.public['a3']}/rating", {"score": 1})
    assert not _ready(ctx, 1, JAN15)  # the trigger forgot the day (and its month and year)
    assert summary(hall)["rating"] == {"mean": 3.0, "count": 3, "low": 1}
    execute(ctx, "UPDATE ticket SET rating = 5 WHERE id = :id", id=hall.ids["a3"])  # a correction
    assert summary(hall)["rating"] == {"mean": 4.33, "count": 3, "low": 0}
    # a new target changes the SLA of past days too
    before = summary(hall)["sla_pct"]
    hall.api.client.patch(f"/api/v1/services/{hall.ids['A']}", json={"target_wait_min": 12},
                          headers=hall.api.admin).raise_for_status()  # fmt: skip
    after = summary(hall)
    assert before == 66.7 and after["sla_pct"] == 88.9  # 660 and 720 s are within 12 min
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, stats.Selection(branch_id=1, date_from=JAN15))
        live = stats.figures(session, scope, None, rollups=False)[0].report()
        assert live | {"appointments": ZERO_BOOKED} == after
    # so does a new time limit: A's services took 240 s (within 4 min) and 300 s (over it)
    assert after["over_limit"] == 0 and _ready(ctx, 1, JAN15)
    hall.api.client.patch(f"/api/v1/services/{hall.ids['A']}", json={"max_service_min": 4},
                          headers=hall.api.admin).raise_for_status()  # fmt: skip
    assert not _ready(ctx, 1, JAN15)
    assert summary(hall)["over_limit"] == 1
    with ctx.db.read() as session:
        live = stats.figures(session, scope, None, rollups=False)[0].report()
    assert live["over_limit"] == 1 and summary(hall) == live | {"appointments": ZERO_BOOKED}


def test_a_day_changed_while_it_was_computed_is_not_stored(hall: Hall, ctx: Ctx) -> None:
    run_scenario(hall)
    hall.at(3 * 24 * 60)
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, stats.Selection(branch_id=1, date_from=JAN15))
    day = [Period("day", JAN15)]
    token = ctx.clock()
    assert ctx.db.writes.run(lambda s: repo_rollup.claim(s, 1, day, token, token)) == day
    with ctx.db.read() as session:
        computed = rollup_compute.compute(session, scope.branches[0], day)
    hall.api.post(f"/api/v1/public/tickets/{hall.public['a3']}/rating", {"score": 2})
    assert ctx.db.writes.run(lambda s: repo_rollup.store(s, 1, token, computed)) == []
    assert not _ready(ctx, 1, JAN15)
    assert summary(hall)["rating"]["count"] == 3  # built again, with the rating


def test_an_event_of_a_rolled_up_day_forgets_it(hall: Hall, ctx: Ctx) -> None:
    run_scenario(hall)
    hall.at(3 * 24 * 60)
    summary(hall)
    assert _ready(ctx, 1, JAN15)
    execute(ctx, "INSERT INTO ticket_event (branch_id, seq, type, ts, ticket_id, data) "
            "VALUES (1, 100000, 'ticket.called', :ts, :ticket, '{}')",
            ts=hall.clock.now.replace(tzinfo=None), ticket=hall.ids["a1"])  # fmt: skip
    assert not _ready(ctx, 1, JAN15)


def execute(ctx: Ctx, sql: str, **params: Any) -> None:
    """A change made outside the services (a correction by hand)."""
    with ctx.db.writer.begin() as connection:
        connection.execute(text(sql), params)


def _ready(ctx: Ctx, branch_id: int, day: date) -> bool:
    with ctx.db.read() as session:
        ready = repo_rollup.ready_periods(session, [branch_id], day, day)
    return Period("day", day) in ready.get(branch_id, set())


def test_the_background_task_rolls_up_closed_days_of_every_hall(
    hall: Hall, ctx: Ctx, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_scenario(hall)
    hall.at(3 * 24 * 60)
    built, more = rollup.catch_up(ctx, max_batches=1)
    assert built > 0 and more
    monkeypatch.setattr(rollup, "FIRST_RUN_S", 0.0)
    with TestClient(create_app(settings, clock=hall.clock)):
        wait_until(lambda: not rollup.catch_up(ctx, max_batches=0)[1], 60, "the background rollup")
    assert rollup.catch_up(ctx) == (0, False)  # everything is built
    assert _ready(ctx, hall.ids["hall2"], JAN14) and _ready(ctx, 1, JAN15)


def test_the_background_task_starts_at_a_halls_first_ticket(hall: Hall, ctx: Ctx) -> None:
    """Not at 1 January: the empty days before a hall's first ticket are never built (a hall
    opened in December would have ~340 built in every process), and a year's statistic
    still counts every ticket."""
    run_scenario(hall)
    hall.at(3 * 24 * 60)
    while rollup.catch_up(ctx)[1]:
        pass
    with ctx.db.read() as session:
        first = repo_rollup.first_ticket_day(session, 1)
        built = repo_rollup.ready_periods(session, [1], date(2026, 1, 1), date(2026, 12, 31))
    assert first is not None and first > date(2026, 1, 1)
    assert built[1] and min(p.first for p in built[1]) == first
    assert all(p.level == "day" for p in built[1])  # January is not whole, nor the year
    year = summary(hall, **{"from": "2026-01-01", "to": "2026-12-31"})
    assert year["issued"] == summary(hall)["issued"] > 0


def test_one_process_at_a_time_catches_up(
    hall: Hall, ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catch-up reads every hall: under its lease, one process of an installation runs
    it, and another takes over once the first gave the lease up."""
    run_scenario(hall)
    hall.at(3 * 24 * 60)
    monkeypatch.setattr(rollup, "FIRST_RUN_S", 3600.0)  # rounds only when called here

    async def two_processes() -> tuple[object, object, object]:
        first, second = rollup.Background(lambda: ctx), rollup.Background(lambda: ctx)
        try:
            one = await asyncio.to_thread(first.round)
            other = await asyncio.to_thread(second.round)
            await first.stop()
            after = await asyncio.to_thread(second.round)
        finally:
            await second.stop()
        return one, other, after

    one, other, after = asyncio.run(two_processes())
    assert isinstance(one, tuple) and one[0] > 0
    assert other is None  # the first holds the lease
    assert isinstance(after, tuple)  # given up at its stop: taken over


def test_downgrade_removes_the_triggers_and_the_table(db_url: str) -> None:
    upgrade(db_url)
    downgrade(db_url, "0005")
    engine = create_engine(db_url, poolclass=pool.NullPool)
    try:
        assert "stats_rollup" not in inspect(engine).get_table_names()
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            else:
                query = (
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal UNION ALL "
                    "SELECT proname FROM pg_proc WHERE proname LIKE 'stats_rollup%'"
                )
            assert connection.execute(text(query)).all() == []
    finally:
        engine.dispose()
    upgrade(db_url)


# ---- the pure parts -----------------------------------------------------------------------

values = st.integers(min_value=-5_000, max_value=200_000) | st.integers(-(2**40), 2**40)
counters = st.dictionaries(values, st.integers(1, 50), max_size=60)


def closest_ranks(counts: dict[int, int], fraction: float) -> float | None:
    """The percentile by hand over the sorted values (no Histogram involved)."""
    ordered = sorted(value for value, n in counts.items() for _ in range(n))
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def buckets_by_hand(counts: dict[int, int]) -> list[int]:
    """How many values fall in each wait bucket (edges in minutes; the first takes negatives)."""
    edges = [m * 60 for m in WAIT_BUCKETS_MIN]
    sizes = [0] * (len(edges) + 1)
    for value, n in counts.items():
        sizes[sum(value >= edge for edge in edges)] += n
    return sizes


@settings(max_examples=200, deadline=None)
@given(st.lists(counters, min_size=1, max_size=8), st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]))
def test_histogram_parts_rank_like_one_merged_counter(
    parts: list[dict[int, int]], fraction: float
) -> None:
    merged: Counter[int] = Counter()
    histogram = Histogram()
    for i, counts in enumerate(parts):
        merged.update(counts)
        part = Part.of(counts)
        histogram.add_part(Part.decode(part.encode()) if i % 2 else part)
    assert percentile(histogram, fraction) == pytest.approx(closest_ranks(merged, fraction))
    assert [n for _, _, n in wait_buckets(histogram)] == buckets_by_hand(merged)
    assert dict(histogram.part().items()) == {k: v for k, v in merged.items() if v}
    assert histogram.total == sum(merged.values())


def test_percentile_over_parts_finds_ranks_inside_one_minute() -> None:
    histogram = Histogram()
    for counts in ({61: 2, 62: 1, 200: 1}, {61: 1, 119: 3}, {0: 4, 65: 1}):
        histogram.add_part(Part.of(counts))
    merged = {0: 4, 61: 3, 62: 1, 65: 1, 119: 3, 200: 1}
    for fraction in (0.3, 0.5, 0.62, 0.9):
        assert percentile(histogram, fraction) == pytest.approx(closest_ranks(merged, fraction))


def test_a_range_is_covered_by_the_largest_built_periods() -> None:
    ready = {Period("month", date(2026, 2, 1)), Period("day", date(2026, 1, 31)),
             Period("year", date(2025, 1, 1)), Period("day", date(2026, 3, 1))}  # fmt: skip
    periods, rest = cover(date(2025, 1, 1), date(2026, 3, 2), ready)
    assert periods == [
        Period("year", date(2025, 1, 1)), Period("day", date(2026, 1, 31)),
        Period("month", date(2026, 2, 1)), Period("day", date(2026, 3, 1)),
    ]  # fmt: skip
    assert rest == [date(2026, 1, d) for d in range(1, 31)] + [date(2026, 3, 2)]
    days_only, rest = cover(date(2026, 2, 27), date(2026, 3, 1), ready, ("day",))
    assert days_only == [Period("day", date(2026, 3, 1))] and len(rest) == 2
    todo = missing(date(2026, 1, 30), date(2026, 3, 31), ready)
    assert todo[0] == Period("day", date(2026, 1, 30)) and todo[-1] == Period(
        "month", date(2026, 3, 1)
    )
    assert Period("month", date(2026, 1, 1)) not in todo  # not whole in the range
    assert Period("day", date(2026, 2, 10)) not in todo  # inside a built month
    assert len(todo) == 1 + 30 + 1
