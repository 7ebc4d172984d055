"""The alerts evaluator's own CPU with 500 idle halls (issue 18), measured in this process.

The halls of the scale-out bench (bench/scale_seed.py: two services, six open counters, a kiosk
and a display device each), two waiting tickets in each, every display streaming (seen at each
flush). Then the evaluator's timed rounds, one per `INTERVAL_S` of a clock moved by hand (so
that due times, device silences and the sweep come as they would): sightings flushed, lease
renewed, halls read. The figure is CPU seconds of this process (`time.process_time`) per
second of that clock: what the evaluating process spends when nothing happens. PostgreSQL's
own CPU is not in it.

- `every hall`: each round reads every hall (the rule before issue 18: `evaluate_all` without
  a watch);
- `changed only`: each round reads the halls that may have changed (server/alerts/watch.py),
  the sweep's share included; its first round (every hall, as at the start of a lease) is
  given apart.

`python -m bench.alerts_idle [--halls N] [--pg]` runs it alone; `python -m bench --only
alerts` runs it after the latencies. With the code of a tree before issue 18 (no
server/alerts/watch.py: `PYTHONPATH=<tree> python <this file>`), only `every hall` is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench import procs
from bench.scale_seed import HallSeed, seed
from server import protocol as p
from server.alerts import views as _views  # noqa: F401  (the alert events' serializer)
from server.alerts.engine import evaluate_all
from server.alerts.heartbeats import flush_seen
from server.auth import repository as auth_repo
from server.auth.models import Device
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.run import write
from server.core.seen import SeenDevices
from server.core.settings import Settings
from server.tickets import service as tickets

INTERVAL_S = 2.0  # HALLQ_ALERTS_INTERVAL_S
SWEEP_S = 60.0  # HALLQ_ALERTS_SWEEP_S
COUNTERS = 6
EVERY_HALL_ROUNDS = 5  # each reads all halls: a few are enough
CHANGED_ONLY_S = 300.0  # of the clock: past the devices' due times (120 s) and a sweep


@dataclass
class IdleResult:
    backend: str
    halls: int
    every_hall: float = 0.0  # CPU s per s
    first_round_s: float = 0.0  # CPU s of the first round of a lease (every hall)
    changed_only: float | None = None  # CPU s per s (None: the code before issue 18)
    read_per_round: float = 0.0  # halls read per round, `changed only`

    def lines(self) -> list[str]:
        out = [
            f"  {self.backend}, {self.halls} idle halls, a round every {INTERVAL_S:g} s:",
            f"    every hall read each round  {self.every_hall:6.3f} CPU-s/s",
        ]
        if self.changed_only is not None:
            out.append(
                f"    changed ones only           {self.changed_only:6.3f} CPU-s/s "
                f"({self.read_per_round:.1f} halls read a round; the first round of a lease "
                f"{self.first_round_s:.2f} CPU-s)"
            )
        return out


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _fill(ctx: Ctx, made: list[HallSeed]) -> None:
    """Two waiting tickets per hall, one of each service."""
    for hall in made:
        for service_id in hall.service_ids:
            body = p.TicketCreate(service_id=service_id)
            write(ctx, partial(tickets.issue, ctx, body=body))


def _streaming(db: Database) -> SeenDevices:
    seen = SeenDevices()
    with db.read() as session:
        for device in session.query(Device).filter(Device.kind == "display"):
            seen.stream_opened(device.id)
    return seen


def _timed(rounds: int, one: Callable[[], object]) -> float:
    began = time.process_time()
    for _ in range(rounds):
        one()
    return time.process_time() - began


def measure(url: str, halls: int, backend: str) -> IdleResult:
    """On the migrated, empty database `url`."""
    made = seed(url, halls, COUNTERS)
    db = Database(url)
    try:
        with db.read() as session:
            admin = auth_repo.user_by_name(session, "admin")
            assert admin is not None
            principal = Principal(kind="admin", user_id=admin.id, username="admin")
        clock = Clock()
        ctx = Ctx(db, Settings(database_url=url), clock, None, principal)
        _fill(ctx, made)
        seen = _streaming(db)
        result = IdleResult(backend, halls)

        def every_hall() -> None:
            clock.now += timedelta(seconds=INTERVAL_S)
            flush_seen(ctx, seen)
            evaluate_all(ctx, "bench-every-hall")

        every_hall()  # warm: the first connection, the statements' caches
        used = _timed(EVERY_HALL_ROUNDS, every_hall)
        result.every_hall = used / (EVERY_HALL_ROUNDS * INTERVAL_S)

        try:
            from server.alerts.watch import Watch
        except ImportError:  # the code before issue 18
            return result
        ticking = [0.0]
        watch = Watch(SWEEP_S, monotonic=lambda: ticking[0])
        read: list[int] = []

        def changed_only() -> None:
            clock.now += timedelta(seconds=INTERVAL_S)
            ticking[0] += INTERVAL_S
            flush_seen(ctx, seen)
            read.append(len(evaluate_all(ctx, "bench-every-hall", watch=watch).read))

        result.first_round_s = _timed(1, changed_only)
        rounds = int(CHANGED_ONLY_S / INTERVAL_S)
        read.clear()
        used = _timed(rounds, changed_only)
        result.changed_only = used / (rounds * INTERVAL_S)
        result.read_per_round = sum(read) / len(read)
        return result
    finally:
        db.dispose()


def run(backend: str, halls: int, work: Path, say: Any) -> IdleResult:
    """A fresh database of `backend` ("SQLite" or "PostgreSQL"), migrated, measured."""
    with (
        contextlib.nullcontext(f"sqlite:///{work / 'alerts-idle.db'}")
        if backend == "SQLite"
        else procs.postgres_database() as url
    ):
        procs.migrate(url, work)
        result = measure(url, halls, backend)
    for line in result.lines():
        say(line)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--halls", type=int, default=500)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL too (127.0.0.1:5432)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        run("SQLite", args.halls, Path(work), print)
        if args.pg:
            run("PostgreSQL", args.halls, Path(work), print)


if __name__ == "__main__":
    main()
