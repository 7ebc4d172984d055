"""Load shapes: closed loop at fixed concurrency, open loop on a fixed timetable."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bench.rawhttp import Connection

MAX_OPEN_LOOP_CONNECTIONS = 256


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


async def closed_loop(
    port: int,
    raw: bytes | list[bytes],
    concurrency: int,
    duration_s: float,
    warmup_s: float,
    ok: int = 201,
) -> Result:
    """`concurrency` connections, each sending the next request as soon as the last answered.
    Only requests that both start and finish inside the measured window count. With a list of
    requests, connection i sends request i modulo its length."""
    raws = [raw] if isinstance(raw, bytes) else raw
    conns = [await Connection.open(port) for _ in range(concurrency)]
    result = Result()
    start = time.perf_counter() + warmup_s
    stop = start + duration_s

    async def worker(conn: Connection, raw: bytes) -> None:
        while True:
            sent = time.perf_counter()
            if sent >= stop:
                return
            status, _ = await conn.send(raw)
            done = time.perf_counter()
            if sent >= start and done <= stop:
                result.requests += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status != ok:
                    result.errors += 1
                result.latencies_ms.append((done - sent) * 1000)

    try:
        await asyncio.wait_for(
            asyncio.gather(*(worker(c, raws[i % len(raws)]) for i, c in enumerate(conns))),
            warmup_s + duration_s + 60,
        )
    finally:
        for conn in conns:
            conn.close()
    result.elapsed_s = duration_s
    return result


async def open_loop(port: int, raw: bytes, rate: float, duration_s: float, ok: int = 201) -> Result:
    """Send request i at t0 + i/rate whatever happened to earlier ones; latency counts from the
    scheduled time (so a stalled server or a late client shows up, no coordinated omission)."""
    total = int(rate * duration_s)
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    opened: list[Connection] = []
    for _ in range(16):
        conn = await Connection.open(port)
        opened.append(conn)
        idle.put_nowait(conn)
    result = Result()

    async def one(scheduled: float) -> None:
        if idle.empty() and len(opened) < MAX_OPEN_LOOP_CONNECTIONS:
            conn = await Connection.open(port)
            opened.append(conn)
        else:
            conn = await idle.get()
        status, _ = await conn.send(raw)
        done = time.perf_counter()
        idle.put_nowait(conn)
        result.requests += 1
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status != ok:
            result.errors += 1
        result.latencies_ms.append((done - scheduled) * 1000)

    t0 = time.perf_counter() + 0.2
    tasks = []
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), 60)
    finally:
        for conn in opened:
            conn.close()
    result.elapsed_s = duration_s
    return result
