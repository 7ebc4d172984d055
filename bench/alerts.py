"""From a condition starting to `alert.raised` on the hall's stream, against a real `hallq serve`
(its own evaluator, the default `HALLQ_ALERTS_INTERVAL_S`).

Two kinds of condition, measured apart because the server learns of them differently:
- **by an event**: a kiosk reports its printer out of paper (`printer_fault`). The condition
  starts when the report is answered; the evaluator finds it at its next round.
- **by time**: a ticket waits past its service's target (`wait_over_target`, target 1 min).
  The ticket's queue time is moved in the database so that it crosses the target a few
  seconds later; the condition starts at that instant, which the evaluator scheduled itself.
  The move is no event of the hall: a printer report that changes no alert follows it, so
  that the evaluator reads the hall again (it reads a hall when it may have changed:
  server/alerts/watch.py), as it would after the ticket's own events.
Each sample ends the condition (printer ok, ticket called) and waits for `alert.cleared`
before the next. Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from websockets.sync.client import connect

from bench import alerts_idle, hall, procs
from bench.load import percentile

LEAD_S = 3.0  # the moved ticket crosses its target this long after the move
WAIT_S = 15.0  # a sample that sees no alert by then counts as missed


@dataclass
class AlertsResult:
    backend: str
    event_ms: list[float] = field(default_factory=list)
    time_ms: list[float] = field(default_factory=list)
    missed: int = 0

    def lines(self) -> list[str]:
        out = [f"  {self.backend}:"]
        for name, values in (("by an event", self.event_ms), ("by time", self.time_ms)):
            if not values:
                out.append(f"    {name:<12} no sample")
                continue
            out.append(
                f"    {name:<12} {len(values):3d} alerts  p50 {percentile(values, 50):7.1f} ms  "
                f"p99 {percentile(values, 99):7.1f} ms  max {max(values):7.1f} ms"
            )
        if self.missed:
            out.append(f"    missed: {self.missed}")
        return out


class Stream:
    def __init__(self, port: int, token: str) -> None:
        url = f"ws://127.0.0.1:{port}/api/v1/branches/1/events?token={token}"
        self.ws = connect(url, open_timeout=10, close_timeout=5)
        self.ws.recv(timeout=10)  # the snapshot

    def until(self, kind: str, type_: str) -> float | None:
        """The wall-clock time (epoch s) at which `type_` of `kind` arrived, or None."""
        deadline = time.monotonic() + WAIT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = json.loads(self.ws.recv(timeout=left))
            except TimeoutError:
                return None
            if message["type"] == type_ and message["data"].get("kind") == kind:
                return time.time()
        return None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()


def _post(client: httpx.Client, path: str, token: str, body: Any = None) -> Any:
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    if r.status_code >= 300:
        raise RuntimeError(f"{path}: {r.status_code} {r.text}")
    return r.json()


def _move_queue_time(db_url: str, ticket_id: int, at: datetime) -> None:
    engine = create_engine(db_url)
    value: Any = at if db_url.startswith("postgresql") else at.strftime("%Y-%m-%d %H:%M:%S.%f")
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE ticket SET queued_at = :at WHERE id = :id"),
                         {"at": value, "id": ticket_id})  # fmt: skip
    finally:
        engine.dispose()


def run(db_url: str, backend: str, samples: int, work: Path, say: Any) -> AlertsResult:
    result = AlertsResult(backend)
    server = procs.hallq_server(db_url, work, f"alerts-{backend}").start()
    stream: Stream | None = None
    try:
        setup = hall.setup(server.url, server.port)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            kiosk = _post(client, "/api/v1/devices", setup.admin,
                          {"kind": "kiosk", "name": "bench printer", "branch_id": 1})  # fmt: skip
            status = f"/api/v1/kiosks/{kiosk['id']}/printer-status"
            r = client.patch(f"/api/v1/services/{setup.service_id}", json={"target_wait_min": 1},
                             headers={"Authorization": f"Bearer {setup.admin}"})  # fmt: skip
            r.raise_for_status()
            stream = Stream(server.port, setup.admin)
            for _ in range(samples):  # by an event
                _post(client, status, kiosk["token"], {"online": True, "paper": "out"})
                began = time.time()
                raised = stream.until("printer_fault", "alert.raised")
                if raised is None:
                    result.missed += 1
                else:
                    result.event_ms.append((raised - began) * 1000)
                _post(client, status, kiosk["token"], {"online": True, "paper": "ok"})
                stream.until("printer_fault", "alert.cleared")
            for _ in range(samples):  # by time
                ticket = _post(client, "/api/v1/tickets", setup.admin,
                               {"service_id": setup.service_id})  # fmt: skip
                crosses = datetime.now(UTC) + timedelta(seconds=LEAD_S)
                _move_queue_time(db_url, ticket["id"], crosses - timedelta(minutes=1))
                detail = f"moved {ticket['id']}"  # a report other than the last: an event
                _post(client, status, kiosk["token"], {"online": True, "paper": "ok",
                                                       "detail": detail})  # fmt: skip
                raised = stream.until("wait_over_target", "alert.raised")
                if raised is None:
                    result.missed += 1
                else:
                    result.time_ms.append((raised - crosses.timestamp()) * 1000)
                _post(client, f"/api/v1/counters/{setup.counter_id}/call-next", setup.admin,
                      {"complete_current": True})  # fmt: skip
                stream.until("wait_over_target", "alert.cleared")
    finally:
        if stream is not None:
            stream.close()
        server.stop()
    for line in result.lines():
        say(line)
    return result


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only alerts`: SQLite, then PostgreSQL when reachable."""
    samples = 8 if cfg.quick else 20
    say = print
    say("8. from a condition starting to alert.raised on the stream (idle hall)")
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    if cfg.pg:
        backends.append(("PostgreSQL", procs.postgres_database))
    for name, pg in backends:
        with (
            contextlib.nullcontext(f"sqlite:///{work / 'alerts.db'}") if pg is None else pg() as url
        ):
            procs.migrate(url, work)
            report.alerts.append(run(url, name, samples, work, say))
    say("   the evaluating process's own CPU with idle halls (bench/alerts_idle.py)")
    for name, _ in backends:
        alerts_idle.run(name, 50 if cfg.quick else 500, work, say)
