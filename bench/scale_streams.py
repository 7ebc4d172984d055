"""What the scale-out bench's hall TVs saw, and the checks it must pass.

Displays are `bench.fanout.Subscriber`s (sans-I/O websockets on bare transports, chunks
stamped on arrival and parsed together later), here keeping every seq they receive and handing
each event to `Streams`, which reads each distinct frame once (a branch's displays on one
worker receive the same bytes).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bench.burst import Seen
from bench.fanout import CONNECT_PARALLEL, Parsing, Subscriber
from bench.scale_load import Call, Tally
from bench.scale_seed import HallSeed

CATCH_UP_S = 20.0
CACHE_MAX = 50_000
RELEASED = frozenset({"ticket.completed", "ticket.no_show", "ticket.transferred",
                      "ticket.parked", "ticket.cancelled"})  # fmt: skip


class Info(NamedTuple):
    """What the checks need of one event."""

    seq: int
    type: str
    ticket: int | None
    counter: int | None
    number: str | None
    day: str | None
    called_at: str | None


class Streams:
    """Everything the displays received: each branch's events by seq (from whichever display
    got it first), and per call (ticket, called_at) how many displays got it, first and last,
    and last per instance."""

    def __init__(self) -> None:
        self.cache: dict[bytes, Info] = {}
        self.events: dict[int, dict[int, Info]] = defaultdict(dict)
        self.arrivals: dict[tuple[int, str], list[float]] = {}

    def info(self, data: bytes) -> Info:
        found = self.cache.get(data)
        if found is None:
            if len(self.cache) >= CACHE_MAX:
                self.cache.clear()
            message = json.loads(data)
            body: dict[str, Any] = message.get("data") or {}
            kind = str(message["type"])
            ticket = body if kind.startswith("ticket.") else {}
            found = Info(int(message["seq"]), kind, ticket.get("id"), ticket.get("counter_id"),
                         ticket.get("number"), ticket.get("business_date"),
                         ticket.get("called_at"))  # fmt: skip
            self.cache[data] = found
        return found

    def add(self, branch: int, instance: int, info: Info, arrived: float) -> None:
        self.events[branch].setdefault(info.seq, info)
        if info.type == "ticket.called" and info.ticket is not None and info.called_at:
            key = (info.ticket, info.called_at)
            seen = self.arrivals.get(key)
            if seen is None:
                self.arrivals[key] = [1, arrived, arrived, 0.0, 0.0]
                seen = self.arrivals[key]
                seen[3 + instance] = arrived
                return
            seen[0] += 1
            seen[1] = min(seen[1], arrived)
            seen[2] = max(seen[2], arrived)
            seen[3 + instance] = max(seen[3 + instance], arrived)


class Display(Subscriber):
    """One hall TV: every seq it receives, from the snapshot's on."""

    def __init__(
        self, uri: str, deflate: bool, parsing: Parsing, streams: Streams, branch: int,
        instance: int,
    ) -> None:  # fmt: skip
        super().__init__(uri, deflate, parsing, lambda _seen, _at: None)
        self.streams, self.branch, self.instance = streams, branch, instance
        self.stream = Seen(since=None)
        self.dropped = False
        self.closing = False

    def on_snapshot(self, data: bytes) -> None:
        self.stream.start = int(json.loads(data)["seq"])

    def on_event(self, data: bytes, arrived: float) -> None:
        info = self.streams.info(data)
        self.stream.seqs.append(info.seq)
        self.streams.add(self.branch, self.instance, info, arrived)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.ready.done() and not self.closing:
            self.dropped = True
        super().connection_lost(exc)

    def close(self) -> None:
        self.closing = True
        super().close()


