"""The audit trail's costs: issuing with and without the hash chain, and `verify` over 1 M.

1. Issue throughput (closed loop, kiosk token, the same hall set-up as scenario 1) against
   `hallq serve` without the chain's sink (bench/nochain.py: before) and the real server
   (after), alternately: before, after, before, after, on SQLite and on PostgreSQL when it is
   reachable. On PostgreSQL every append takes the chain head's row lock.
2. `verify` (server/audit/service.py `check`) over RECORDS records written through the real
   append (trail.append, in batches of 10,000 notes of ticket-event size) on SQLite.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import hall, load, procs
from bench.procs import say
from bench.rawhttp import request_bytes

RECORDS = 1_000_000
CONCURRENCY = (1, 8, 32)


def _server(url: str, work: Path, name: str, chained: bool) -> procs.Proc:
    proc = procs.hallq_server(url, work, name)
    if not chained:
        proc.cmd = [sys.executable, "-m", "bench.nochain", *proc.cmd[3:]]
    return proc


def _levels(url: str, work: Path, name: str, chained: bool, window_s: float) -> dict[int, float]:
    server = _server(url, work, name, chained).start()
    try:
        h = hall.setup(server.url, server.port)
        raw = request_bytes("POST", "/api/v1/tickets", {"service_id": h.service_id},
                            {"Authorization": f"Bearer {h.kiosk}"})  # fmt: skip
        rates = {}
        for c in CONCURRENCY:
            result = asyncio.run(load.closed_loop(server.port, raw, c, window_s, 0.5))
            rates[c] = result.rate
            tag = "chain   " if chained else "no chain"
            say(f"  {name:<22} {tag} c={c:<3} {result.rate:7.0f} req/s  "
                f"p50 {result.p(50):6.2f} ms  p99 {result.p(99):6.2f} ms"
                + (f"  errors {result.statuses}" if result.errors else ""))  # fmt: skip
        return rates
    finally:
        server.stop()


@contextmanager
def _sqlite(work: Path, name: str) -> Any:
    yield f"sqlite:///{work / (name + '.db')}"


def throughput(work: Path, window_s: float, pg: bool) -> dict[str, dict[str, list[float]]]:
    say("audit 1. issue throughput without and with the hash chain (alternating)")
    backends: list[tuple[str, Any]] = [("sqlite", lambda n: _sqlite(work, n))]
    if pg:
        backends.append(("postgresql", lambda n: procs.postgres_database()))
    out: dict[str, dict[str, list[float]]] = {}
    for backend, make in backends:
        for round_ in (1, 2):
            for chained in (False, True) if round_ == 1 else (True, False):  # neither always 2nd
                name = f"{backend}-{'chain' if chained else 'plain'}-{round_}"
                with make(name) as url:
                    procs.migrate(url, work)
                    rates = _levels(url, work, name, chained, window_s)
                key = f"{backend} {'chain' if chained else 'no chain'}"
                for c, rate in rates.items():
                    out.setdefault(key, {}).setdefault(str(c), []).append(rate)
    for key, levels in out.items():
        text = "  ".join(f"c={c} {sum(v) / len(v):6.0f}" for c, v in levels.items())
        say(f"  mean of rounds  {key:<20} {text}")
    return out


def verify_million(work: Path, records: int) -> tuple[float, float]:
    """(seconds to append `records` through trail.append, seconds to verify them)."""
    from sqlalchemy.orm import Session

    import server.audit  # noqa: F401  (tables on the metadata)
    from server.audit import service as audit
    from server.audit.trail import append
    from server.core.engine import Database
    from server.core.trail import Note

    url = f"sqlite:///{work / 'audit-verify.db'}"
    procs.migrate(url, work)
    db = Database(url)
    event = {"id": 1, "number": "A001", "state": "called", "service_id": 1, "priority": "normal",
             "counter": {"id": 1, "number": 1, "name": "1"}, "from_state": "waiting",
             "issued_at": "2026-12-06T08:00:00+00:00", "public_id": None}  # fmt: skip
    say(f"audit 2. verify over {records:,} records (SQLite)")
    started = time.perf_counter()
    batch = 10_000
    now = datetime.now(UTC)
    for first in range(0, records, batch):
        notes = [Note("ticket.called", f"ticket:{i}", {"seq": i, "ticket_id": i, "counter_id": 1,
                      "event": event}, 1, None, "clerk", 2, None)
                 for i in range(first, min(records, first + batch))]  # fmt: skip

        def job(session: Session, notes: list[Note] = notes) -> None:
            append(session, now, notes)

        db.writes.run(job)
    appended = time.perf_counter() - started
    say(f"  appended {records:,} records in {appended:.1f} s ({records / appended:,.0f}/s)")
    started = time.perf_counter()
    with db.read() as session:
        verdict = audit.check(session)
    took = time.perf_counter() - started
    say(f"  verify: ok={verdict.ok} records={verdict.records:,} in {took:.1f} s "
        f"({verdict.records / took:,.0f} records/s)")  # fmt: skip
    db.dispose()
    return appended, took


def append_cost(work: Path, jobs: int = 3000) -> float:
    """CPU µs one job's append costs (one ticket-event note: read the head, hash, insert the
    record, update the head), in one SQLite transaction: what the chain adds to an issue,
    measured without the noise of other processes' load."""
    from sqlalchemy.orm import Session

    from server.audit.trail import append
    from server.core.engine import Database
    from server.core.trail import Note

    url = f"sqlite:///{work / 'audit-cost.db'}"
    procs.migrate(url, work)
    db = Database(url)
    note = Note("ticket.issued", "ticket:1", {"seq": 1, "ticket_id": 1, "counter_id": None,
                "event": {"number": "A001", "state": "waiting", "service_id": 1}}, 1)  # fmt: skip
    spent: list[float] = []

    def job(session: Session) -> None:
        started = time.process_time()
        for _ in range(jobs):
            append(session, datetime.now(UTC), [note])
        spent.append(time.process_time() - started)

    db.writes.run(job)
    db.dispose()
    each = spent[0] / jobs * 1e6
    say(f"audit 0. one append (head, hash, insert, head update): {each:.0f} µs CPU")
    return each


