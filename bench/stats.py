"""Statistics over 1,000,000 generated tickets on SQLite and PostgreSQL.

Ten halls in three regions, 250 business days, 400 tickets per hall and day: 3 % cancelled
while waiting, 4 % no-shows, 2 % transferred once, 1 % no-show then requeued and served, the
rest served; waits exponential (mean 8 min), service 1 min + exponential (mean 4 min); 30 % of
served tickets rated. Events are generated for the transferred and requeued tickets (the only
events statistics read) or, with `all_events`, for every ticket (~4.2 per ticket).
The service functions are timed directly (no HTTP):
- cold: the rollup table emptied before each call, which then builds what it misses on demand
  for up to rollup.ON_DEMAND_S (1 s), computes the rest live and answers; one run each;
- build: every closed day, month and year of the dataset rolled up (what the server's
  background task does), from an empty table;
- warm: median of `runs` after one warm-up, everything rolled up (normal operation);
- check: each warm answer compared with the live computation (no rollup): must be identical.
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from server.auth.models import User, UserBranch
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.models import Branch
from server.core.settings import Settings
from server.halls.models import Counter, CounterService, Service
from server.stats import rollup
from server.stats import service as stats
from server.stats.figures import Figures, wait_buckets

HALLS, REGIONS, DAYS = 10, ("华东", "华南", "华北"), 250
SERVICES, COUNTERS, CLERKS = 4, 6, 8
FIRST_DAY = date(2025, 3, 1)
OPEN_S, CLOSE_S = 8 * 3600 + 1800, 17 * 3600  # local issuing hours, Asia/Shanghai (UTC+8)
TZ_S = 8 * 3600
TICKET_COLUMNS = (
    "id, public_id, branch_id, service_id, issued_service_id, number, daily_seq, business_date, "
    "state, priority, channel, locale, issued_at, queued_at, effective_at, called_at, "
    "last_called_at, started_at, finished_at, counter_id, clerk_id, calls, rating"
)
EVENT_COLUMNS = "id, branch_id, seq, type, ts, ticket_id, counter_id, user_id, data"
SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("1 hall, 30 days (~12k tickets)", {"branch_id": 1, "days": 30}),
    ("1 hall, 250 days (100k)", {"branch_id": 1, "days": DAYS}),
    ("1 region (4 halls), 90 days (144k)", {"region": REGIONS[0], "days": 90}),
    ("all 10 halls, 250 days (1M)", {"days": DAYS}),
]
QUERIES: list[tuple[str, str | None]] = [
    ("summary", None), ("by service", "service"), ("by clerk", "clerk"), ("by hour", "hour"),
]  # fmt: skip


@dataclass
class StatsResult:
    backend: str
    tickets: int = 0
    events: int = 0
    generate_s: float = 0.0
    ms: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # warm
    cold_ms: dict[tuple[str, str], float] = field(default_factory=dict)
    build_s: float = 0.0
    rollup_rows: int = 0
    rollup_bytes: int = 0
    mismatches: list[str] = field(default_factory=list)

    def median(self, shape: str, query: str) -> float:
        return statistics.median(self.ms[(shape, query)])


def _stamper(pg: bool) -> Callable[[float], str]:
    """Fast UTC text timestamps: per-day prefix cached, the time of day formatted by hand."""
    prefixes: dict[int, str] = {}
    suffix = "+00" if pg else ""

    def stamp(t: float) -> str:
        day = int(t // 86400)
        prefix = prefixes.get(day)
        if prefix is None:
            prefix = prefixes[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d ")
        sod = t - day * 86400
        s = int(sod)
        us = int((sod - s) * 1e6)
        return f"{prefix}{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{us:06d}{suffix}"

    return stamp


def _setup_hall(db: Database, clerks: int = CLERKS) -> None:
    """Halls, services, counters, clerks (ids are predictable: hall h owns services
    (h-1)*4+1.., counters (h-1)*6+1.., clerks from id 2 on)."""
    with db.write_session() as session, session.begin():
        for h in range(1, HALLS + 1):
            branch = session.get(Branch, h) or Branch(id=h, last_seq=0, settings={})
            branch.name, branch.timezone, branch.locale = f"第{h}大厅", "Asia/Shanghai", "zh-CN"
            branch.region = REGIONS[min((h - 1) // 4, 2)]
            session.add(branch)
        session.flush()
        for h in range(1, HALLS + 1):
            for s, prefix in enumerate("ABCV"[:SERVICES]):
                session.add(Service(branch_id=h, code=prefix.lower(), prefix=prefix,
                                    name={"zh-CN": f"业务{prefix}", "en": f"Service {prefix}"},
                                    target_wait_min=(10, 15, 5, 8)[s]))  # fmt: skip
            for c in range(1, COUNTERS + 1):
                session.add(Counter(branch_id=h, number=c, name=str(c)))
        session.flush()
        now = datetime.now(UTC)
        for h in range(1, HALLS + 1):
            for c in range(COUNTERS):
                counter_id = (h - 1) * COUNTERS + c + 1
                for s in range(SERVICES):
                    service_id = (h - 1) * SERVICES + s + 1
                    session.add(CounterService(counter_id=counter_id, service_id=service_id,
                                               position=s))  # fmt: skip
            for k in range(clerks):
                user = User(username=f"clerk{h}_{k}", password_hash="x", role="clerk",
                            created_at=now)  # fmt: skip
                session.add(user)
                session.flush()
                session.add(UserBranch(user_id=user.id, branch_id=h))


def _clerk_ids(db: Database) -> dict[int, list[int]]:
    with db.read() as session:
        rows = session.execute(text("SELECT user_id, branch_id FROM user_branch")).all()
    result: dict[int, list[int]] = {h: [] for h in range(1, HALLS + 1)}
    for user_id, branch_id in rows:
        result[branch_id].append(user_id)
    return result


def _tickets(
    total: int,
    clerks: dict[int, list[int]],
    stamp: Callable[[float], str],
    all_events: bool,
    counter_events: bool = False,
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(ticket row, event rows) for every generated ticket; with `counter_events`, also each
    counter's `counter.updated` changes (open and close of the day, a ticket taken in hand and
    let go), after each hall-day's tickets."""
    rnd = random.Random(20261123)
    per_day = max(1, total // (HALLS * DAYS))
    ticket_id = event_id = 0
    seqs = dict.fromkeys(range(1, HALLS + 1), 0)
    epoch0 = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC).timestamp()
    for d in range(DAYS):
        day = (FIRST_DAY + timedelta(days=d)).isoformat()
        midnight = epoch0 + d * 86400 - TZ_S  # local midnight in UTC
        for h in range(1, HALLS + 1):
            desk: list[tuple[float, int, int, int | None]] = []  # (ts, counter, clerk, ticket)
            issued_times = sorted(rnd.uniform(OPEN_S, CLOSE_S) for _ in range(per_day))
            numbers = dict.fromkeys(range(SERVICES), 0)
            for sod in issued_times:
                ticket_id += 1
                s = rnd.randrange(SERVICES)
                numbers[s] += 1
                service = (h - 1) * SERVICES + s + 1
                issued = midnight + sod
                events: list[tuple[str, float, int | None, int | None, int]] = []
                events.append(("ticket.issued", issued, None, None, service))
                x = rnd.random()
                counter = (h - 1) * COUNTERS + rnd.randrange(COUNTERS) + 1
                clerk = rnd.choice(clerks[h])
                queued, final_service, calls = issued, service, 1
                called = started = finished = rating = None
                if x < 0.03:
                    state, finished = "cancelled", issued + rnd.uniform(60, 1200)
                    events.append(("ticket.cancelled", finished, None, None, service))
                else:
                    called = queued + min(rnd.expovariate(1 / 480), 10800)
                    events.append(("ticket.called", called, counter, clerk, service))
                    if 0.07 <= x < 0.09:  # transferred once, then served
                        moved = called + rnd.uniform(30, 300)
                        final_service = (h - 1) * SERVICES + (s + 1) % SERVICES + 1
                        events.append(("ticket.transferred", moved, counter, clerk, final_service))
                        counter = (h - 1) * COUNTERS + rnd.randrange(COUNTERS) + 1
                        clerk = rnd.choice(clerks[h])
                        queued, called = moved, moved + min(rnd.expovariate(1 / 480), 10800)
                        events.append(("ticket.called", called, counter, clerk, final_service))
                    elif 0.09 <= x < 0.10:  # a no-show who came back
                        gone = called + rnd.uniform(60, 180)
                        events.append(("ticket.no_show", gone, counter, clerk, service))
                        queued = gone + rnd.uniform(300, 1800)
                        events.append(("ticket.requeued", queued, None, None, service))
                        called = queued + min(rnd.expovariate(1 / 480), 10800)
                        events.append(("ticket.called", called, counter, clerk, service))
                    if 0.03 <= x < 0.07:
                        state, finished = "no_show", called + rnd.uniform(60, 180)
                        events.append(("ticket.no_show", finished, counter, clerk, service))
                    else:
                        state = "done"
                        if rnd.random() < 0.7:
                            started = called + rnd.uniform(10, 60)
                        finished = (started or called) + 60 + rnd.expovariate(1 / 240)
                        events.append(("ticket.completed", finished, counter, clerk, final_service))
                        rating = rnd.randint(1, 5) if rnd.random() < 0.3 else None
                has_call = called is not None
                row = (
                    ticket_id, f"p{ticket_id}", h, final_service, service,
                    f"{'ABCV'[s]}{numbers[s]:03d}", numbers[s], day, state, "normal", "kiosk",
                    "zh-CN", stamp(issued), stamp(queued), stamp(queued),
                    stamp(called) if has_call else None, stamp(called) if has_call else None,
                    stamp(started) if started else None, stamp(finished) if finished else None,
                    counter if has_call else None, clerk if has_call else None,
                    calls if has_call else 0, rating,
                )  # fmt: skip
                if counter_events and has_call and state != "cancelled":
                    desk.append((called, counter, clerk, ticket_id))
                    desk.append((finished, counter, clerk, None))
                event_rows = []
                if all_events or 0.07 <= x < 0.10:
                    for type_, ts, ev_counter, ev_clerk, ev_service in events:
                        event_id += 1
                        seqs[h] += 1
                        data = json.dumps({"service_id": ev_service, "clerk_id": ev_clerk})
                        event_rows.append((event_id, h, seqs[h], type_, stamp(ts), ticket_id,
                                           ev_counter, ev_clerk, data))  # fmt: skip
                yield row, event_rows
            if counter_events:
                rows_of_day = []
                for c in range(COUNTERS):
                    counter, clerk = (h - 1) * COUNTERS + c + 1, clerks[h][c % len(clerks[h])]
                    desk.append((midnight + OPEN_S - 600, counter, clerk, None))
                    desk.append((midnight + CLOSE_S + 3600, counter, 0, None))  # 0: closed
                for ts, counter, clerk, held in sorted(desk):
                    event_id += 1
                    seqs[h] += 1
                    data = json.dumps({"state": "open" if clerk else "closed",
                                       "clerk_id": clerk or None, "ticket_id": held})  # fmt: skip
                    rows_of_day.append((event_id, h, seqs[h], "counter.updated", stamp(ts), None,
                                        counter, clerk or None, data))  # fmt: skip
                yield (), rows_of_day


