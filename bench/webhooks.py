"""Webhooks (issue 16): commit → delivered latency, issue latency with a hanging receiver, and
1,000 calls a minute to three webhooks with the outbox's backlog sampled every second.

The receivers are asyncio HTTP servers in the bench process on 127.0.0.1. A delivery's latency
runs from its event's `ts` (taken by the server inside the transaction, before the commit; the
same machine's clock) to the arrival of the request's last byte at the receiver.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from bench import hall, load, procs
from bench.rawhttp import request_bytes

if TYPE_CHECKING:
    from bench.__main__ import Config, Report

RATES = (10.0, 100.0)
CALLS_PER_MIN = 1000
HANG_S = 30.0
ISSUE_RATE_HANG = 50.0


@dataclass
class Receiver:
    """Answers 200 `{"errcode":0}` (after `hang_s`), recording each body and arrival time."""

    hang_s: float = 0.0
    arrivals: list[tuple[float, bytes]] = field(default_factory=list)
    server: asyncio.AbstractServer | None = None
    port: int = 0

    async def start(self) -> Receiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length)
                self.arrivals.append((time.time(), body))
                if self.hang_s:
                    await asyncio.sleep(self.hang_s)
                answer = b'{"errcode":0,"errmsg":"ok"}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer))  # fmt: skip
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    def latencies_ms(self) -> list[float]:
        out = []
        for at, body in self.arrivals:
            ts = datetime.fromisoformat(json.loads(body)["ts"]).timestamp()
            out.append((at - ts) * 1000)
        return out


@dataclass
class WebhookResult:
    latency: dict[float, tuple[int, float, float]] = field(default_factory=dict)
    issue_none: load.Result | None = None
    issue_fast: load.Result | None = None
    issue_hanging: load.Result | None = None
    hang_backlog: int = 0
    calls: int = 0
    call_errors: int = 0
    deliveries: int = 0
    backlog: list[tuple[float, int]] = field(default_factory=list)


def _webhook(h: hall.Hall, url: str, events: list[str], fmt: str = "json") -> int:
    with httpx.Client(base_url=f"http://127.0.0.1:{h.port}", timeout=30) as client:
        body = {"url": url, "events": events, "branch_id": 1, "format": fmt}
        r = client.post("/api/v1/webhooks", headers={"Authorization": f"Bearer {h.admin}"},
                        json=body)  # fmt: skip
        if r.status_code != 201:
            raise RuntimeError(r.text)
        return int(r.json()["id"])


def _drain(h: hall.Hall) -> int:
    """Cancel every waiting ticket, so that each phase issues into an empty queue (an issue's
    cost grows with the queue ahead: the estimate plays it forward)."""
    auth = {"Authorization": f"Bearer {h.admin}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{h.port}", headers=auth, timeout=30) as client:
        r = client.get("/api/v1/tickets", params={"branch_id": 1, "state": "waiting"})
        r.raise_for_status()
        waiting = [t["id"] for t in r.json()]
        for ticket_id in waiting:
            client.post(f"/api/v1/tickets/{ticket_id}/cancel").raise_for_status()
    return len(waiting)


def _backlog(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute(
            "SELECT count(*) FROM webhook_delivery WHERE next_attempt_at IS NOT NULL"
        ).fetchone()
    return int(row[0])


async def _until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def _latency(h: hall.Hall, rate: float, seconds: float) -> tuple[int, float, float]:
    receiver = await Receiver().start()
    try:
        _webhook(h, receiver.url, ["ticket.issued"])
        raw = request_bytes("POST", "/api/v1/tickets", {"service_id": h.service_id},
                            {"Authorization": f"Bearer {h.kiosk}"})  # fmt: skip
        result = await load.open_loop(h.port, raw, rate, seconds)
        await _until(lambda: len(receiver.arrivals) >= result.requests, 30)
        values = receiver.latencies_ms()
        return len(values), load.percentile(values, 50), load.percentile(values, 99)
    finally:
        await receiver.stop()


async def _hanging(h: hall.Hall, seconds: float, db: Path, out: WebhookResult) -> None:
    """Three phases on one server, each from an empty queue: no webhook, then a receiver that
    answers at once, then one that hangs. The hanging one comes last: its deliveries stay due
    (retried for a day), so no phase after it would be without one."""
    raw = request_bytes("POST", "/api/v1/tickets", {"service_id": h.service_id},
                        {"Authorization": f"Bearer {h.kiosk}"})  # fmt: skip
    events = ["ticket.issued", "ticket.called", "counter.updated"]
    await load.closed_loop(h.port, raw, 4, 0.5, 0.0)  # warm up
    fast = await Receiver().start()
    hanging = await Receiver(hang_s=HANG_S).start()
    try:
        _drain(h)
        out.issue_none = await load.open_loop(h.port, raw, ISSUE_RATE_HANG, seconds)
        _drain(h)
        _webhook(h, fast.url, events)
        out.issue_fast = await load.open_loop(h.port, raw, ISSUE_RATE_HANG, seconds)
        await _until(lambda: _backlog(db) == 0, 30)
        _drain(h)
        _webhook(h, hanging.url, events)
        out.issue_hanging = await load.open_loop(h.port, raw, ISSUE_RATE_HANG, seconds)
        out.hang_backlog = _backlog(db)
    finally:
        await fast.stop()
        await hanging.stop()


async def _calls(h: hall.Hall, seconds: float, db: Path, out: WebhookResult) -> None:
    receivers = [await Receiver().start() for _ in range(3)]
    try:
        for r, fmt in zip(receivers, ("json", "wecom", "dingtalk"), strict=True):
            _webhook(h, r.url, ["ticket.called"], fmt)
        total = int(CALLS_PER_MIN / 60 * seconds)
        issue = request_bytes("POST", "/api/v1/tickets", {"service_id": h.service_id},
                              {"Authorization": f"Bearer {h.kiosk}"})  # fmt: skip
        await load.closed_loop(h.port, issue, 8, max(2.0, total / 150), 0.0)  # a queue to call
        call = request_bytes("POST", f"/api/v1/counters/{h.counter_id}/call-next",
                             {"complete_current": True},
                             {"Authorization": f"Bearer {h.admin}"})  # fmt: skip
        started = time.monotonic()

        async def sample() -> None:
            while True:
                out.backlog.append((time.monotonic() - started, _backlog(db)))
                await asyncio.sleep(1.0)

        sampler = asyncio.create_task(sample())
        result = await load.open_loop(h.port, call, CALLS_PER_MIN / 60, seconds, ok=200)
        await _until(lambda: sum(len(r.arrivals) for r in receivers) >= 3 * result.requests, 30)
        out.backlog.append((time.monotonic() - started, _backlog(db)))
        sampler.cancel()
        out.calls, out.call_errors = result.requests, result.errors
        out.deliveries = sum(len(r.arrivals) for r in receivers)
    finally:
        for r in receivers:
            await r.stop()


def _server(work: Path, name: str) -> tuple[procs.Proc, hall.Hall, Path]:
    db = work / f"{name}.db"
    url = f"sqlite:///{db}"
    procs.migrate(url, work)
    server = procs.hallq_server(url, work, name).start()
    return server, hall.setup(server.url, server.port), db


def scenario(cfg: Config, report: Report, work: Path) -> None:
    from bench.__main__ import run_async, say

    seconds = 5.0 if cfg.quick else 10.0
    out = WebhookResult()
    say("W1. webhooks: event commit → delivered at a local receiver (SQLite, json)")
    for rate in RATES:
        server, h, _ = _server(work, f"wh-latency-{rate:.0f}")
        try:
            out.latency[rate] = run_async(lambda h=h, rate=rate: _latency(h, rate, seconds))  # type: ignore[misc]
        finally:
            server.stop()
        n, p50, p99 = out.latency[rate]
        say(f"  {rate:5.0f} events/s: {n} deliveries, p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    say(f"W2. issue latency at {ISSUE_RATE_HANG:.0f}/s from an empty queue: no webhook, then "
        f"one answering at once, then one hanging {HANG_S:.0f} s (same server)")  # fmt: skip
    server, h, db = _server(work, "wh-hang")
    try:
        run_async(lambda: _hanging(h, seconds, db, out))
    finally:
        server.stop()
    phases = (("none", out.issue_none), ("fast", out.issue_fast), ("hanging", out.issue_hanging))
    for label, res in phases:
        assert res is not None
        say(f"  {label:<8} {res.requests} issued  p50 {res.p(50):6.2f} ms  p99 {res.p(99):6.2f} ms"
            f"{'  NON-201: ' + str(res.statuses) if res.errors else ''}")  # fmt: skip
    say(f"  backlog for the hanging receiver afterwards: {out.hang_backlog}")
    window = 30.0 if cfg.quick else 60.0
    say(f"W3. {CALLS_PER_MIN} call-next per minute for {window:.0f} s, each to 3 webhooks "
        "(json, wecom, dingtalk); backlog every second")  # fmt: skip
    server, h, db = _server(work, "wh-calls")
    try:
        run_async(lambda: _calls(h, window, db, out))
    finally:
        server.stop()
    peak = max(n for _, n in out.backlog)
    say(f"  {out.calls} calls ({out.call_errors} errors), {out.deliveries} deliveries; backlog "
        f"peak {peak}, last {out.backlog[-1][1]}: "
        + " ".join(str(n) for _, n in out.backlog))  # fmt: skip
    report.webhooks = out
