"""Call-next → the `ticket.called` event at the last of N websocket subscribers; server RSS.

The N subscribers live in this one process, while real displays each have a CPU of their own.
So that the figure is the server's fan-out and not this process working through N messages
one after another, each subscriber is websockets' sans-I/O protocol on a bare asyncio
transport, and a chunk's arrival time is all that is taken as it comes in: the chunks are
parsed together a little later (`Parsing`), and each event is timed by the chunk that
completed it. (The asyncio client of websockets cost ~60–100 µs per message here, and parsing
each frame as it came ~20 µs: at 1,000 subscribers either was most of the measured time.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from bench.hall import Hall
from bench.load import percentile
from bench.procs import rss_mb
from bench.rawhttp import Connection, request_bytes

CONNECT_PARALLEL = 50
PARSE_DELAY_S = 0.05  # after the first unparsed chunk; pongs wait this long, which is harmless
CALL_TIMEOUT_S = 10.0
CALLED = b'"type":"ticket.called"'
SNAPSHOT = b'"type":"snapshot"'


class Parsing:
    """Chunks received by all subscribers, parsed together after `PARSE_DELAY_S`."""

    def __init__(self) -> None:
        self.chunks: list[tuple[Subscriber, float, bytes]] = []
        self.loop = asyncio.get_running_loop()

    def add(self, sub: Subscriber, data: bytes) -> None:
        if not self.chunks:
            self.loop.call_later(PARSE_DELAY_S, self.parse)
        self.chunks.append((sub, time.perf_counter(), data))

    def parse(self) -> None:
        chunks, self.chunks = self.chunks, []
        for sub, arrived, data in chunks:
            try:
                sub.parse(data, arrived)
            except Exception as exc:  # that socket fails; the others' chunks are still parsed
                sub.fail(exc)


class Subscriber(asyncio.Protocol):
    """One display's websocket: answers pings, hands each `ticket.called` frame's arrival
    time to `on_called`."""

    def __init__(
        self, uri: str, deflate: bool, parsing: Parsing, on_called: Callable[[int, float], None]
    ) -> None:
        extensions = [ClientPerMessageDeflateFactory()] if deflate else None
        self.ws = ClientProtocol(parse_uri(uri), max_size=2**24, extensions=extensions)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.parsing = parsing
        self.on_called = on_called
        self.seen = 0
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport instances

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.parsing.add(self, data)

    def parse(self, data: bytes, arrived: float) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response) and event.status_code != 101:
                self.fail(RuntimeError(f"websocket refused: {event.status_code}"))
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                if not self.ready.done():
                    if SNAPSHOT not in event.data:
                        self.fail(RuntimeError(f"expected a snapshot: {event.data[:200]!r}"))
                    else:
                        self.on_snapshot(bytes(event.data))
                        self.ready.set_result(None)
                else:
                    self.on_event(bytes(event.data), arrived)
        self._flush()  # pongs, close frames

    def on_snapshot(self, data: bytes) -> None:
        """The first message (bench/scale.py reads the seq it starts from)."""

    def on_event(self, data: bytes, arrived: float) -> None:
        """Every later message, with the arrival time of the chunk that completed it."""
        if CALLED in data:
            self.on_called(self.seen, arrived)
            self.seen += 1

    def _flush(self) -> None:
        if self.transport is not None:
            for chunk in self.ws.data_to_send():
                if chunk:
                    self.transport.write(chunk)

    def fail(self, exc: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(ConnectionError(f"websocket closed before its snapshot: {exc}"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


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
    sockets: list[Subscriber] = []
    gate = asyncio.Semaphore(CONNECT_PARALLEL)
    loop = asyncio.get_running_loop()
    parsing = Parsing()

    def on_called(seen: int, now: float) -> None:
        if seen < calls:
            first[seen] = min(first[seen], now)
            last[seen] = max(last[seen], now)
            counts[seen] += 1
            if counts[seen] == subscribers:
                arrived[seen].set()

    async def open_one(i: int) -> None:
        token = hall.displays[i % len(hall.displays)]
        uri = f"ws://127.0.0.1:{hall.port}/api/v1/branches/1/events?token={token}"
        async with gate:
            _, sub = await loop.create_connection(
                lambda: Subscriber(uri, deflate, parsing, on_called), "127.0.0.1", hall.port
            )
            sockets.append(sub)
            await asyncio.wait_for(sub.ready, 60)

    t = time.perf_counter()
    await asyncio.gather(*(open_one(i) for i in range(subscribers)))
    result.connect_s = time.perf_counter() - t
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
        for sub in sockets:
            sub.close()
    return result