def generate(
    url: str,
    total: int,
    *,
    all_events: bool = False,
    clerks_per_hall: int = CLERKS,
    counter_events: bool = False,
) -> tuple[int, int]:
    """Fill a migrated database with `total` tickets; returns (tickets, events)."""
    db = Database(url)
    try:
        _setup_hall(db, clerks_per_hall)
        clerks = _clerk_ids(db)
    finally:
        db.dispose()
    parsed = make_url(url)
    pg = parsed.get_backend_name() != "sqlite"
    rows = _tickets(total, clerks, _stamper(pg), all_events, counter_events)
    if pg:
        return _load_pg(parsed.set(drivername="postgresql").render_as_string(False), rows)
    return _load_sqlite(parsed.database or "", rows)


def _load_sqlite(path: str, rows: Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]
                 ) -> tuple[int, int]:  # fmt: skip
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    tickets = events = 0
    ticket_sql = f"INSERT INTO ticket ({TICKET_COLUMNS}) VALUES ({', '.join('?' * 23)})"
    event_sql = f"INSERT INTO ticket_event ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 9)})"
    batch: list[tuple[Any, ...]] = []
    event_batch: list[tuple[Any, ...]] = []
    with conn:
        for ticket, event_rows in rows:
            if ticket:
                batch.append(ticket)
            event_batch.extend(event_rows)
            if len(batch) >= 50_000:
                conn.executemany(ticket_sql, batch)
                conn.executemany(event_sql, event_batch)
                tickets, events = tickets + len(batch), events + len(event_batch)
                batch, event_batch = [], []
        conn.executemany(ticket_sql, batch)
        conn.executemany(event_sql, event_batch)
        tickets, events = tickets + len(batch), events + len(event_batch)
        conn.execute("UPDATE branch SET last_seq = (SELECT coalesce(max(seq), 0) FROM "
                     "ticket_event WHERE ticket_event.branch_id = branch.id)")  # fmt: skip
    conn.execute("ANALYZE")
    conn.close()
    return tickets, events


