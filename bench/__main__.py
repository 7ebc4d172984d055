"""`python -m bench` — run the benchmarks, print the numbers, write docs/benchmarks.md.

    python -m bench                 # everything (~3 min on 2 cores)
    python -m bench --quick         # shorter windows, fewer calls (~1 min)
    python -m bench --only fanout   # throughput, openloop, fanout, coldstart, stats, burst
    python -m bench --only bodies   # 100 MB request bodies: server RSS (not in a full run)
    python -m bench --only exports  # 50 concurrent exports while issuing (not in a full run)
    python -m bench --only audit    # issuing without/with the audit hash chain; verify over 1 M
    python -m bench --only board    # the HQ board of 500 halls: paint and update delay
    python -m bench --only alerts   # condition to alert.raised, p50/p99 (not in a full run)
    python -m bench --only appraisal  # the clerk appraisal over 1M tickets (not in a full run)
    python -m bench --only results  # the public results of a hall over 1M tickets (likewise)
    python -m bench --only checkin  # appointment check-in to printed ticket, p50/p99 of 100
    python -m bench --only webhooks  # commit → delivered, a hanging receiver, 1,000 calls/min
    python -m bench --only public   # public hall information under a flood (not in a full run)
    python -m bench --only onebranch  # one branch's issuing on PostgreSQL, where it waits
    python -m bench --only scale    # 500 halls on 2 instances × 2 workers, PostgreSQL + Redis,
                                    # against one SQLite process (not in a full run; ~5 min)
    python -m bench --only memory   # RSS of one `--workers 2` instance, idle and with 1,500
                                    # displays (PostgreSQL + Redis; not in a full run; ~1 min)
    python -m bench --only where    # where an issued ticket's CPU goes (py-spy, if installed)
    python -m bench --no-pg --no-write

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bench import alerts as alerts_bench
from bench import appraisal as appraisal_bench
from bench import audit as audit_bench
from bench import board as board_bench
from bench import bodies, burst, fanout, hall, load, procs, scale_report
from bench import checkin as checkin_bench
from bench import exports as exports_bench
from bench import memory as memory_bench
from bench import onebranch as onebranch_bench
from bench import public as public_bench
from bench import report as page
from bench import results as results_bench
from bench import scale as scale_bench
from bench import stats as stats_bench
from bench import webhooks as webhooks_bench
from bench import where as where_bench
from bench.rawhttp import request_bytes

SCENARIOS = ("throughput", "openloop", "fanout", "coldstart", "stats", "burst", "webhooks")
ON_REQUEST = (
    "bodies",
    "exports",
    "audit",
    "board",
    "alerts",
    "appraisal",
    "results",
    "checkin",
    "public",
    "onebranch",
    "scale",
    "memory",
    "where",
)  # only with --only
DOC = procs.ROOT / "docs" / "benchmarks.md"
NOFILE_WANTED = 8192
T = TypeVar("T")


@dataclass
class Config:
    quick: bool
    pg: bool
    window_s: float
    warmup_s: float
    open_loop_s: float
    calls: int
    concurrency: tuple[int, ...] = (1, 8, 32)
    open_loop_rate: float = 200.0
    subscriber_counts: tuple[int, ...] = (200, 1000)
    display_tokens: int = 10
    cold_starts: int = 3
    deflate: bool = True


@dataclass
class Report:
    config: Config
    nofile: tuple[int, int] = (0, 0)
    throughput: dict[str, dict[int, load.Result]] = field(default_factory=dict)
    openloop: load.Result | None = None
    fanout: dict[int, fanout.FanoutResult] = field(default_factory=dict)
    coldstart_s: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    stats: list[stats_bench.StatsResult] = field(default_factory=list)
    burst: dict[str, burst.BurstResult] = field(default_factory=dict)
    exports: list[exports_bench.ExportsResult] = field(default_factory=list)
    board: list[board_bench.BoardResult] = field(default_factory=list)
    alerts: list[alerts_bench.AlertsResult] = field(default_factory=list)
    checkin: list[checkin_bench.CheckinResult] = field(default_factory=list)
    appraisal: list[appraisal_bench.AppraisalResult] = field(default_factory=list)
    results: list[results_bench.ResultsResult] = field(default_factory=list)
    webhooks: webhooks_bench.WebhookResult | None = None
    bodies: bodies.BodiesResult | None = None
    public: public_bench.PublicResult | None = None
    onebranch: str | None = None
    """Scenario 10's section of the page, markers included."""
    scale: list[scale_bench.ScaleResult] = field(default_factory=list)
    where: str | None = None
    """Section 12 of the page, markers included."""


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        import uvloop

        return uvloop.run(make())
    except ImportError:
        return asyncio.run(make())


