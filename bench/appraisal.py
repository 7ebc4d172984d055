"""The clerk appraisal over the statistics bench's 1,000,000 tickets, for 100 clerks.

The data of bench/stats.py (ten halls, 250 business days, 400 tickets per hall and day) with
ten clerks per hall (100 clerks), and each counter's `counter.updated` changes (the day's open
and close, every ticket taken in hand and let go: ~2 per ticket), which the appraisal's open,
paused and idle time are folded from. Timed directly (no HTTP), over every hall:
- cold: the rollup emptied first (it builds what it misses for up to a second, the rest live);
- build: every closed day, month and year rolled up (the server's background task);
- warm: median of `runs` after one warm-up (normal operation), one month and the whole year;
- check: each warm answer equal to the one computed live (no rollup).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import stats as stats_bench
from server.appraisal import service as appraisal
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.settings import Settings
from server.stats import rollup
from server.stats import service as stats

CLERKS_PER_HALL = 10
LAST = stats_bench.FIRST_DAY + timedelta(days=stats_bench.DAYS - 1)
SHAPES: list[tuple[str, date, date]] = [
    ("one month (30 days)", LAST - timedelta(days=29), LAST),
    (f"one year ({stats_bench.DAYS} business days)", stats_bench.FIRST_DAY, LAST),
]
TARGET_MS = 300.0


@dataclass
class AppraisalResult:
    backend: str
    tickets: int = 0
    events: int = 0
    clerks: int = 0
    generate_s: float = 0.0
    build_s: float = 0.0
    cold_ms: dict[str, float] = field(default_factory=dict)
    warm_ms: dict[str, list[float]] = field(default_factory=dict)
    identical: bool = True


def _timed(ctx: Ctx, first: date, last: date) -> tuple[float, appraisal.Appraisal]:
    started = time.perf_counter()
    result = appraisal.clerks(ctx, stats.Selection(None, None, first, last))
    return (time.perf_counter() - started) * 1000, result


def _live(ctx: Ctx, first: date, last: date) -> dict[Any, Any]:
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, stats.Selection(None, None, first, last))
        groups = stats.figures(session, scope, "clerk", rollups=False)
    return {k: (f.report(), f.open_ms, f.paused_ms, f.idle_ms) for k, f in groups.items()}


def _rolled(ctx: Ctx, first: date, last: date) -> dict[Any, Any]:
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, stats.Selection(None, None, first, last))
        groups = stats.figures(session, scope, "clerk")
    return {k: (f.report(), f.open_ms, f.paused_ms, f.idle_ms) for k, f in groups.items()}


def measure(url: str, runs: int, result: AppraisalResult, say: Callable[[str], None]) -> None:
    db = Database(url)
    ctx = Ctx(db, Settings(database_url=url), lambda: datetime.now(UTC), None,
              Principal(kind="admin", username="bench"))  # fmt: skip
    try:
        for name, first, last in SHAPES:
            rollup.forget_all(ctx)
            result.cold_ms[name], _ = _timed(ctx, first, last)
            say(f"    cold {name:<32} {result.cold_ms[name]:9.1f} ms")
        rollup.forget_all(ctx)
        started = time.perf_counter()
        rollup.build_all(ctx)
        result.build_s = time.perf_counter() - started
        say(f"    built the rollup of every closed day in {result.build_s:.1f} s")
        for name, first, last in SHAPES:
            times = []
            for _ in range(runs + 1):
                ms, answer = _timed(ctx, first, last)
                times.append(ms)
            result.warm_ms[name] = times[1:]
            result.clerks = len(answer.rows)
            median = statistics.median(times[1:])
            verdict = "within" if median <= TARGET_MS else "OVER"
            say(f"    warm {name:<32} median {median:7.1f} ms  ({result.clerks} clerks; "
                f"{verdict} the {TARGET_MS:.0f} ms target)")  # fmt: skip
            same = _rolled(ctx, first, last) == _live(ctx, first, last)
            result.identical = result.identical and same
        say(f"    identical to the live figures: {'yes' if result.identical else 'NO'}")
    finally:
        db.dispose()


def run(url: str, backend: str, total: int, runs: int, say: Callable[[str], None]
        ) -> AppraisalResult:  # fmt: skip
    result = AppraisalResult(backend)
    started = time.perf_counter()
    result.tickets, result.events = stats_bench.generate(
        url, total, clerks_per_hall=CLERKS_PER_HALL, counter_events=True
    )
    result.generate_s = time.perf_counter() - started
    say(f"  {backend}: generated {result.tickets:,} tickets and {result.events:,} events "
        f"in {result.generate_s:.0f} s")  # fmt: skip
    measure(url, runs, result, say)
    return result


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only appraisal`: SQLite, then PostgreSQL when reachable."""
    from bench import procs

    total, runs = (200_000, 2) if cfg.quick else (1_000_000, 3)
    say = print
    say(f"9. clerk appraisal over {total:,} generated tickets, "
        f"{stats_bench.HALLS * CLERKS_PER_HALL} clerks (median of {runs} runs)")  # fmt: skip
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    if cfg.pg:
        backends.append(("PostgreSQL", procs.postgres_database))
    for name, pg in backends:
        with (
            contextlib.nullcontext(f"sqlite:///{work / 'appraisal.db'}")
            if pg is None
            else pg() as url
        ):
            procs.migrate(url, work)
            report.appraisal.append(run(url, name, total, runs, say))