def _load_pg(dsn: str, rows: Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]
             ) -> tuple[int, int]:  # fmt: skip
    import psycopg

    tickets = events = 0
    event_rows: list[tuple[Any, ...]] = []
    with psycopg.connect(dsn) as conn:
        # the rollup table is empty: its triggers (migration 0006) would find nothing to forget
        conn.execute("SET session_replication_role = replica")
        with conn.cursor() as cur, cur.copy(f"COPY ticket ({TICKET_COLUMNS}) FROM STDIN") as copy:
            for ticket, ticket_events in rows:
                if ticket:
                    copy.write_row(ticket)
                    tickets += 1
                event_rows.extend(ticket_events)
        with conn.cursor() as cur:
            with cur.copy(f"COPY ticket_event ({EVENT_COLUMNS}) FROM STDIN") as copy:
                for event in event_rows:
                    copy.write_row(event)
            events = len(event_rows)
            for table in ("ticket", "ticket_event"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")  # fmt: skip
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ticket")
        conn.execute("VACUUM ANALYZE ticket_event")
    return tickets, events


def _selection(spec: dict[str, Any]) -> stats.Selection:
    last = FIRST_DAY + timedelta(days=DAYS - 1)
    return stats.Selection(
        branch_id=spec.get("branch_id"), region=spec.get("region"),
        date_from=last - timedelta(days=spec["days"] - 1), date_to=last,
    )  # fmt: skip


def _query(ctx: Ctx, selection: stats.Selection, group: str | None) -> float:
    """One call, in ms."""
    started = time.perf_counter()
    if group is None:
        stats.summary(ctx, selection)
    else:
        stats.breakdown(ctx, selection, group)
    return (time.perf_counter() - started) * 1000


def measure(url: str, runs: int, result: StatsResult, say: Callable[[str], None]) -> None:
    """Cold timings, the full build, warm timings and the check against the live figures."""
    db = Database(url)
    ctx = Ctx(db, Settings(database_url=url), lambda: datetime.now(UTC), None,
              Principal(kind="admin", username="bench"))  # fmt: skip
    try:
        for shape, spec in SHAPES:
            for name, group in QUERIES:
                rollup.forget_all(ctx)
                cold = result.cold_ms[(shape, name)] = _query(ctx, _selection(spec), group)
                say(f"    cold {shape:<36} {name:<11} {cold:9.1f} ms")
        rollup.forget_all(ctx)
        started = time.perf_counter()
        rollup.build_all(ctx)
        result.build_s = time.perf_counter() - started
        result.rollup_rows, result.rollup_bytes = _rollup_size(db)
        size = f"{result.rollup_rows:,} rows, {result.rollup_bytes / 1e6:.0f} MB of histograms"
        say(f"    built the rollup of every closed day in {result.build_s:.1f} s ({size})")
        for shape, spec in SHAPES:
            for name, group in QUERIES:
                times = [_query(ctx, _selection(spec), group) for _ in range(runs + 1)][1:]
                result.ms[(shape, name)] = times
                say(f"    warm {shape:<36} {name:<11} median {statistics.median(times):7.1f} ms")
        for shape, spec in SHAPES:
            for name, group in QUERIES:
                if not _same_as_live(ctx, _selection(spec), group):
                    result.mismatches.append(f"{shape} {name}")
        say(f"    identical to the live figures: {'yes' if not result.mismatches else 'NO'}"
            + "".join(f"\n      differs: {m}" for m in result.mismatches))  # fmt: skip
    finally:
        db.dispose()


def _same_as_live(ctx: Ctx, selection: stats.Selection, group: str | None) -> bool:
    def report(groups: dict[Any, Figures]) -> dict[Any, Any]:
        return {k: (f.report(), wait_buckets(f.wait_hist)) for k, f in groups.items()}

    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, selection)
        rolled = report(stats.figures(session, scope, group))
        live = report(stats.figures(session, scope, group, rollups=False))
    return rolled == live


