"""Scale-out (`python -m bench --only scale`): 500 halls on two `hallq serve --workers 2`
instances sharing PostgreSQL and Redis, then the same halls and load on one SQLite process.

Per backend: a fresh database; the halls made through the server's use cases
(`bench/scale_seed.py`: two services, six open counters serving both, a kiosk and a display
device); the instances started; six display websockets per hall, the k-th of hall h on
instance (h + k) mod 2, so that every call reaches displays on both (`bench/scale_streams.py`);
then the kiosks and clerks (`bench/scale_load.py`), desk j of hall h on instance (h + j) mod 2:

- **fill**: once the statistics rollup's first catch-up has run (see `drive`), `waiting`
  tickets per hall issued in a closed loop;
- **idle**: `IDLE_S` with the displays connected and no load (CPU only);
- **timetable**: an open loop at `rate` operations/s (a quarter of them issues, the rest desk
  steps: call-next, start, complete, 5 % no-shows, 5 % transfers) for `steady_s`; latencies
  from the time each operation was due, and call → last display per call;
- **capacity**: `clients` clerks and kiosks in a closed loop for `capacity_s`: what the
  instances can do;
- then every display must reach its branch's last seq (read from the database); every display's
  seqs are checked for holes and repeats, every branch's stream for a number given twice and a
  ticket called while in a counter's hand, and the database for a number given twice.

RSS is that of each instance's process tree (supervisor, workers, summed), sampled every
second; CPU is counted per part (`bench/scale_usage.py`). Every loop is bounded in time;
nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop
from sqlalchemy import func, select

from bench import procs
from bench.gcpause import Pauses
from bench.load import percentile
from bench.scale_load import Load, Tally
from bench.scale_seed import HallSeed, seed
from bench.scale_streams import Delays, Faults, Streams, call_delays, catch_up
from bench.scale_streams import connect_displays as open_displays
from bench.scale_streams import faults as find_faults
from bench.scale_usage import alerts_leader, cpu_line, cpu_snapshot, cpu_used, rss_parts
from server.core.engine import Database
from server.core.models import Branch
from server.simulate import profiles
from server.stats import rollup
from server.stats.models import StatsRollup
from server.tickets.models import Ticket

REDIS_URL = "redis://127.0.0.1:6379/0"
STARTED = b"Application startup complete"
IDLE_S = 5.0  # displays connected, no load: what the servers spend on their own
SETTLE_S = 5.0  # after the rollup's first catch-up began (it finds no ticket: moments)


CUSTOMER_EVERY_S = 120.0  # a busy hour: every counter finishes a customer every two minutes
OPERATIONS_PER_CUSTOMER = 4  # issue, call-next, start, complete
BUSIEST_SERVICES = ("general", "payments")  # the simulator's two busiest services


def busiest_hour_per_hall() -> float:
    """Tickets in the busiest hour of a hall in `hallq simulate` (server/simulate/profiles.py):
    a hall of its two busiest services, in the morning peak of a Monday of the `peak`
    profile (98 tickets; a counter of six then finishes a customer every 3.7 minutes)."""
    per_hour = sum(profiles.PER_HOUR[code] for code in BUSIEST_SERVICES)
    peak = max(f for _, f in profiles.SHAPE) * max(profiles.WEEKDAY)
    return per_hour * peak * profiles.PROFILES["peak"].volume


@dataclass(frozen=True)
class Size:
    halls: int
    counters: int  # per hall
    displays: int  # per hall
    waiting: int  # tickets per hall before the load
    steady_s: float
    clients: int  # of the closed loop
    capacity_s: float

    @property
    def rate(self) -> float:
        """Operations/s of the timetable: the busy hour of every counter."""
        return self.halls * self.counters / CUSTOMER_EVERY_S * OPERATIONS_PER_CUSTOMER

    @property
    def busiest_rate(self) -> float:
        """Operations/s of the first timetable: the simulator's busiest hour in every hall."""
        return self.halls * busiest_hour_per_hall() / 3600 * OPERATIONS_PER_CUSTOMER


