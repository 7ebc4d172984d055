"""One branch's issuing on PostgreSQL: throughput at c=1/8/32 and where a transaction waits.

`python -m bench --only onebranch` issues tickets of one service of one branch (the hall of
scenario 1, kiosk token, closed loop) against `hallq serve` on a fresh PostgreSQL database,
and while the highest concurrency runs it samples `pg_stat_activity` of that database every
few milliseconds: how many of the server's connections are idle (the server's Python has
them), idle in a transaction (Python works between two statements of an open transaction),
waiting for a lock (and on which statement), waiting on the WAL's flush, or running.

Configurations: the branch's tickets all of one service, or spread over four (each
connection issues in one of them), with one `hallq serve` worker or two (then on the Redis
bus). HALLQ_BENCH_SERVICES / HALLQ_BENCH_WORKERS ("1,4" / "1,2") choose.

With HALLQ_BENCH_BASE=/path/to/another/source/tree the same runs are made against that
tree's server too (its own database, migrated with its own migrations), alternately: base,
this tree, base, this tree, so that the two are compared within the same minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import hall, load, procs
from bench.procs import say
from bench.rawhttp import request_bytes

CONCURRENCY = (1, 8, 32)
SAMPLE_EVERY_S = 0.004
ROUNDS = 2
SERVICES = tuple(int(n) for n in os.environ.get("HALLQ_BENCH_SERVICES", "1,4").split(","))
WORKERS = tuple(int(n) for n in os.environ.get("HALLQ_BENCH_WORKERS", "1,2").split(","))


@dataclass
class Waits:
    """Mean number of the server's connections in each state over the samples."""

    samples: int = 0
    kinds: Counter[str] = field(default_factory=Counter)

    def mean(self, kind: str) -> float:
        return self.kinds[kind] / self.samples if self.samples else 0.0


@dataclass
class Run:
    name: str
    services: int
    workers: int
    rates: dict[int, float] = field(default_factory=dict)
    p99: dict[int, float] = field(default_factory=dict)
    waits: Waits = field(default_factory=Waits)
    errors_at: dict[int, dict[int, int]] = field(default_factory=dict)
    """Non-201 answers per level, by status (another program's use of PostgreSQL's
    connections shows here as 503s)."""
    server_cpu: float = 0.0
    """The server process's CPU use during the highest level (1.0 = one core)."""
    machine_cpu: float = 0.0
    """The whole machine's CPU use then (1.0 = one core)."""
    errors: int = 0


def _kind(state: str | None, wtype: str | None, wevent: str | None, query: str) -> str:
    if state == "idle":
        return "idle (server)"
    if state and state.startswith("idle in transaction"):
        return "in transaction, server's turn"
    if wtype == "Lock":
        text = " ".join(query.split())[:48]
        return f"lock wait {wevent}: {text}"
    if wtype in ("IO", "LWLock") and wevent:
        return f"{wtype} {wevent}"
    if wtype == "Client":
        return f"client {wevent}"
    return "running" if wtype is None else f"{wtype} {wevent}"


