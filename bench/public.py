"""The hall's public information, `GET /api/v1/public/branches/{id}`, against a real `hallq
serve` on SQLite: an open endpoint must not be a lever for load. Measured while a hall of
8 services has 200 tickets waiting:

- the public page's answer (from memory, rebuilt at most every 2 s) at 16 connections,
  closed loop, with its p50/p99;
- the same load on the staff's queue view (`GET /branches/{id}/queue`, read every time), for
  what the public answer would cost without its cache;
- issuing (kiosk) alone, then issuing with the public endpoint hammered beside it: how much
  a flood of public reads takes from the hall's own work, without a per-address limit and with
  the default one (HALLQ_PUBLIC_INFO_PER_MIN=120: the flood's requests past it are 429).

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import hall, load, procs
from bench.rawhttp import request_bytes

SERVICES = 8
WAITING = 200
CONNECTIONS = 16


@dataclass
class PublicResult:
    rows: dict[str, load.Result] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            f"  {name:<34} {r.rate:8.0f} req/s  p50 {r.p(50):6.1f} ms  p99 {r.p(99):6.1f} ms"
            f"  errors {r.errors}"
            for name, r in self.rows.items()
        ]


def _fill(url: str, setup: hall.Hall) -> None:
    auth = {"Authorization": f"Bearer {setup.admin}"}
    with httpx.Client(base_url=url, timeout=30) as client:
        ids = [setup.service_id]
        for i in range(1, SERVICES):
            body = {
                "branch_id": 1,
                "code": f"s{i}",
                "prefix": chr(ord("B") + i - 1),
                "name": {"zh-CN": f"业务{i}", "en": f"Service {i}"},
                "max_service_min": 20,
            }
            r = client.post("/api/v1/services", headers=auth, json=body)
            r.raise_for_status()
            ids.append(int(r.json()["id"]))
        for n in range(WAITING):
            r = client.post("/api/v1/tickets", headers=auth, json={"service_id": ids[n % len(ids)]})
            r.raise_for_status()


def _server(work: Path, name: str, per_min: int) -> procs.Proc:
    """A fresh hall: 8 services, 200 tickets waiting; `per_min` requests a minute per address
    for the public information (0: no limit)."""
    os.environ["HALLQ_PUBLIC_INFO_PER_MIN"] = str(per_min)
    try:
        server = procs.hallq_server(f"sqlite:///{work / name}.db", work, name).start()
    finally:
        del os.environ["HALLQ_PUBLIC_INFO_PER_MIN"]
    return server


def run(work: Path, window_s: float, warmup_s: float, say: Any) -> PublicResult:
    result = PublicResult()
    public = request_bytes("GET", "/api/v1/public/branches/1")

    def closed(port: int, raw: bytes, ok: int, connections: int = CONNECTIONS) -> load.Result:
        return asyncio.run(load.closed_loop(port, raw, connections, window_s, warmup_s, ok=ok))

    async def both(port: int, issue: bytes) -> tuple[load.Result, load.Result]:
        return await asyncio.gather(
            load.closed_loop(port, issue, 4, window_s, warmup_s, ok=201),
            load.closed_loop(port, public, CONNECTIONS, window_s, warmup_s, ok=200),
        )

    server = _server(work, "public-unlimited", 0)
    try:
        setup = hall.setup(server.url, server.port)
        _fill(server.url, setup)
        queue = request_bytes("GET", "/api/v1/branches/1/queue",
                              headers={"Authorization": f"Bearer {setup.admin}"})  # fmt: skip
        issue = request_bytes("POST", "/api/v1/tickets", {"service_id": setup.service_id},
                              {"Authorization": f"Bearer {setup.kiosk}"})  # fmt: skip
        result.rows["public (cached), 16 conns"] = closed(server.port, public, 200)
        result.rows["queue view (uncached), 16 conns"] = closed(server.port, queue, 200)
        result.rows["issuing alone, 4 conns"] = closed(server.port, issue, 201, 4)
        issued, flooded = asyncio.run(both(server.port, issue))
        result.rows["issuing beside an unlimited flood"] = issued
        result.rows["  the flood (all 200)"] = flooded
    finally:
        server.stop()
    server = _server(work, "public-limited", 120)
    try:
        setup = hall.setup(server.url, server.port)
        _fill(server.url, setup)
        issue = request_bytes("POST", "/api/v1/tickets", {"service_id": setup.service_id},
                              {"Authorization": f"Bearer {setup.kiosk}"})  # fmt: skip
        issued, flooded = asyncio.run(both(server.port, issue))
        result.rows["issuing beside a one-address flood"] = issued
        result.rows["  the flood (429 past 120/min)"] = flooded
    finally:
        server.stop()
    for line in result.lines():
        say(line)
    return result


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only public`: SQLite."""
    print("public hall information: cached answers under load (SQLite)")
    report.public = run(work, cfg.window_s, cfg.warmup_s, print)