FULL = Size(halls=500, counters=6, displays=6, waiting=2, steady_s=20.0, clients=32,
            capacity_s=8.0)  # fmt: skip
QUICK = Size(halls=50, counters=6, displays=6, waiting=2, steady_s=8.0, clients=16,
             capacity_s=4.0)  # fmt: skip


@dataclass
class ScaleResult:
    backend: str
    instances: int
    workers: int
    size: Size
    displays: int = 0
    seed_s: float = 0.0
    connect_s: float = 0.0
    fill: Tally = field(default_factory=Tally)
    busiest: Tally = field(default_factory=Tally)  # the timetable of the simulator's busiest hour
    steady: Tally = field(default_factory=Tally)  # the timetable of every counter every 2 min
    capacity: Tally = field(default_factory=Tally)
    busiest_delays: Delays = field(default_factory=Delays)
    delays: Delays = field(default_factory=Delays)  # of `steady`
    capacity_last_ms: list[float] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    db_duplicates: int = 0
    rollup_rows: int = 0  # statistics rolled up during the run: 0 when it stayed out of the way
    catch_up_s: float = 0.0
    rss_idle_mb: list[float] = field(default_factory=list)  # per instance
    rss_connected_mb: list[float] = field(default_factory=list)
    rss_peak_mb: list[float] = field(default_factory=list)
    processes: list[int] = field(default_factory=list)
    started: float = 0.0  # time.monotonic() when every worker had started
    cpu_idle: dict[str, float] = field(default_factory=dict)  # CPU s/s, displays connected
    cpu_idle_leader: float = float("nan")  # … of the process holding the alerts' lease
    cpu_steady: dict[str, float] = field(default_factory=dict)  # CPU seconds per part
    cpu_capacity: dict[str, float] = field(default_factory=dict)
    rss_parts: str = ""  # each process of the first instance, at the end of the load
    load: list[float] = field(default_factory=list)  # 1-min load average, sampled each second
    notes: list[str] = field(default_factory=list)

    @property
    def load_mean(self) -> float:
        return statistics.mean(self.load) if self.load else float("nan")

    @property
    def duplicates(self) -> int:
        return self.faults.duplicates + self.db_duplicates

    def p(self, values: list[float], q: float) -> float:
        return percentile(values, q)