async def connect_displays(
    halls: list[HallSeed], per_hall: int, ports: list[int], streams: Streams, deflate: bool
) -> list[Display]:
    """`per_hall` displays per hall, the k-th of hall h on instance (h + k) mod instances."""
    loop = asyncio.get_running_loop()
    parsing = Parsing()
    gate = asyncio.Semaphore(CONNECT_PARALLEL)
    displays: list[Display] = []

    async def open_one(h: int, k: int) -> None:
        hall = halls[h]
        instance = (h + k) % len(ports)
        port = ports[instance]
        uri = f"ws://127.0.0.1:{port}/api/v1/branches/{hall.branch_id}/events?token={hall.display}"
        async with gate:
            _, display = await loop.create_connection(
                lambda: Display(uri, deflate, parsing, streams, hall.branch_id, instance),
                "127.0.0.1", port,
            )  # fmt: skip
            displays.append(display)
            await asyncio.wait_for(display.ready, 60)

    await asyncio.gather(*(open_one(h, k) for h in range(len(halls)) for k in range(per_hall)))
    return displays


async def catch_up(displays: list[Display], last: dict[int, int]) -> float:
    """Wait until every display has the last seq of its branch; the seconds it took."""
    started = time.perf_counter()
    deadline = started + CATCH_UP_S
    while time.perf_counter() < deadline:
        behind = [
            d for d in displays
            if not d.dropped and not (d.stream.seqs and d.stream.seqs[-1] >= last[d.branch])
            and (d.stream.start or 0) < last[d.branch]
        ]  # fmt: skip
        if not behind:
            break
        await asyncio.sleep(0.1)
    return time.perf_counter() - started


@dataclass
class Faults:
    gaps: int = 0  # seqs a display never received, summed over displays
    repeats: int = 0
    dropped: int = 0  # displays the server closed
    duplicates: int = 0  # a number given twice in a hall-day (issue answers, then streams)
    double_calls: int = 0  # a ticket called while already in a counter's hand
    unseen_calls: int = 0  # calls answered 200 whose ticket.called no display received


def faults(
    displays: list[Display], streams: Streams, last: dict[int, int], tallies: list[Tally]
) -> Faults:
    found = Faults()
    for d in displays:
        missing, repeated = d.stream.faults(last[d.branch])
        found.gaps += missing
        found.repeats += repeated
        found.dropped += d.dropped
    numbers = Counter((b, day, no) for t in tallies for b, day, no, _ in t.issued)
    found.duplicates = sum(n - 1 for n in numbers.values() if n > 1)
    for events in streams.events.values():
        given: dict[tuple[str | None, str | None], int] = {}
        in_hand: dict[int, int | None] = {}
        for seq in sorted(events):
            e = events[seq]
            if e.type == "ticket.issued" and e.ticket is not None:
                if given.setdefault((e.day, e.number), e.ticket) != e.ticket:
                    found.duplicates += 1
            elif e.type == "ticket.called" and e.ticket is not None:
                if e.ticket in in_hand or e.counter in in_hand.values():
                    found.double_calls += 1
                in_hand[e.ticket] = e.counter
            elif e.type in RELEASED and e.ticket is not None:
                in_hand.pop(e.ticket, None)
    found.unseen_calls = sum(
        1 for t in tallies for c in t.calls if (c.ticket, c.called_at) not in streams.arrivals
    )
    return found


@dataclass
class Delays:
    """Per call, ms: from sending it to its event at the last display, of all (`last`), of
    those on the instance that made the call (`same`), of those on the other one (`other`);
    from sending it to its answer (`answered`), and from its answer to the last display
    (`after`: the display path alone)."""

    last: list[float] = field(default_factory=list)
    same: list[float] = field(default_factory=list)
    other: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)


def call_delays(calls: list[Call], streams: Streams, instances: int) -> Delays:
    delays = Delays()
    for c in calls:
        seen = streams.arrivals.get((c.ticket, c.called_at))
        if seen is None:
            continue
        delays.last.append((seen[2] - c.sent) * 1000)
        delays.answered.append((c.answered - c.sent) * 1000)
        delays.after.append(max(0.0, seen[2] - c.answered) * 1000)
        if seen[3 + c.instance]:
            delays.same.append((seen[3 + c.instance] - c.sent) * 1000)
        if instances > 1 and seen[4 - c.instance]:
            delays.other.append((seen[4 - c.instance] - c.sent) * 1000)
    return delays
