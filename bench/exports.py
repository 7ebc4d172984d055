"""Concurrent exports against a real `hallq serve` while the hall keeps working.

One month of one hall (generated as in bench/stats.py) is exported 50 times at once, CSV and
XLSX alternately, while one client issues tickets (kiosk token) and another reads the queue view
(display token), each in a loop. Every export ends as one of:
- completed: 200 and the whole file (every CSV row; an XLSX that is a whole zip archive);
- 429: refused with `rate_limited` (the client is told to retry);
- 500 (or any other status);
- cut off: the connection ended before the file did, or the file was short.
Issuing and queue-view latencies are measured over the whole time the exports run.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import procs
from bench import stats as stats_bench
from bench.load import percentile

EXPORTS = 50
MONTH = ("2025-10-01", "2025-10-31")
BRANCH_ID = 1
RECENT_CALLS = 8  # as many as the queue view shows


@dataclass
class ExportsResult:
    backend: str
    rows: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    export_s: list[float] = field(default_factory=list)
    issue_ms: list[float] = field(default_factory=list)
    queue_ms: list[float] = field(default_factory=list)
    issue_errors: dict[str, int] = field(default_factory=dict)
    queue_errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    def line(self, name: str, values: list[float], errors: dict[str, int]) -> str:
        if not values:
            return f"    {name:<11} no answer"
        bad = f"  errors {errors}" if errors else ""
        return (
            f"    {name:<11} {len(values):4d} requests  p50 {percentile(values, 50):8.1f} ms  "
            f"p99 {percentile(values, 99):8.1f} ms  max {max(values):8.1f} ms{bad}"
        )


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _setup(url: str) -> tuple[dict[str, str], dict[str, str], int, dict[str, str]]:
    """Kiosk and display tokens of hall 1, a service to issue in, the admin's token."""
    with httpx.Client(base_url=url, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": procs.ADMIN_PASSWORD}
        )
        login.raise_for_status()
        admin = {"Authorization": f"Bearer {login.json()['token']}"}

        def device(kind: str) -> dict[str, str]:
            body = {"kind": kind, "name": f"bench {kind}", "branch_id": BRANCH_ID}
            made = client.post("/api/v1/devices", headers=admin, json=body)
            made.raise_for_status()
            return {"Authorization": f"Bearer {made.json()['token']}"}

        services = client.get("/api/v1/services", headers=admin, params={"branch_id": BRANCH_ID})
        services.raise_for_status()
        service_id = int(services.json()[0]["id"])
        kiosk = device("kiosk")
        # The generated events carry no ticket objects: make the queue view's recent calls real.
        counters = client.get("/api/v1/counters", headers=admin, params={"branch_id": BRANCH_ID})
        counter_id = int(counters.json()[0]["id"])
        client.post(f"/api/v1/counters/{counter_id}/open", headers=admin).raise_for_status()
        for _ in range(RECENT_CALLS):
            made = client.post("/api/v1/tickets", json={"service_id": service_id}, headers=kiosk)
            made.raise_for_status()
            called = client.post(f"/api/v1/counters/{counter_id}/call-next",
                                 json={"complete_current": True}, headers=admin)  # fmt: skip
            called.raise_for_status()
        return kiosk, device("display"), service_id, admin


async def _export(
    client: httpx.AsyncClient, i: int, admin: dict[str, str], rows: int, result: ExportsResult
) -> None:
    fmt = "csv" if i % 2 == 0 else "xlsx"
    params: dict[str, str | int] = {
        "branch_id": BRANCH_ID,
        "from": MONTH[0],
        "to": MONTH[1],
        "format": fmt,
    }
    started = time.perf_counter()
    try:
        async with client.stream(
            "GET", "/api/v1/stats/export", params=params, headers=admin
        ) as response:
            body = await response.aread()
    except (httpx.RemoteProtocolError, httpx.ReadError):
        _count(result.outcomes, "cut off")
        return
    except httpx.TimeoutException:
        _count(result.outcomes, "timeout")
        return
    if response.status_code == 429:
        _count(result.outcomes, "429")
        return
    if response.status_code != 200:
        _count(result.outcomes, str(response.status_code))
        return
    if fmt == "csv":
        whole = body.count(b"\r\n") == rows + 1 and body.endswith(b"\r\n")
    else:
        whole = b"PK\x05\x06" in body[-200:]
    _count(result.outcomes, "completed" if whole else "cut off")
    result.export_s.append(time.perf_counter() - started)