class Sampler:
    def __init__(self, dbname: str) -> None:
        self.dbname = dbname
        self.waits = Waits()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        import psycopg

        query = (
            "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        with psycopg.connect(procs.PG_ADMIN_DSN, autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(query, (self.dbname,)).fetchall()
                self.waits.samples += 1
                for state, wtype, wevent, text in rows:
                    self.waits.kinds[_kind(state, wtype, wevent, text or "")] += 1
                time.sleep(SAMPLE_EVERY_S)


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _tree_ticks(pid: int) -> int:
    """CPU ticks of a process and its children (uvicorn's workers)."""
    total = _cpu_ticks(pid)
    for child in Path(f"/proc/{pid}/task").iterdir():
        children = child / "children"
        if children.exists():
            for kid in children.read_text().split():
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                    total += _tree_ticks(int(kid))
    return total


def _machine_ticks() -> tuple[int, int]:
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def one_run(name: str, root: Path, work: Path, window_s: float, services: int, workers: int) -> Run:
    run = Run(name, services, workers)
    with procs.postgres_database() as url:
        procs.migrate(url, work, root)
        server = procs.hallq_server(url, work, name, root=root)
        if workers > 1:
            server.cmd += ["--workers", str(workers)]
            server.env["HALLQ_BUS_URL"] = "redis://127.0.0.1:6379/0"
        server.start()
        try:
            h = hall.setup(server.url, server.port, services=services)
            kiosk = {"Authorization": f"Bearer {h.kiosk}"}
            raw = [
                request_bytes("POST", "/api/v1/tickets", {"service_id": sid}, kiosk)
                for sid in h.service_ids
            ]
            for c in CONCURRENCY:
                top = c == CONCURRENCY[-1]
                dbname = url.rsplit("/", 1)[1]
                ticks, (busy, total) = _tree_ticks(server.pid), _machine_ticks()
                if top:
                    with Sampler(dbname) as sampler:
                        result = asyncio.run(load.closed_loop(server.port, raw, c, window_s, 0.5))
                    run.waits = sampler.waits
                else:
                    result = asyncio.run(load.closed_loop(server.port, raw, c, window_s, 0.5))
                if top:
                    hz = os.sysconf("SC_CLK_TCK")
                    busy2, total2 = _machine_ticks()
                    elapsed = window_s + 0.5
                    run.server_cpu = (_tree_ticks(server.pid) - ticks) / hz / elapsed
                    cores = os.cpu_count() or 1
                    run.machine_cpu = (busy2 - busy) / max(1, total2 - total) * cores
                ok = result.statuses.get(201, 0)
                run.rates[c], run.p99[c] = ok / result.elapsed_s, result.p(99)
                run.errors += result.errors
                if result.errors:
                    run.errors_at[c] = {k: v for k, v in result.statuses.items() if k != 201}
                say(f"  {name:<5} {services} svc {workers} wk c={c:<3} {result.rate:7.0f} req/s  "
                    f"p50 {result.p(50):7.2f} ms  p99 {result.p(99):7.2f} ms"
                    + (f"  errors {result.statuses}" if result.errors else ""))  # fmt: skip
        finally:
            server.stop()
    return run


def show_waits(run: Run) -> None:
    waits = run.waits
    say(f"  {run.name} ({run.services} svc, {run.workers} wk) at c={CONCURRENCY[-1]}: "
        f"{waits.samples} samples of pg_stat_activity; "
        f"server process CPU {run.server_cpu:.2f} cores, machine {run.machine_cpu:.2f} cores; "
        "mean connections:")  # fmt: skip
    for kind, count in waits.kinds.most_common(12):
        say(f"    {count / waits.samples:6.2f}  {kind}")


def scenario(cfg: Any, report: Any, work: Path) -> None:
    if not cfg.pg:
        say("onebranch: PostgreSQL is not reachable; skipped")
        return
    base = os.environ.get("HALLQ_BENCH_BASE")
    trees = [("base", Path(base)), ("this", procs.ROOT)] if base else [("this", procs.ROOT)]
    more = os.environ.get("HALLQ_BENCH_TREES")  # name=path,name=path: any source trees
    if more:
        trees = [(n, Path(t)) for n, t in (item.split("=", 1) for item in more.split(","))]
    load_before = os.getloadavg()[0]
    say(f"onebranch: one branch's issuing on PostgreSQL, load average {load_before:.1f}")
    runs: list[Run] = []
    for workers in WORKERS:
        for services in SERVICES:
            for _ in range(ROUNDS):
                for name, root in trees:
                    run = one_run(name, root, work, cfg.window_s, services, workers)
                    show_waits(run)
                    runs.append(run)
            say(f"  (load average {os.getloadavg()[0]:.1f})")
    say("  mean of rounds (201s per second):")
    for workers in WORKERS:
        for services in SERVICES:
            for name, _ in trees:
                text = "  ".join(
                    f"c={c} {_mean(runs, name, services, workers, c):6.0f}" for c in CONCURRENCY
                )
                say(f"    {name:<5} {services} service(s), {workers} worker(s)  {text}")
    report.onebranch = figures(runs, [n for n, _ in trees], load_before, os.getloadavg()[0])


def _mine(runs: list[Run], name: str, services: int, workers: int) -> list[Run]:
    return [r for r in runs if (r.name, r.services, r.workers) == (name, services, workers)]


def _mean(runs: list[Run], name: str, services: int, workers: int, c: int) -> float:
    mine = _mine(runs, name, services, workers)
    return sum(r.rates[c] for r in mine) / len(mine) if mine else float("nan")


def figures(runs: list[Run], names: list[str], load_before: float, load_after: float) -> str:
    """Scenario 10's section of docs/benchmarks.md, markers included."""
    from bench.report import BRANCH_BEGIN, BRANCH_END

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    trees = " and ".join(f"`{n}`" for n in names)
    out = [BRANCH_BEGIN, "",
           f"Run {when}; servers {trees}" + (" (`base` = the tree in HALLQ_BENCH_BASE, "
           "`this` = this tree), alternately" if len(names) > 1 else "") + ". Load average "
           f"(1 min) before {load_before:.1f}, after {load_after:.1f}: much above the bench's "
           "own ~2 means other work shared the 2 cores, and every rate is low by that much.",
           "", "| server | services | workers | c=1 /s | c=8 /s | c=32 /s | c=32 p99 ms "
           "| server CPU at c=32 | non-201 |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for workers in WORKERS:
        for services in SERVICES:
            for name in names:
                mine = _mine(runs, name, services, workers)
                if not mine:
                    continue
                rates = " | ".join(
                    f"{_mean(runs, name, services, workers, c):.0f}" for c in CONCURRENCY
                )
                top = CONCURRENCY[-1]
                p99 = sum(r.p99[top] for r in mine) / len(mine)
                cpu = sum(r.server_cpu for r in mine) / len(mine)
                bad = "; ".join(
                    f"c={c}: {statuses}" for r in mine for c, statuses in r.errors_at.items()
                )
                out.append(f"| {name} | {services} | {workers} | {rates} | {p99:.0f} | "
                           f"{cpu:.2f} cores | {bad or 0} |")  # fmt: skip
    out += ["", f"Where the server's connections were at c={CONCURRENCY[-1]} (mean number of "
            "connections, over the samples of both rounds; the four largest):", ""]  # fmt: skip
    for workers in WORKERS:
        for services in SERVICES:
            for name in names:
                mine = _mine(runs, name, services, workers)
                total = Waits()
                for r in mine:
                    total.samples += r.waits.samples
                    total.kinds.update(r.waits.kinds)
                if not total.samples:
                    continue
                top4 = "; ".join(
                    f"{total.mean(kind):.1f} {kind.rstrip()}"
                    for kind, _ in total.kinds.most_common(4)
                )
                out.append(f"- `{name}`, {services} service(s), {workers} worker(s): {top4}.")
    out += ["", BRANCH_END]
    return "\n".join(out) + "\n"
