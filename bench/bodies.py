"""Large request bodies against a real `hallq serve` (SQLite): the server's memory before,
during and after 100 MB bodies to /api/v1/auth/login, one with a Content-Length, one chunked,
then five at once (API.md, "Limits and privacy": refused before they are read).

    python -m bench --only bodies
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procs
from bench.procs import say

MIB = 1024 * 1024
BODY_MB = 100
PATH = "/api/v1/auth/login"


@dataclass
class Sent:
    status: str
    sent_mb: float
    seconds: float


@dataclass
class BodiesResult:
    rss_idle_mb: float = 0.0
    runs: list[tuple[str, list[Sent], float, float]] = field(default_factory=list)
    # (what, per request, peak RSS during, RSS after)


async def send_body(port: int, size: int, chunked: bool) -> Sent:
    """Send `size` bytes as fast as the server takes them; stop when it answers or closes."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    writer.write(
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{length}\r\n\r\n".encode()
    )
    chunk = b" " * MIB
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n" if chunked else chunk
    answer = asyncio.ensure_future(reader.readline())
    sent = 0
    try:
        while sent < size and not answer.done():
            writer.write(framed)
            await writer.drain()
            sent += len(chunk)
        if chunked and not answer.done():
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except ConnectionError:
        pass
    try:
        status_line = await asyncio.wait_for(answer, 120)
    except (TimeoutError, ConnectionError):
        status_line = b""
    writer.close()
    status = status_line.decode(errors="replace").split(" ", 2)[1] if status_line else "closed"
    return Sent(status, sent / MIB, time.monotonic() - started)


async def measure(pid: int, port: int, count: int, chunked: bool) -> tuple[list[Sent], float]:
    """`count` bodies at once, sampling the server's RSS every 10 ms; returns the peak."""
    peak = procs.rss_mb(pid)
    sends = asyncio.gather(*(send_body(port, BODY_MB * MIB, chunked) for _ in range(count)))
    while not sends.done():
        peak = max(peak, procs.rss_mb(pid))
        await asyncio.sleep(0.01)
    return list(await sends), peak


def scenario(cfg: Any, report: Any, work: Path) -> BodiesResult:
    say(f"9. {BODY_MB} MB request bodies to {PATH}: server RSS (SQLite)")
    result = BodiesResult()
    url = f"sqlite:///{work / 'bodies.db'}"
    procs.migrate(url, work)
    server = procs.hallq_server(url, work, "bodies").start()
    try:
        time.sleep(0.5)
        result.rss_idle_mb = procs.rss_mb(server.pid)
        say(f"  idle RSS {result.rss_idle_mb:.0f} MB")
        for what, count, chunked in (
            ("1 × Content-Length", 1, False),
            ("1 × chunked", 1, True),
            ("5 × Content-Length at once", 5, False),
            ("5 × chunked at once", 5, True),
        ):
            sent, peak = asyncio.run(measure(server.pid, server.port, count, chunked))
            time.sleep(0.5)
            after = procs.rss_mb(server.pid)
            result.runs.append((what, sent, peak, after))
            answers = ", ".join(
                f"{s.status} after {s.sent_mb:.0f} MB/{s.seconds:.2f} s" for s in sent
            )
            say(f"  {what:<28} peak RSS {peak:5.0f} MB, after {after:5.0f} MB; {answers}")
    finally:
        server.stop()
    report.bodies = result  # docs/benchmarks.md, section 9
    return result
