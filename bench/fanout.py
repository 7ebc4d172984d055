"""Call-next → the `ticket.called` event at the last of N websocket subscribers; server RSS."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect

from bench.hall import Hall
from bench.load import percentile
from bench.procs import rss_mb
from bench.rawhttp import Connection, request_bytes

CONNECT_PARALLEL = 50
CALL_TIMEOUT_S = 10.0
CALLED = '"type":"ticket.called"'


@dataclass
class FanoutResult:
    subscribers: int
    calls: int = 0
    last_ms: list[float] = field(default_factory=list)  # send of call-next → last subscriber
    first_ms: list[float] = field(default_factory=list)  # → first subscriber
    http_ms: list[float] = field(default_factory=list)  # call-next response time
    connect_s: float = 0.0
    rss_idle_mb: float = 0.0
    rss_connected_mb: float = 0.0
    rss_after_mb: float = 0.0
    timeouts: int = 0

    def p(self, which: list[float], q: float) -> float:
        return percentile(which, q)


async def run(
    hall: Hall, server_pid: int, subscribers: int, calls: int, deflate: bool = True
) -> FanoutResult:
    result = FanoutResult(subscribers)
    result.rss_idle_mb = rss_mb(server_pid)
    conn = await Connection.open(hall.port)
    issue = request_bytes(
        "POST",
        "/api/v1/tickets",
        {"service_id": hall.service_id},
        {"Authorization": f"Bearer {hall.kiosk}"},
    )
    for _ in range(calls + 5):  # a queue to call from
        status, body = await conn.send(issue)
        if status != 201:
            raise RuntimeError(f"issue failed: {status} {body[:300]!r}")

    first = [float("inf")] * calls
    last = [0.0] * calls
    counts = [0] * calls
    arrived = [asyncio.Event() for _ in range(calls)]
    sockets: list[ClientConnection] = []
    gate = asyncio.Semaphore(CONNECT_PARALLEL)

    async def open_one(i: int) -> None:
        token = hall.displays[i % len(hall.displays)]
        uri = f"ws://127.0.0.1:{hall.port}/api/v1/branches/1/events?token={token}"
        async with gate:
            ws = await connect(
                uri,
                open_timeout=60,
                ping_interval=None,
                max_size=2**24,
                compression="deflate" if deflate else None,
            )
            snapshot = await asyncio.wait_for(ws.recv(), 60)
            if '"type":"snapshot"' not in snapshot:
                raise RuntimeError(f"expected a snapshot, got {str(snapshot)[:200]}")
        sockets.append(ws)

    async def reader(ws: ClientConnection) -> None:
        seen = 0
        async for message in ws:
            if seen < calls and CALLED in message:  # type: ignore[operator]
                now = time.perf_counter()
                first[seen] = min(first[seen], now)
                last[seen] = max(last[seen], now)
                counts[seen] += 1
                if counts[seen] == subscribers:
                    arrived[seen].set()
                seen += 1

    t = time.perf_counter()
    await asyncio.gather(*(open_one(i) for i in range(subscribers)))
    result.connect_s = time.perf_counter() - t
    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    conn.close()  # idle longer than uvicorn's keep-alive (5 s) while the subscribers connected
    conn = await Connection.open(hall.port)
    await asyncio.sleep(1.0)  # let the server settle after the connection burst
    result.rss_connected_mb = rss_mb(server_pid)
    call = request_bytes(
        "POST",
        f"/api/v1/counters/{hall.counter_id}/call-next",
        {"complete_current": True},
        {"Authorization": f"Bearer {hall.admin}"},
    )
    try:
        for k in range(calls):
            sent = time.perf_counter()
            status, body = await conn.send(call)
            result.http_ms.append((time.perf_counter() - sent) * 1000)
            if status != 200:
                raise RuntimeError(f"call-next failed: {status} {body[:300]!r}")
            try:
                await asyncio.wait_for(arrived[k].wait(), CALL_TIMEOUT_S)
            except TimeoutError:
                result.timeouts += 1
                continue
            result.calls += 1
            result.first_ms.append((first[k] - sent) * 1000)
            result.last_ms.append((last[k] - sent) * 1000)
            await asyncio.sleep(0.05)
        result.rss_after_mb = rss_mb(server_pid)
    finally:
        conn.close()
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return result
