"""The scale-out bench's clerks and kiosks on raw HTTP (`bench.rawhttp`): each desk and kiosk
sends to the instance its hall and desk are given.

Each counter is a clerk's desk going round: call-next; start (or a no-show); complete (or a
transfer to the hall's other service). A desk's steps go one after another, whatever the
timetable says; a step that comes due while the last one is still on its way waits for it,
and its latency counts from the time it was due.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bench.load import percentile
from bench.rawhttp import Connection, request_bytes
from bench.scale_seed import HallSeed

NO_SHOW = 0.05  # of calls
TRANSFER = 0.05  # of customers served
ISSUE_SHARE = 0.25  # of all operations: about one ticket per desk round of three steps
IDLE_S = 4.0  # uvicorn closes a keep-alive connection idle for 5 s
MAX_CONNECTIONS = 128  # per instance


class Pool:
    """Keep-alive connections to one instance, used in turn (spread over its workers)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: deque[tuple[Connection, float]] = deque()
        self.gate = asyncio.Semaphore(MAX_CONNECTIONS)

    async def warm(self, n: int) -> None:
        for _ in range(n):
            self.idle.append((await Connection.open(self.port), time.perf_counter()))

    async def send(self, raw: bytes) -> tuple[int, bytes, float]:
        """(status, body, the time the request was sent)."""
        async with self.gate:
            conn = await self._take()
            sent = time.perf_counter()
            try:
                status, body = await conn.send(raw)
            except Exception:
                conn.close()
                raise
            self.idle.append((conn, time.perf_counter()))
            return status, body, sent

    async def _take(self) -> Connection:
        now = time.perf_counter()
        while self.idle:
            conn, used = self.idle.popleft()
            if now - used < IDLE_S:
                return conn
            conn.close()
        return await Connection.open(self.port)

    def close(self) -> None:
        while self.idle:
            self.idle.popleft()[0].close()


@dataclass
class Desk:
    id: int
    hall: HallSeed
    instance: int
    state: str = "idle"  # idle | called | serving
    service: int = 0  # of the ticket in hand
    recover: bool = False  # after a refused step: call-next with complete_current
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Call(NamedTuple):
    ticket: int
    called_at: str
    sent: float
    instance: int
    answered: float  # when its answer arrived (time.perf_counter, like `sent`)


@dataclass
class Tally:
    """One phase's operations."""

    ops: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latency_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    calls: list[Call] = field(default_factory=list)
    issued: list[tuple[int, str, str, int]] = field(default_factory=list)  # branch, day, no, id
    empty_calls: int = 0
    elapsed_s: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.ops.values())

    @property
    def rate(self) -> float:
        return self.total / self.elapsed_s if self.elapsed_s else 0.0

    def p(self, q: float) -> float:
        return percentile([x for xs in self.latency_ms.values() for x in xs], q)