def issue_cpu(
    work: Path, issues: int = 300, rounds: int = 6, backend: str = "sqlite"
) -> dict[str, float]:
    """CPU ms per issued ticket, the whole request's use case through the writer (one job, one
    commit each) in this process, with the sink removed and put back (on SQLite, where the
    events are chained after their commits, the chain's rounds include sealing them). CPU
    time, not wall time: other processes' load moves it far less than a throughput does. On
    PostgreSQL this is the client's CPU; its wall time shows the round trips and the server's
    work.

    Each variant issues into a database of its own, so both queues grow alike (an issue's
    cost grows with the queue ahead of it: the estimate plays it forward), and the order
    alternates round by round (A B, B A, …): neither variant always runs second."""
    from server import protocol as p
    from server.audit.sealer import settle
    from server.core import trail
    from server.core.clock import utc_now
    from server.core.context import Ctx, Principal
    from server.core.engine import Database
    from server.core.run import perform, write
    from server.core.settings import Settings
    from server.halls import service as halls
    from server.tickets import service as tickets

    names = ("no chain", "chain")
    ctxs: dict[str, tuple[Ctx, p.TicketCreate]] = {}
    with ExitStack() as databases:  # PostgreSQL: dropped at the end, even on a failure
        for name in names:
            if backend == "sqlite":
                url = f"sqlite:///{work / ('audit-issue-' + name.replace(' ', '-') + '.db')}"
            else:
                url = databases.enter_context(procs.postgres_database())
            procs.migrate(url, work)
            ctx = Ctx(Database(url), Settings(database_url=url), utc_now, None,
                      Principal(kind="admin", user_id=1, username="admin"))  # fmt: skip
            body = p.ServiceCreate(branch_id=1, code="a", prefix="A", name={"en": "A"},
                                   end_number=99999)  # fmt: skip
            service = write(ctx, lambda uow, ctx=ctx, b=body: halls.create_service(ctx, uow, b))
            ctxs[name] = (ctx, p.TicketCreate(service_id=service.id))
        sinks = list(trail.sinks())
        spent: dict[str, list[float]] = {name: [] for name in names}
        wall: dict[str, list[float]] = {name: [] for name in names}
        sealed: list[float] = []  # µs of CPU per issue to seal its event after the commits
        for round_ in range(rounds):
            for name in names if round_ % 2 == 0 else names[::-1]:
                ctx, ticket = ctxs[name]
                trail.sinks().clear()
                if name == "chain":
                    trail.sinks().extend(sinks)
                started, clock = time.process_time(), time.perf_counter()
                for _ in range(issues):
                    perform(ctx, lambda uow, c=ctx, t=ticket: tickets.issue(c, uow, t), status=201)
                if name == "chain":
                    sealing = time.process_time()
                    settle(ctx)  # the round's events chained after their commits
                    sealed.append((time.process_time() - sealing) / issues * 1e6)
                spent[name].append((time.process_time() - started) / issues * 1000)
                wall[name].append((time.perf_counter() - clock) / issues * 1000)
        trail.sinks().clear()
        trail.sinks().extend(sinks)
        for ctx, _ in ctxs.values():
            ctx.db.dispose()
    out = {name: statistics.median(values) for name, values in spent.items()}
    took = {name: statistics.median(values) for name, values in wall.items()}
    # Each round's two variants ran back to back: the median of their ratios is steadier than
    # the ratio of the medians when the machine's speed drifts between rounds.
    ratios = zip(spent["chain"], spent["no chain"], strict=True)
    paired = statistics.median(c / n for c, n in ratios)
    seal = f"; sealing {statistics.median(sealed):.0f} µs per issue" if any(sealed) else ""
    say(f"audit 0b. {backend}: one issue after another, in process (median of {rounds} x "
        f"{issues}): CPU "
        f"no chain {out['no chain']:.2f} ms, chain {out['chain']:.2f} ms "
        f"({(out['chain'] / out['no chain'] - 1) * 100:+.1f}%; paired rounds "
        f"{(paired - 1) * 100:+.1f}%{seal}); wall (commit and fsync "
        f"included) {took['no chain']:.2f} ms, {took['chain']:.2f} ms "
        f"({(took['chain'] / took['no chain'] - 1) * 100:+.1f}%)")  # fmt: skip
    return {**out, **{f"{k} wall": v for k, v in took.items()}, "paired": paired}


def scenario(cfg: Any, report: Any, work: Path) -> None:
    append_cost(work)
    issue_cpu(work)
    if cfg.pg:
        issue_cpu(work, issues=200, rounds=8, backend="postgresql")
    throughput(work, cfg.window_s, cfg.pg)
    verify_million(work, 100_000 if cfg.quick else RECORDS)