def _rollup_size(db: Database) -> tuple[int, int]:
    with db.read() as session:
        rows, size = session.execute(text(
            "SELECT count(*), sum(coalesce(length(wait_hist), 0) "
            "+ coalesce(length(service_hist), 0)) FROM stats_rollup"
        )).one()  # fmt: skip
    return int(rows), int(size or 0)


def run(url: str, backend: str, total: int, runs: int, say: Callable[[str], None],
        *, all_events: bool = False) -> StatsResult:  # fmt: skip
    """Generate, then time; the database must be migrated and empty."""
    result = StatsResult(backend)
    started = time.perf_counter()
    result.tickets, result.events = generate(url, total, all_events=all_events)
    result.generate_s = time.perf_counter() - started
    say(f"  {backend}: generated {result.tickets:,} tickets and {result.events:,} events "
        f"in {result.generate_s:.0f} s")  # fmt: skip
    measure(url, runs, result, say)
    return result


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only stats`: SQLite, then PostgreSQL when reachable."""
    from bench import procs

    total, runs = (200_000, 2) if cfg.quick else (1_000_000, 3)
    say = print
    say(f"6. statistics over {total:,} generated tickets (median of {runs} runs)")
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    if cfg.pg:
        backends.append(("PostgreSQL", procs.postgres_database))
    for name, pg in backends:
        with (
            contextlib.nullcontext(f"sqlite:///{work / 'stats.db'}") if pg is None else pg() as url
        ):
            procs.migrate(url, work)
            report.stats.append(run(url, name, total, runs, say))
