"""Statistics rollup rows (`stats_rollup`): which periods are built, claiming and storing a
period's rows, reading them back as Figures.

A period's `total` row is its marker: inserted not `ready` when a builder claims the period
(`built_at` is the claim's token), made ready with the rows of the other dimensions in one
transaction. The triggers of migration 0006 delete every row of a period whose tickets change,
so a claim that disappeared means the period changed while it was computed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, delete, insert, or_, select, text, update
from sqlalchemy.orm import Session

from server.core.models import Base
from server.stats import repository as repo_stats
from server.stats.figures import Figures
from server.stats.histogram import Part
from server.stats.models import StatsRollup as R
from server.stats.periods import Period
from server.tickets.models import Ticket

TOTAL = "total"
DIMENSIONS = (TOTAL, "service", "counter", "clerk", "hour")
NO_KEY = -1  # the group of tickets without one (never called: no counter, no clerk)
COUNTS = ("issued", "served", "no_show", "cancelled", "day_closed", "called", "within",
          "wait_sum_ms", "wait_max_ms", "service_n", "service_sum_ms", "rating_n", "rating_sum",
          "rating_low", "over_limit", "open_ms", "paused_ms", "idle_ms")  # fmt: skip
RowKey = tuple[str, int | None]  # (dimension, group key)
TABLE = Base.metadata.tables["stats_rollup"]  # plain (Core) inserts: no ORM bookkeeping


def _periods(branch_id: int, periods: Collection[Period]) -> list[Any]:
    """Conditions for the rows of these periods of a branch, one per level: OR-ed flat, each
    is an index look-up (SQLite does not look inside an OR nested in an AND)."""
    by_level: dict[str, list[date]] = defaultdict(list)
    for p in periods:
        by_level[p.level].append(p.first)
    return [and_(R.branch_id == branch_id, R.period == level, R.first_day.in_(firsts))
            for level, firsts in by_level.items()]  # fmt: skip


def ready_periods(
    session: Session,
    branch_ids: Collection[int],
    first: date,
    last: date,
    levels: Collection[str] = ("day", "month", "year"),
) -> dict[int, set[Period]]:
    """The built periods of these levels starting in first..last, per branch."""
    query = select(R.branch_id, R.period, R.first_day).where(
        R.branch_id.in_(branch_ids), R.dimension == TOTAL, R.first_day >= first,
        R.first_day <= last, R.ready.is_(True), R.period.in_(levels),
    )  # fmt: skip
    result: dict[int, set[Period]] = defaultdict(set)
    for branch_id, level, first_day in repo_stats.rows(session, query):
        result[branch_id].add(Period(level, first_day))
    return result


def ready_days(
    session: Session, spans: Mapping[int, Collection[tuple[date, date]]]
) -> Iterator[tuple[int, Period]]:
    """The built days inside these (first, last) spans, per branch."""
    wanted = [and_(R.branch_id == branch_id, R.first_day >= first, R.first_day <= last)
              for branch_id, some in spans.items() for first, last in some]  # fmt: skip
    if not wanted:
        return
    query = select(R.branch_id, R.first_day).where(
        R.dimension == TOTAL, R.period == "day", R.ready.is_(True), or_(*wanted)
    )
    for branch_id, first_day in repo_stats.rows(session, query):
        yield branch_id, Period("day", first_day)


def claim(
    session: Session,
    branch_id: int,
    periods: Collection[Period],
    token: datetime,
    stale_before: datetime,
) -> list[Period]:
    """Mark the periods as being built (by `token`) unless built or claimed recently; returns
    the periods claimed. Leftover rows of a claimed period are deleted first."""
    if not periods:
        return []
    query = select(R.period, R.first_day, R.ready, R.built_at).where(
        R.dimension == TOTAL, or_(*_periods(branch_id, periods))
    )
    busy = {Period(level, first) for level, first, ready, built_at
            in session.execute(query) if ready or built_at >= stale_before}  # fmt: skip
    mine = sorted(set(periods) - busy)
    if not mine:
        return []
    for chunk in _chunks(mine):
        session.execute(delete(R).where(or_(*_periods(branch_id, chunk))))
    session.execute(insert(TABLE), [_row(branch_id, p, TOTAL, 0, Figures(), token) for p in mine])
    return mine


def release(session: Session, branch_id: int, periods: Collection[Period], token: datetime) -> None:
    """Drop what is left of our claims (after a failure)."""
    for chunk in _chunks(sorted(periods)):
        session.execute(delete(R).where(R.built_at == token, or_(*_periods(branch_id, chunk))))


def wait_for_writers(session: Session, timeout_s: float = 5.0) -> bool:
    """PostgreSQL: wait until the transactions running now have ended, so that a writer whose
    trigger ran before our claim was committed is visible to the snapshot we compute from.
    (SQLite runs one writer at a time: its trigger and commit cannot straddle a claim.)"""
    if session.get_bind().dialect.name != "postgresql":
        return True
    snapshot = session.execute(text("SELECT pg_current_snapshot()::text")).scalar_one()
    running = text(
        "SELECT count(*) FROM pg_snapshot_xip(CAST(:snapshot AS pg_snapshot)) AS x "
        "WHERE pg_xact_status(x) = 'in progress'"
    )
    deadline = time.monotonic() + timeout_s
    while session.execute(running, {"snapshot": snapshot}).scalar_one():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def store(
    session: Session,
    branch_id: int,
    token: datetime,
    figures: Mapping[Period, Mapping[RowKey, Figures]],
) -> list[Period]:
    """Write the rows of the periods whose claim (by `token`) still stands and mark them
    ready; returns those periods."""
    if not figures:
        return []
    query = select(R.period, R.first_day).where(
        R.dimension == TOTAL, R.ready.is_(False), R.built_at == token,
        or_(*_periods(branch_id, figures)),
    )  # fmt: skip
    standing = {Period(level, first) for level, first in session.execute(query.with_for_update())}
    rows, totals = [], []
    for period in sorted(standing):
        for (dimension, key), f in figures[period].items():
            if dimension == TOTAL:
                totals.append(_row(branch_id, period, TOTAL, 0, f, token) | {"ready": True})
            else:
                rows.append(_row(branch_id, period, dimension, key, f, token))
        if (TOTAL, 0) not in figures[period]:
            totals.append(_row(branch_id, period, TOTAL, 0, Figures(), token) | {"ready": True})
    if rows:
        session.execute(insert(TABLE), rows)
    if totals:
        session.execute(update(R), totals)
    return sorted(standing)


def figures(
    session: Session, dimension: str, periods: Mapping[int, Collection[Period]]
) -> Iterator[tuple[int, Period, int | None, Figures]]:
    """(branch id, period, group key, figures) of one dimension's rows of these periods."""
    wanted = [arm for branch_id, some in periods.items() for chunk in _chunks(sorted(some))
              for arm in _periods(branch_id, chunk)]  # fmt: skip
    if not wanted:
        return
    columns = [getattr(R, name) for name in COUNTS]
    query = select(R.branch_id, R.period, R.first_day, R.group_key, *columns, R.wait_hist,
                   R.service_hist).where(R.dimension == dimension, or_(*wanted))  # fmt: skip
    for branch_id, level, first, key, *values in _fetch(session, query):
        f = Figures(**dict(zip(COUNTS, values[: len(COUNTS)], strict=True)))
        wait_hist, service_hist = values[len(COUNTS) :]
        if wait_hist:
            f.wait_hist.add_part(Part.decode(wait_hist))
        if service_hist:
            f.service_hist.add_part(Part.decode(service_hist))
        yield branch_id, Period(level, first), None if key == NO_KEY else key, f


