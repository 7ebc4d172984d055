"""The bus publisher (server/stream/publisher.py): events committed in the writer thread reach
the bus in commit order, several commits' worth per message, and a failing bus loses only
what the subscribers will read back from the database."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from server.core.bus.base import Handler, ResyncHandler
from server.core.hub import channel_of
from server.core.publisher import BusPublisher
from tests.support import until

pytestmark = pytest.mark.unit


class RecordingBus:
    shared = True

    def __init__(self, fail_first: int = 0) -> None:
        self.messages: list[tuple[str, list[tuple[int, str]]]] = []
        self.fail_first = fail_first
        self.publishing = 0  # publishes begun
        self.open = asyncio.Event()  # cleared: a publish hangs (a bus that stopped answering)
        self.open.set()

    async def connect(self, handler: Handler, on_resync: ResyncHandler) -> None:
        pass

    async def disconnect(self) -> None:
        pass

    async def publish(self, channel: str, message: str) -> None:
        self.publishing += 1
        await asyncio.sleep(0)  # a real bus yields: later wake-ups must still queue behind
        await self.open.wait()
        if self.fail_first:
            self.fail_first -= 1
            raise ConnectionError("bus down")
        self.messages.append((channel, json.loads(message)))

    async def healthy(self) -> bool:
        return True


def seqs(bus: RecordingBus, branch_id: int) -> list[int]:
    return [seq for ch, events in bus.messages if ch == channel_of(branch_id) for seq, _ in events]


async def publish_from_a_thread(bus: RecordingBus, commits: int) -> None:
    publisher = BusPublisher(bus, asyncio.get_running_loop())

    def writer() -> None:  # what the group committer does after each commit
        for n in range(1, commits + 1):
            publisher.publish(1, [(2 * n - 1, f"a{n}"), (2 * n, f"b{n}")])
            publisher.publish(2, [(n, f"c{n}")])

    thread = threading.Thread(target=writer)
    thread.start()
    await asyncio.to_thread(thread.join)
    # the last commit's events go out last
    await until(lambda: seqs(bus, 2)[-1:] == [commits], "the last commit's events")


def test_events_reach_the_bus_in_commit_order_several_commits_per_message() -> None:
    bus = RecordingBus()
    asyncio.run(publish_from_a_thread(bus, 300))
    assert seqs(bus, 1) == list(range(1, 601))
    assert seqs(bus, 2) == list(range(1, 301))
    assert len(bus.messages) < 600  # one message per branch per wake-up, not per commit


def test_a_failed_publish_is_logged_and_later_events_still_go_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = RecordingBus(fail_first=1)
    asyncio.run(publish_from_a_thread(bus, 50))
    assert "publishing events failed: bus down" in caplog.text
    # Only the first message was lost (the subscribers fill it from the database): each branch's
    # seqs are one unbroken rising run to its last commit, and the other branch lost nothing.
    one, two = seqs(bus, 1), seqs(bus, 2)
    for got, last in ((one, 100), (two, 50)):
        assert got == list(range(last - len(got) + 1, last + 1))
    assert (len(one) == 100) != (len(two) == 50)


def test_a_cancelled_sender_does_not_silence_later_events() -> None:
    """At shutdown the sender task may be cancelled mid-publish; publishing afterwards (a
    restarted loop in tests, a late commit) must still wake a sender."""

    async def scenario() -> RecordingBus:
        bus = RecordingBus()
        bus.open.clear()
        publisher = BusPublisher(bus, asyncio.get_running_loop())
        publisher.publish(1, [(1, "a")])
        await until(lambda: bus.publishing, "the sender inside bus.publish")
        sender = publisher._sender
        assert sender is not None
        sender.cancel()  # shutdown, mid-publish: event 1 is lost (the database has it)
        await until(sender.done, "the cancelled sender to end")
        bus.open.set()
        publisher.publish(1, [(2, "b")])
        await until(lambda: seqs(bus, 1)[-1:] == [2], "the later event")
        return bus

    assert seqs(asyncio.run(scenario()), 1)[-1:] == [2]


def test_local_subscribers_get_events_at_once_while_the_bus_hangs() -> None:
    """Issue 13, item 5: the bus is only for the other processes. A publish that hangs (Redis
    gone, waiting for its timeout) holds up none of this process's own events."""

    async def scenario() -> tuple[list[tuple[int, list[int]]], RecordingBus]:
        bus = RecordingBus()
        bus.open.clear()
        local: list[tuple[int, list[int]]] = []
        publisher = BusPublisher(
            bus,
            asyncio.get_running_loop(),
            local=lambda b, evs: local.append((b, [s for s, _ in evs])),
        )
        publisher.publish(1, [(1, "a")])
        await until(lambda: bus.publishing, "the sender inside bus.publish")
        publisher.publish(1, [(2, "b")])
        publisher.publish(2, [(1, "c")])
        await until(lambda: len(local) == 3, "the later events, delivered locally")
        bus.open.set()
        await until(lambda: seqs(bus, 2) == [1], "the bus to get them too")
        return local, bus

    local, bus = asyncio.run(scenario())
    assert local == [(1, [1]), (1, [2]), (2, [1])]
    assert seqs(bus, 1) == [1, 2]


def test_a_bus_nobody_else_listens_to_is_not_published_to() -> None:
    async def scenario() -> tuple[list[int], RecordingBus]:
        bus = RecordingBus()
        bus.shared = False  # memory://: the local delivery reached every subscriber
        local: list[int] = []
        publisher = BusPublisher(
            bus, asyncio.get_running_loop(), local=lambda b, evs: local.extend(s for s, _ in evs)
        )
        publisher.publish(1, [(1, "a"), (2, "b")])
        await until(lambda: local == [1, 2], "the local delivery")
        await asyncio.sleep(0.01)
        return local, bus

    _, bus = asyncio.run(scenario())
    assert bus.publishing == 0