def raise_nofile() -> tuple[int, int]:
    """1,000 websockets need ~1,000 descriptors in this process and in the server (which
    inherits the limit): raise the soft limit towards the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < NOFILE_WANTED:
        new = NOFILE_WANTED if hard == resource.RLIM_INFINITY else min(NOFILE_WANTED, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def say(text: str) -> None:
    print(text, flush=True)


# --- scenarios -------------------------------------------------------------------------------


def issue_request(h: hall.Hall | None) -> bytes:
    if h is None:
        return request_bytes("POST", "/api/v1/tickets", {"service_id": 1})
    return request_bytes(
        "POST",
        "/api/v1/tickets",
        {"service_id": h.service_id},
        {"Authorization": f"Bearer {h.kiosk}"},
    )


def measure_levels(
    name: str, server: procs.Proc, h: hall.Hall | None, cfg: Config, report: Report
) -> None:
    raw = issue_request(h)
    report.throughput[name] = {}
    for c in cfg.concurrency:
        result = run_async(
            lambda c=c: load.closed_loop(  # type: ignore[misc]
                server.port, raw, c, cfg.window_s, cfg.warmup_s
            )
        )
        report.throughput[name][c] = result
        bad = f"  NON-201: {result.statuses}" if result.errors else ""
        say(
            f"  {name:<10} c={c:<3} {result.rate:8.0f} req/s  p50 {result.p(50):6.2f} ms  "
            f"p99 {result.p(99):6.2f} ms{bad}"
        )


def scenario_throughput(cfg: Config, report: Report, work: Path) -> None:
    say("1. ticket issue throughput (closed loop, raw HTTP/1.1 keep-alive client)")
    bare = procs.bare_server(work).start()
    try:
        measure_levels("bare", bare, None, cfg, report)
    finally:
        bare.stop()
    backends: list[tuple[str, Any]] = [("sqlite", None)]
    if cfg.pg:
        backends.append(("postgresql", procs.postgres_database))
    for name, pg in backends:
        if pg is None:
            db_ctx: Any = _sqlite_url(work, "throughput")
        else:
            db_ctx = pg()
        with db_ctx as url:
            procs.migrate(url, work)
            server = procs.hallq_server(url, work, f"throughput-{name}").start()
            try:
                h = hall.setup(server.url, server.port)
                measure_levels(name, server, h, cfg, report)
            finally:
                server.stop()


class _sqlite_url:
    def __init__(self, work: Path, name: str) -> None:
        self.url = f"sqlite:///{work / (name + '.db')}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        return None


def scenario_openloop(cfg: Config, report: Report, work: Path) -> None:
    rate = cfg.open_loop_rate
    say(f"2. issue latency at {rate:.0f}/s for {cfg.open_loop_s:.0f} s (open loop, SQLite)")
    with _sqlite_url(work, "openloop") as url:
        procs.migrate(url, work)
        server = procs.hallq_server(url, work, "openloop").start()
        try:
            h = hall.setup(server.url, server.port)
            raw = issue_request(h)
            run_async(lambda: load.closed_loop(server.port, raw, 4, 0.5, 0.0))  # warm up
            result = run_async(lambda: load.open_loop(server.port, raw, rate, cfg.open_loop_s))
        finally:
            server.stop()
    report.openloop = result
    bad = f"  NON-201: {result.statuses}" if result.errors else ""
    say(
        f"  {result.requests} requests  p50 {result.p(50):6.2f} ms  p99 {result.p(99):6.2f} ms  "
        f"max {max(result.latencies_ms):6.2f} ms{bad}"
    )


def scenario_fanout(cfg: Config, report: Report, work: Path) -> None:
    say(f"3/4. call-next → event at the last subscriber ({cfg.calls} calls); server RSS")
    for n in cfg.subscriber_counts:
        with _sqlite_url(work, f"fanout{n}") as url:
            procs.migrate(url, work)
            server = procs.hallq_server(url, work, f"fanout{n}").start()
            try:
                h = hall.setup(server.url, server.port, displays=cfg.display_tokens)
                result = run_async(partial(fanout.run, h, server.pid, n, cfg.calls, cfg.deflate))
            finally:
                server.stop()
        report.fanout[n] = result
        say(
            f"  {n:>5} subscribers: connected in {result.connect_s:.1f} s; last p50 "
            f"{result.p(result.last_ms, 50):6.1f} ms p99 {result.p(result.last_ms, 99):6.1f} ms; "
            f"first p50 {result.p(result.first_ms, 50):5.1f} ms; call-next HTTP p50 "
            f"{result.p(result.http_ms, 50):5.1f} ms; RSS idle {result.rss_idle_mb:.0f} MB, "
            f"connected {result.rss_connected_mb:.0f} MB, after calls {result.rss_after_mb:.0f} MB"
            + (f"; {result.timeouts} TIMEOUTS" if result.timeouts else "")
        )


def scenario_coldstart(cfg: Config, report: Report, work: Path) -> None:
    say(f"5. cold start to healthy (`hallq serve` on a migrated SQLite DB), {cfg.cold_starts}×")
    with _sqlite_url(work, "coldstart") as url:
        procs.migrate(url, work)
        for i in range(cfg.cold_starts):
            server = procs.hallq_server(url, work, "coldstart")
            try:
                spawned = server.spawn()
                healthy = server.wait_healthy(interval=0.005)
            finally:
                server.stop()
            report.coldstart_s.append(healthy - spawned)
            say(f"  run {i + 1}: {healthy - spawned:.2f} s")


def scenario_burst(cfg: Config, report: Report, work: Path) -> None:
    rounds = 2 if cfg.quick else 5
    say(f"8. subscribers connecting together while tickets are issued ({rounds} × 20)")
    backends: list[tuple[str, Any]] = [("sqlite", None)]
    if cfg.pg:
        backends.append(("postgresql", procs.postgres_database))
    for name, pg in backends:
        with _sqlite_url(work, "burst") if pg is None else pg() as url:
            procs.migrate(url, work)
            server = procs.hallq_server(url, work, f"burst-{name}").start()
            try:
                h = hall.setup(server.url, server.port, displays=1)
                args = (server.url, h.kiosk, h.displays[0], h.service_id)
                result = run_async(partial(burst.run, *args, rounds=rounds))
            finally:
                server.stop()
        report.burst[name] = result
        say(
            f"  {name:<10} {result.losing} of {result.subscribers} subscribers lost events "
            f"({sum(result.lost)} seqs in all, at most {max(result.lost)} each); "
            f"{result.repeating} repeated one; {result.issued} tickets issued meanwhile"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="shorter windows, fewer calls")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {SCENARIOS}")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="websocket subscribers do not offer permessage-deflate (browsers do)",
    )
    parser.add_argument(
        "--write", action="store_true", help="write docs/benchmarks.md even with --only"
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="do not touch docs/benchmarks.md (default with --only)",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SCENARIOS)
    chosen = ["fanout" if s == "rss" else s for s in chosen]
    unknown = set(chosen) - set(SCENARIOS) - set(ON_REQUEST)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {SCENARIOS + ON_REQUEST}")
    pg = not args.no_pg and procs.reachable(5432)
    cfg = Config(
        quick=args.quick,
        pg=pg,
        window_s=2.0 if args.quick else 5.0,
        warmup_s=0.5 if args.quick else 1.0,
        open_loop_s=4.0 if args.quick else 10.0,
        calls=10 if args.quick else 30,
    )
    cfg.deflate = not args.no_deflate
    report = Report(cfg, nofile=raise_nofile())
    if not pg and "throughput" in chosen:
        report.notes.append("PostgreSQL on 127.0.0.1:5432 was skipped or not reachable.")
    say(
        f"hallq bench ({'quick' if args.quick else 'full'}): {', '.join(chosen)}; "
        f"RLIMIT_NOFILE {report.nofile[0]}"
    )
    report.load_before = os.getloadavg()
    if report.load_before[0] > 1.0:
        say(
            f"warning: load average {report.load_before[0]:.1f} before the run: other work "
            "shares the CPUs and the numbers will be low"
        )
    started = time.monotonic()
    runners = {
        "throughput": scenario_throughput,
        "openloop": scenario_openloop,
        "fanout": scenario_fanout,
        "coldstart": scenario_coldstart,
        "stats": stats_bench.scenario,
        "bodies": bodies.scenario,
        "burst": scenario_burst,
        "exports": exports_bench.scenario,
        "audit": audit_bench.scenario,
        "board": board_bench.scenario,
        "alerts": alerts_bench.scenario,
        "checkin": checkin_bench.scenario,
        "appraisal": appraisal_bench.scenario,
        "results": results_bench.scenario,
        "webhooks": webhooks_bench.scenario,
        "public": public_bench.scenario,
        "onebranch": onebranch_bench.scenario,
        "scale": scale_bench.scenario,
        "memory": memory_bench.scenario,
        "where": where_bench.scenario,
    }
    with tempfile.TemporaryDirectory(prefix="hallq-bench-") as tmp:
        work = Path(tmp)
        for name in SCENARIOS + ON_REQUEST:
            if name in chosen:
                runners[name](cfg, report, work)
    report.load_after = os.getloadavg()
    say(f"done in {time.monotonic() - started:.0f} s")
    # sections 6–11 have markers of their own: written whenever measured, even with --only
    parts = {
        "stats": page.stats_figures(report.stats) if report.stats else None,
        "webhooks": page.webhook_figures(report.webhooks) if report.webhooks else None,
        "burst": page.burst_figures(report.burst, cfg.quick) if report.burst else None,
        "bodies": page.bodies_figures(report.bodies) if report.bodies else None,
        "onebranch": report.onebranch,
        "scale": scale_report.scale_figures(report.scale, cfg.quick) if report.scale else None,
        "where": report.where,
    }
    main_figures: str | None = page.figures(report)
    if args.no_write:
        say("docs/benchmarks.md left as is (--no-write)")
        return 0
    if args.only and not args.write:
        if not any(parts.values()):
            say("docs/benchmarks.md left as is (partial run; --write to force)")
            return 0
        main_figures = None  # scenarios 1–5 keep their last full run's figures
    page.write(DOC, main=main_figures, **parts)
    say(f"wrote {DOC.relative_to(procs.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