def _fetch(session: Session, query: Select[Any]) -> Sequence[Any]:
    """Rows with histograms. PostgreSQL: in binary format, where bytea arrives as bytes, not
    as hex text (half the bytes, nothing to parse: 40 instead of 80-130 ms for the months of
    all halls' clerks), on the session's connection (its snapshot)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(query).all()
    compiled = query.compile(dialect=connection.dialect,
                             compile_kwargs={"render_postcompile": True})  # fmt: skip
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        cursor.execute(compiled.string, compiled.params)
        return cursor.fetchall()  # type: ignore[no-any-return]


def first_ticket_day(session: Session, branch_id: int) -> date | None:
    """The business date of the hall's first ticket (an index look-up)."""
    query = select(Ticket.business_date).where(Ticket.branch_id == branch_id)
    return session.scalar(query.order_by(Ticket.business_date).limit(1))


def forget_all(session: Session) -> None:
    session.execute(delete(R))


def _row(
    branch_id: int, period: Period, dimension: str, key: int | None, f: Figures, token: datetime
) -> dict[str, Any]:
    return {
        "branch_id": branch_id, "period": period.level, "first_day": period.first,
        "dimension": dimension, "group_key": NO_KEY if key is None else key, "ready": False,
        "built_at": token, **{name: getattr(f, name) for name in COUNTS},
        "wait_hist": f.wait_hist.part().encode() if f.called else None,
        "service_hist": f.service_hist.part().encode() if f.service_n else None,
    }  # fmt: skip


def _chunks(periods: list[Period], size: int = 400) -> Iterator[list[Period]]:
    """Bounded IN lists (SQLite allows some thousands of parameters per statement)."""
    for start in range(0, len(periods), size):
        yield periods[start : start + size]