class Load:
    """The clerks and kiosks of every hall, on `ports` (one per instance)."""

    def __init__(self, halls: list[HallSeed], ports: list[int], admin: str, seed: int) -> None:
        self.halls = halls
        self.pools = [Pool(port) for port in ports]
        self.admin = {"Authorization": f"Bearer {admin}"}
        self.rng = random.Random(seed)
        self.desks = [
            Desk(cid, hall, (h + j) % len(ports))
            for h, hall in enumerate(halls)
            for j, cid in enumerate(hall.counter_ids)
        ]

    async def warm(self, per_instance: int) -> None:
        for pool in self.pools:
            await pool.warm(per_instance)

    def close(self) -> None:
        for pool in self.pools:
            pool.close()

    async def issue(self, h: int, tally: Tally, due: float | None = None) -> None:
        hall = self.halls[h]
        service = hall.service_ids[self.rng.randrange(len(hall.service_ids))]
        raw = request_bytes("POST", "/api/v1/tickets", {"service_id": service},
                            {"Authorization": f"Bearer {hall.kiosk}"})  # fmt: skip
        status, answer, sent = await self.pools[h % len(self.pools)].send(raw)
        done = time.perf_counter()
        if status != 201:
            tally.errors[f"issue {status}"] += 1
            return
        ticket = json.loads(answer)
        tally.issued.append((hall.branch_id, ticket["business_date"], ticket["number"],
                             ticket["id"]))  # fmt: skip
        tally.ops["issue"] += 1
        tally.latency_ms["issue"].append((done - (due or sent)) * 1000)

    async def step(self, desk: Desk, tally: Tally, due: float | None = None) -> None:
        """The desk's next action."""
        async with desk.lock:
            body: dict[str, Any] = {}
            if desk.state == "idle":
                op, path = "call", "call-next"
                body = {"complete_current": True} if desk.recover else {}
            elif desk.state == "called":
                op = path = "no-show" if self.rng.random() < NO_SHOW else "start"
            elif self.rng.random() < TRANSFER:
                op = path = "transfer"
                other = [s for s in desk.hall.service_ids if s != desk.service]
                body = {"service_id": (other or desk.hall.service_ids)[0], "position": "back"}
            else:
                op = path = "complete"
            raw = request_bytes("POST", f"/api/v1/counters/{desk.id}/{path}", body, self.admin)
            status, answer, sent = await self.pools[desk.instance].send(raw)
            done = time.perf_counter()
            if status != 200:
                tally.errors[f"{op} {status}"] += 1
                desk.state, desk.recover = "idle", True
                return
            desk.recover = False
            tally.ops[op] += 1
            tally.latency_ms[op].append((done - (due or sent)) * 1000)
            if op == "call":
                ticket = json.loads(answer)["ticket"]
                if ticket is None:
                    tally.empty_calls += 1
                    return
                desk.state, desk.service = "called", int(ticket["service_id"])
                tally.calls.append(Call(int(ticket["id"]), ticket["called_at"], sent,
                                        desk.instance, done))  # fmt: skip
            elif op == "start":
                desk.state = "serving"
            else:
                desk.state = "idle"

    def timetable(self, rate: float, seconds: float) -> list[tuple[float, int]]:
        """(due, who) over `seconds` at `rate` operations/s: who ≥ 0 is a desk taking its next
        step, every desk at a fixed period from a random phase; who < 0 is hall −who − 1's
        kiosk issuing, likewise."""
        entries: list[tuple[float, int]] = []
        groups = ((len(self.desks), rate * (1 - ISSUE_SHARE), 0),
                  (len(self.halls), rate * ISSUE_SHARE, 1))  # fmt: skip
        for count, group_rate, kiosks in groups:
            period = count / group_rate
            for i in range(count):
                due = self.rng.uniform(0, period)
                while due < seconds:
                    entries.append((due, -1 - i if kiosks else i))
                    due += period
        return sorted(entries)

    async def open_loop(self, rate: float, seconds: float) -> Tally:
        """Every operation of the timetable sent when due, whatever became of the others."""
        tally = Tally()
        entries = self.timetable(rate, seconds)
        start = time.perf_counter() + 0.1
        tasks = []
        for at, who in entries:
            due = start + at
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if who < 0:
                tasks.append(asyncio.create_task(self.issue(-1 - who, tally, due)))
            else:
                tasks.append(asyncio.create_task(self.step(self.desks[who], tally, due)))
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        tally.elapsed_s = max(seconds, time.perf_counter() - start)
        return tally

    async def fill(self, per_hall: int, clients: int) -> Tally:
        """`per_hall` tickets in every hall's queue, issued by `clients` kiosks in a closed
        loop."""
        tally = Tally()
        todo = deque(h for _ in range(per_hall) for h in range(len(self.halls)))
        start = time.perf_counter()

        async def client() -> None:
            while todo:
                await self.issue(todo.popleft(), tally)

        await asyncio.wait_for(asyncio.gather(*(client() for _ in range(clients))), 300)
        tally.elapsed_s = time.perf_counter() - start
        return tally

    async def closed_loop(self, clients: int, seconds: float) -> Tally:
        """`clients` clerks and kiosks sending their next operation as soon as the last one was
        answered, the desks taken in turn: what the instances can do."""
        tally = Tally()
        ring = deque(self.rng.sample(self.desks, len(self.desks)))  # the clients in many halls
        start = time.perf_counter()
        stop = start + seconds

        async def client() -> None:
            while time.perf_counter() < stop:
                if self.rng.random() < ISSUE_SHARE:
                    await self.issue(self.rng.randrange(len(self.halls)), tally)
                    continue
                desk = ring.popleft()
                try:
                    await self.step(desk, tally)
                finally:
                    ring.append(desk)

        await asyncio.wait_for(asyncio.gather(*(client() for _ in range(clients))), seconds + 60)
        tally.elapsed_s = time.perf_counter() - start
        return tally
