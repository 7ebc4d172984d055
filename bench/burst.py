"""Subscribers connecting all at once while tickets are issued: does any skip or repeat a seq?

Issue 13, item 1: ten displays reconnecting together to a process that had no subscriber for
their branch, half resuming with `since` thousands of seqs back and half taking a snapshot,
while three clients issue tickets; 3 of 100 subscribers lost 1–3 events for good. A round here
is that moment: every subscriber's seqs, from where its first message put it (the snapshot's
seq, or `since`) to the last seq issued, are checked for holes and repeats. Between rounds
every subscriber disconnects, so each round meets a branch with no subscriber again.

Shared by `python -m bench --only burst` and tests/test_stream_burst.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

SPREAD_S = 0.1  # "at the same moment": displays reconnecting after a restart, within 100 ms
CATCH_UP_S = 20.0  # after the last issue, for every subscriber to reach the last seq


@dataclass
class Seen:
    """What one subscriber received."""

    since: int | None
    start: int | None = None  # the seq its first message brought it to
    seqs: list[int] = field(default_factory=list)

    def faults(self, last: int) -> tuple[int, int]:
        """(seqs missing, seqs received more than once or out of order) up to `last`."""
        if self.start is None:
            return last, 0
        expected = set(range(self.start + 1, last + 1))
        got = [s for s in self.seqs if s <= last]
        repeats = sum(1 for a, b in itertools.pairwise(got) if b <= a)
        return len(expected - set(got)), repeats


@dataclass
class BurstResult:
    back: tuple[int, int] = (0, 0)  # how far back `since` went, in seqs
    subscribers: int = 0
    replaying: int = 0  # of them, those that resumed with `since`
    rounds: int = 0
    issued: int = 0
    lost: list[int] = field(default_factory=list)  # per subscriber: seqs it never received
    repeated: list[int] = field(default_factory=list)

    @property
    def losing(self) -> int:
        return sum(1 for n in self.lost if n)

    @property
    def repeating(self) -> int:
        return sum(1 for n in self.repeated if n)


async def _issue(
    client: httpx.AsyncClient, kiosk: str, service_id: int, stop: asyncio.Event
) -> int:
    issued = 0
    headers = {"Authorization": f"Bearer {kiosk}"}
    while not stop.is_set():
        r = await client.post("/api/v1/tickets", json={"service_id": service_id}, headers=headers)
        if r.status_code != 201:
            raise RuntimeError(f"issuing failed: {r.status_code} {r.text[:300]}")
        issued += 1
    return issued


async def _follow(ws: ClientConnection, seen: Seen) -> None:
    async for text in ws:
        message: dict[str, Any] = json.loads(text)
        if "seq" not in message:
            raise RuntimeError(f"refused: {message}")
        if seen.start is None:
            seen.start = message["seq"] if message["type"] == "snapshot" else seen.since
            if message["type"] == "snapshot":
                continue
        seen.seqs.append(int(message["seq"]))


async def last_seq(client: httpx.AsyncClient, token: str) -> int:
    r = await client.get("/api/v1/branches/1/queue", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return int(r.json()["seq"])


async def fill_history(
    url: str, kiosk: str, service_id: int, events: int, clients: int = 4
) -> None:
    """Issue `events` tickets (one event each) for the subscribers to replay."""
    headers = {"Authorization": f"Bearer {kiosk}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def some(n: int) -> None:
            for _ in range(n):
                body = {"service_id": service_id}
                r = await client.post("/api/v1/tickets", json=body, headers=headers)
                r.raise_for_status()

        await asyncio.gather(*(some(events // clients) for _ in range(clients)))


async def round_(
    url: str,
    kiosk: str,
    display: str,
    service_id: int,
    subscribers: int,
    issuers: int,
    back: tuple[int, int],
    issue_s: float,
    result: BurstResult,
) -> None:
    """One moment: `subscribers` connect together while `issuers` issue for `issue_s`."""
    ws_url = url.replace("http://", "ws://") + f"/api/v1/branches/1/events?token={display}"
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        base = await last_seq(client, display)
        stop = asyncio.Event()
        issuing = [
            asyncio.create_task(_issue(client, kiosk, service_id, stop)) for _ in range(issuers)
        ]
        await asyncio.sleep(0.2)  # tickets are being issued when the subscribers arrive
        seens = [
            Seen(max(0, base - random.randint(*back)) if i % 2 else None)
            for i in range(subscribers)
        ]

        async def open_one(seen: Seen) -> ClientConnection:
            query = "" if seen.since is None else f"&since={seen.since}"
            await asyncio.sleep(random.uniform(0, SPREAD_S))
            return await connect(ws_url + query, max_size=None, open_timeout=30)

        sockets = await asyncio.gather(*(open_one(seen) for seen in seens))
        following = [
            asyncio.create_task(_follow(ws, seen)) for ws, seen in zip(sockets, seens, strict=True)
        ]
        try:
            await asyncio.sleep(issue_s)
            stop.set()
            result.issued += sum(await asyncio.gather(*issuing))
            last = await last_seq(client, display)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + CATCH_UP_S
            while loop.time() < deadline and not all(s.seqs and s.seqs[-1] >= last for s in seens):
                if any(task.done() for task in following):
                    break  # a closed or refused stream: counted below as what it missed
                await asyncio.sleep(0.05)
        finally:
            for task in following:
                task.cancel()
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            await asyncio.gather(*following, return_exceptions=True)
    result.replaying += sum(1 for seen in seens if seen.since is not None)
    for seen in seens:
        lost, repeated = seen.faults(last)
        result.lost.append(lost)
        result.repeated.append(repeated)
    result.subscribers += subscribers
    result.rounds += 1


async def run(
    url: str,
    kiosk: str,
    display: str,
    service_id: int,
    *,
    rounds: int = 5,
    subscribers: int = 20,
    issuers: int = 3,
    history: int = 6000,
    issue_s: float = 2.0,
) -> BurstResult:
    """`history` events first; then `rounds` bursts, each subscriber resuming with `since`
    (every other one) going back between a third of `history` and all of it: by default
    2,000–6,000 seqs, as in the issue's set-up."""
    await fill_history(url, kiosk, service_id, history)
    back = (history // 3, history)
    result = BurstResult(back=back)
    for _ in range(rounds):
        await round_(url, kiosk, display, service_id, subscribers, issuers, back, issue_s, result)
        await asyncio.sleep(0.3)  # every socket is closed: the branch has no subscriber again
    return result
