"""The published results (GET /api/v1/public/branches/{id}/results) over the statistics bench's
1,000,000 tickets: what one public request costs a hall, so that the public address is no lever.

Timed directly (no HTTP), for one hall (the bench's halls are alike), the clock on the data's
last day: this month (five days, today live) and last month (a whole one):
- cold: the rollup emptied and nothing kept (it builds what it misses for up to a second);
- warm: the rollup built, nothing kept (what the first request after the 60 s costs);
- kept: the answer kept (every other request within the minute).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench import stats as stats_bench
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.models import Branch
from server.core.settings import Settings
from server.results import service as results
from server.stats import rollup

LAST = stats_bench.FIRST_DAY + timedelta(days=stats_bench.DAYS - 1)
MONTHS: list[tuple[str, str | None]] = [("this month", None), ("last month", "previous")]


@dataclass
class ResultsResult:
    backend: str
    tickets: int = 0
    cold_ms: dict[str, float] = field(default_factory=dict)
    warm_ms: dict[str, list[float]] = field(default_factory=dict)
    kept_ms: dict[str, list[float]] = field(default_factory=dict)


def _previous() -> str:
    first = LAST.replace(day=1) - timedelta(days=1)
    return first.strftime("%Y-%m")


def _publish(db: Database) -> int:
    """Every hall publishes per counter (the costlier mode); the first hall's id."""
    with db.write_session() as session:
        halls = list(session.scalars(select(Branch).order_by(Branch.id)))
        for hall in halls:
            hall.settings = dict(hall.settings or {}) | {"publish_results": "counter"}
        session.commit()
        return halls[0].id


def _timed(ctx: Ctx, cache: results.ResultsCache, hall: int, month: str | None) -> float:
    started = time.perf_counter()
    results.published(ctx, cache, hall, month)
    return (time.perf_counter() - started) * 1000


def measure(url: str, runs: int, result: ResultsResult, say: Callable[[str], None]) -> None:
    db = Database(url)
    now = datetime.combine(LAST, clock_time(6), UTC)
    ctx = Ctx(db, Settings(database_url=url), lambda: now, None, Principal(kind="anonymous"))
    try:
        hall = _publish(db)
        for name, month in MONTHS:
            asked = _previous() if month else None
            rollup.forget_all(ctx)
            result.cold_ms[name] = _timed(ctx, results.ResultsCache(), hall, asked)
            say(f"    cold {name:<12} {result.cold_ms[name]:9.1f} ms")
        rollup.build_all(ctx)
        for name, month in MONTHS:
            asked = _previous() if month else None
            warm = [_timed(ctx, results.ResultsCache(), hall, asked) for _ in range(runs + 1)]
            kept_cache = results.ResultsCache()
            kept = [_timed(ctx, kept_cache, hall, asked) for _ in range(runs + 1)]
            result.warm_ms[name], result.kept_ms[name] = warm[1:], kept[1:]
            say(f"    warm {name:<12} median {statistics.median(warm[1:]):7.1f} ms; kept "
                f"{statistics.median(kept[1:]):6.2f} ms")  # fmt: skip
    finally:
        db.dispose()


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only results`: SQLite, then PostgreSQL when reachable."""
    from bench import procs

    total, runs = (200_000, 3) if cfg.quick else (1_000_000, 5)
    say = print
    say(f"10. published results of one hall over {total:,} generated tickets (median of {runs})")
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    if cfg.pg:
        backends.append(("PostgreSQL", procs.postgres_database))
    for name, pg in backends:
        with (
            contextlib.nullcontext(f"sqlite:///{work / 'results.db'}")
            if pg is None
            else pg() as url
        ):
            procs.migrate(url, work)
            result = ResultsResult(name)
            started = time.perf_counter()
            result.tickets, _ = stats_bench.generate(url, total)
            say(f"  {name}: generated {result.tickets:,} tickets in "
                f"{time.perf_counter() - started:.0f} s")  # fmt: skip
            measure(url, runs, result, say)
            report.results.append(result)