async def _loop(
    client: httpx.AsyncClient,
    send: Callable[[], Any],
    ok: int,
    latencies: list[float],
    errors: dict[str, int],
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            response = await send()
            status = str(response.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        latencies.append((time.perf_counter() - started) * 1000)
        if status != str(ok):
            _count(errors, status)
        await asyncio.sleep(0.05)


async def _run(url: str, rows: int, result: ExportsResult) -> None:
    kiosk, display, service_id, admin = await asyncio.to_thread(_setup, url)
    limits = httpx.Limits(max_connections=EXPORTS + 10, max_keepalive_connections=EXPORTS + 10)
    timeout = httpx.Timeout(180.0)
    stop = asyncio.Event()
    async with (
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as exports,
        httpx.AsyncClient(base_url=url, timeout=timeout) as floor,
    ):

        def issue() -> Any:
            return floor.post("/api/v1/tickets", json={"service_id": service_id}, headers=kiosk)

        def queue() -> Any:
            return floor.get(f"/api/v1/branches/{BRANCH_ID}/queue", headers=display)

        loops = [
            asyncio.create_task(_loop(floor, issue, 201, result.issue_ms, result.issue_errors,
                                      stop)),
            asyncio.create_task(_loop(floor, queue, 200, result.queue_ms, result.queue_errors,
                                      stop)),
        ]  # fmt: skip
        await asyncio.sleep(1.0)  # the floor's own latency first
        started = time.perf_counter()
        await asyncio.gather(*(_export(exports, i, admin, rows, result) for i in range(EXPORTS)))
        result.wall_s = time.perf_counter() - started
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*loops)


def _month_rows(url: str) -> int:
    path = url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM ticket WHERE branch_id = ? AND business_date BETWEEN ? AND ?",
            (BRANCH_ID, *MONTH),
        ).fetchone()
    return int(row[0])


def run(url: str, backend: str, total: int, say: Callable[[str], None],
        env: dict[str, str] | None = None) -> ExportsResult:  # fmt: skip
    """Generate, serve, measure; the database must be migrated and empty."""
    result = ExportsResult(backend)
    tickets, _ = stats_bench.generate(url, total)
    result.rows = _month_rows(url) if backend == "SQLite" else _pg_month_rows(url)
    say(f"  {backend}: {tickets:,} tickets generated; one month of hall 1 is "
        f"{result.rows:,} rows")  # fmt: skip
    work = Path(url.removeprefix("sqlite:///")).parent if backend == "SQLite" else Path("/tmp")
    server = procs.hallq_server(url, work, f"exports-{backend}")
    if env:
        server.env.update(env)
    server.start()
    try:
        asyncio.run(_run(server.url, result.rows, result))
    finally:
        server.stop()
    order = ["completed", "429", "500", "cut off"]
    counts = {k: result.outcomes.get(k, 0) for k in order}
    counts |= {k: v for k, v in result.outcomes.items() if k not in order}
    say(f"    {EXPORTS} exports in {result.wall_s:.1f} s: "
        + ", ".join(f"{k} {v}" for k, v in counts.items()))  # fmt: skip
    if result.export_s:
        say(f"    completed export time p50 {percentile(result.export_s, 50):.1f} s, "
            f"max {max(result.export_s):.1f} s")  # fmt: skip
    say(result.line("issuing", result.issue_ms, result.issue_errors))
    say(result.line("queue view", result.queue_ms, result.queue_errors))
    return result


def _pg_month_rows(url: str) -> int:
    """The month's rows; first the halls' last_seq, as the SQLite loader sets it."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        # the generator's COPY leaves the halls' last_seq at 0: new events would collide
        conn.execute(
            "UPDATE branch SET last_seq = (SELECT coalesce(max(seq), 0) FROM ticket_event "
            "WHERE ticket_event.branch_id = branch.id)"
        )
        row = conn.execute(
            "SELECT count(*) FROM ticket WHERE branch_id = %s AND business_date BETWEEN %s AND %s",
            (BRANCH_ID, *MONTH),
        ).fetchone()
    return int(row[0]) if row else 0


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only exports`: SQLite, then PostgreSQL when reachable."""
    total = 200_000 if cfg.quick else 1_000_000
    say = print
    say(f"7. {EXPORTS} concurrent exports of one month while issuing and reading the queue")
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    if cfg.pg:
        backends.append(("PostgreSQL", procs.postgres_database))
    for name, pg in backends:
        with (
            contextlib.nullcontext(f"sqlite:///{work / 'exports.db'}")
            if pg is None
            else pg() as url
        ):
            procs.migrate(url, work)
            report.exports.append(run(url, name, total, say))