def wait_started(server: procs.Proc, workers: int, timeout: float = procs.START_TIMEOUT_S) -> None:
    """Until every worker has finished its startup (its log line): a worker still starting
    accepts no connection, and the displays would all land on the others."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.log_path.read_bytes().count(STARTED) >= workers:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{server.cmd}: {workers} workers did not start in {timeout}s")


def login(url: str) -> str:
    with httpx.Client(base_url=url, timeout=30) as client:
        r = client.post("/api/v1/auth/login",
                        json={"username": "admin", "password": procs.ADMIN_PASSWORD})  # fmt: skip
        r.raise_for_status()
        return str(r.json()["token"])


def last_seqs(db: Database) -> dict[int, int]:
    with db.read() as session:
        return {int(b): int(s) for b, s in session.execute(select(Branch.id, Branch.last_seq))}


def duplicate_numbers(db: Database) -> int:
    """Tickets whose number another ticket of the same hall and day already has."""
    numbered = (
        select(func.count(Ticket.id).label("n"))
        .group_by(Ticket.branch_id, Ticket.business_date, Ticket.number)
        .having(func.count(Ticket.id) > 1)
    ).subquery()
    with db.read() as session:
        total = session.execute(select(func.coalesce(func.sum(numbered.c.n - 1), 0))).scalar()
        return int(total or 0)


async def sample(servers: list[procs.Proc], result: ScaleResult, stop: asyncio.Event) -> None:
    while not stop.is_set():
        for i, server in enumerate(servers):
            result.rss_peak_mb[i] = max(result.rss_peak_mb[i], procs.tree_rss_mb(server.pid))
        result.load.append(os.getloadavg()[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def drive(
    servers: list[procs.Proc], halls: list[HallSeed], db: Database, result: ScaleResult,
    deflate: bool, say: Callable[[str], None],
) -> None:  # fmt: skip
    size = result.size
    ports = [s.port for s in servers]
    streams = Streams()
    started = time.perf_counter()
    displays = await open_displays(halls, size.displays, ports, streams, deflate)
    result.connect_s = time.perf_counter() - started
    result.displays = len(displays)
    # No hall has a ticket until the statistics rollup's first catch-up has run (FIRST_RUN_S
    # after the start, in the process holding its lease; then every EVERY_S): it reads every
    # hall, a burst of ~1,000 queries at 500 halls, kept out of the measured windows.
    await asyncio.sleep(max(1.0, result.started + rollup.FIRST_RUN_S + SETTLE_S - time.monotonic()))
    load = Load(halls, ports, login(servers[0].url), seed=18)
    await load.warm(16)
    result.fill = await load.fill(size.waiting, size.clients)
    say(f"  queues filled: {result.fill.total} tickets at {result.fill.rate:.0f}/s "
        f"({size.clients} kiosks, closed loop)")  # fmt: skip
    await asyncio.sleep(1.0)
    result.rss_connected_mb = [procs.tree_rss_mb(s.pid) for s in servers]
    result.rss_peak_mb = list(result.rss_connected_mb)
    say(f"  {result.displays} displays connected in {result.connect_s:.1f} s; RSS "
        + ", ".join(f"{mb:.0f} MB" for mb in result.rss_connected_mb))  # fmt: skip
    before = cpu_snapshot(servers, db)
    await asyncio.sleep(IDLE_S)
    after = cpu_snapshot(servers, db)
    result.cpu_idle = {k: v / IDLE_S for k, v in cpu_used(before, after).items()}
    leader = alerts_leader(db)
    if leader in after["servers"]:
        result.cpu_idle_leader = (after["servers"][leader] - before["servers"][leader]) / IDLE_S
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(servers, result, stop))
    try:
        with Pauses() as pauses:
            result.busiest = await load.open_loop(size.busiest_rate, size.steady_s)
        say(f"  busiest hour: {result.busiest.total} operations at {result.busiest.rate:.0f}/s "
            f"(offered {size.busiest_rate:.0f}/s), p99 {result.busiest.p(99):.1f} ms; "
            f"the client's GC: {pauses.line()}")  # fmt: skip
        before = cpu_snapshot(servers, db)
        with Pauses() as pauses:
            result.steady = await load.open_loop(size.rate, size.steady_s)
        middle = cpu_snapshot(servers, db)
        result.cpu_steady = cpu_used(before, middle)
        say(f"  timetable: {result.steady.total} operations at {result.steady.rate:.0f}/s "
            f"(offered {size.rate:.0f}/s), p99 {result.steady.p(99):.1f} ms; "
            f"the client's GC: {pauses.line()}")  # fmt: skip
        result.capacity = await load.closed_loop(size.clients, size.capacity_s)
        result.cpu_capacity = cpu_used(middle, cpu_snapshot(servers, db))
        say(f"  capacity: {result.capacity.total} operations at {result.capacity.rate:.0f}/s "
            f"({size.clients} clients)")  # fmt: skip
        last = last_seqs(db)
        result.catch_up_s = await catch_up(displays, last)
        await asyncio.sleep(0.2)  # the last chunks parsed
        tallies = [result.fill, result.busiest, result.steady, result.capacity]
        result.faults = find_faults(displays, streams, last, tallies)
        result.busiest_delays = call_delays(result.busiest.calls, streams, len(servers))
        result.delays = call_delays(result.steady.calls, streams, len(servers))
        result.capacity_last_ms = call_delays(result.capacity.calls, streams, len(servers)).last
        result.rss_parts = rss_parts(servers[0].pid)
    finally:
        stop.set()
        await sampler
        load.close()
        for d in displays:
            d.close()


def run_backend(
    name: str, url: str, instances: int, workers: int, bus_url: str, size: Size, work: Path,
    deflate: bool, say: Callable[[str], None],
) -> ScaleResult:  # fmt: skip
    result = ScaleResult(name, instances, workers, size)
    procs.migrate(url, work)
    started = time.perf_counter()
    halls = seed(url, size.halls, size.counters)
    result.seed_s = time.perf_counter() - started
    say(f"  {name}: {size.halls} halls, {size.halls * size.counters} counters made in "
        f"{result.seed_s:.0f} s")  # fmt: skip
    servers = [
        procs.hallq_server(url, work, f"scale-{name}-{i}", bus_url=bus_url, workers=workers)
        for i in range(instances)
    ]
    db = Database(url)
    try:
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_healthy()
            wait_started(server, workers)
        result.started = time.monotonic()  # every worker's app had started by now
        result.rss_idle_mb = [procs.tree_rss_mb(s.pid) for s in servers]
        result.processes = [len(procs.tree_pids(s.pid)) for s in servers]
        uvloop.run(drive(servers, halls, db, result, deflate, say))
        result.db_duplicates = duplicate_numbers(db)
        with db.read() as session:
            result.rollup_rows = int(
                session.scalar(select(func.count()).select_from(StatsRollup)) or 0
            )
    finally:
        for server in servers:
            server.stop()
        db.dispose()
    return result


def summary(r: ScaleResult) -> str:
    f = r.faults
    rss = ", ".join(f"{mb:.0f} MB" for mb in r.rss_peak_mb)
    errors = dict(r.busiest.errors + r.steady.errors + r.capacity.errors) or 0
    return (
        f"  {r.backend}: call → last display, busiest hour {delays_line(r, r.busiest_delays)}; "
        f"every counter every 2 min {delays_line(r, r.delays)}; duplicates "
        f"{r.duplicates}, double calls {f.double_calls}, gaps {f.gaps} (repeats {f.repeats}, "
        f"dropped {f.dropped}, unseen calls {f.unseen_calls}); RSS peak {rss}; errors {errors}; "
        f"rollup rows {r.rollup_rows}\n"
        f"    CPU s/s idle {cpu_line(r.cpu_idle, 1000, 3)} (alerts' leader "
        f"{r.cpu_idle_leader:.3f}); CPU ms per operation {cpu_line(r.cpu_steady, r.steady.total)}"
        f", at capacity {cpu_line(r.cpu_capacity, r.capacity.total)}"
    )


def delays_line(r: ScaleResult, d: Delays) -> str:
    other = f", other instance p99 {r.p(d.other, 99):.1f}" if d.other else ""
    return (
        f"p50 {r.p(d.last, 50):.1f} ms p99 {r.p(d.last, 99):.1f} ms{other} ({len(d.last)} calls; "
        f"answered p99 {r.p(d.answered, 99):.1f}, answer → last display p99 "
        f"{r.p(d.after, 99):.1f})"
    )


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only scale`: PostgreSQL + Redis (two instances), then SQLite."""
    say = print
    size = QUICK if cfg.quick else FULL
    say(f"scale-out: {size.halls} halls, {size.halls * size.counters} counters, "
        f"{size.halls * size.displays} displays; {size.rate:.0f} operations/s for "
        f"{size.steady_s:.0f} s, then {size.clients} clients for "
        f"{size.capacity_s:.0f} s")  # fmt: skip
    results: list[ScaleResult] = []
    if cfg.pg and procs.reachable(6379):
        with procs.postgres_database() as url:
            results.append(run_backend("postgresql", url, 2, 2, REDIS_URL, size, work,
                                       cfg.deflate, say))  # fmt: skip
        say(summary(results[-1]))
    else:
        report.notes.append("scale-out: PostgreSQL or Redis on 127.0.0.1 not reachable: skipped")
    url = f"sqlite:///{work / 'scale.db'}"
    results.append(run_backend("sqlite", url, 1, 1, "memory://", size, work, cfg.deflate, say))
    say(summary(results[-1]))
    report.scale = results
