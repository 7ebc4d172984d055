"""The event-stream sender (server/stream/sender.py): a commit's events written straight to an
idle socket as one write of encoded frames, or queued and sent through ASGI when the socket must
wait, all leave once and in seq order."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from server.core.hub import Event, EventHub, Subscriber, channel_of
from server.core.sender import Sender
from tests.support import until

pytestmark = pytest.mark.unit


class FakeSocket:
    """ASGI sends complete at once, except while `blocked` is clear (a client that reads
    slowly); frame writes succeed while `writable` is true."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.writes: list[bytes] = []
        self.writable = True
        self.blocked = asyncio.Event()
        self.blocked.set()
        self.closed: tuple[int, str] | None = None

    async def send_text(self, text: str) -> None:
        await self.blocked.wait()
        self.sent.append(text)

    def write_frames(self, frames: bytes) -> bool:
        if not self.writable:
            return False
        self.writes.append(frames)
        self.sent += decode(frames)
        return True

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = (code, reason or "")


def decode(frames: bytes) -> list[str]:
    """The text messages in a run of unmasked frames, as a client reads them."""
    reader = StreamReader()
    reader.feed_data(frames)
    reader.feed_eof()
    texts: list[str] = []
    while reader.buffer:
        with pytest.raises(StopIteration) as parsed:
            next(Frame.parse(reader.read_exact, mask=False))
        frame: Frame = parsed.value.value
        assert frame.opcode is Opcode.TEXT and frame.fin
        texts.append(bytes(frame.data).decode())
    return texts


def ev(seq: int) -> Event:
    return Event.of(seq, f"e{seq}")


async def started(
    sent: int, maxsize: int, frames: bool = True, sub: Subscriber | None = None
) -> tuple[FakeSocket, Subscriber, Sender]:
    """A subscriber (new, or one of a hub's) whose sender task runs and waits, idle, for its
    queue."""
    ws = FakeSocket()
    sub = sub or Subscriber(1, maxsize)
    sender = Sender(ws, sub, sent, ws.write_frames if frames else None)
    sub.direct = sender.direct
    asyncio.get_running_loop().create_task(sender.run())
    await until(lambda: sender.idle, "the sender to wait for its queue")
    return ws, sub, sender


def test_a_commits_events_leave_as_one_write_of_frames_skipping_what_was_sent() -> None:
    async def scenario() -> FakeSocket:
        ws, sub, _ = await started(sent=2, maxsize=100)
        sub.offer([ev(2), ev(3), ev(4)])  # 2 was in the snapshot: skipped; 3 and 4 written now
        assert ws.writes == [ev(3).frame + ev(4).frame]
        sub.offer([ev(5)])
        assert len(ws.writes) == 2 and sub.queue.empty()
        return ws

    ws = asyncio.run(scenario())
    assert ws.sent == ["e3", "e4", "e5"]


def test_a_socket_that_must_wait_gets_its_events_through_the_queue_in_order() -> None:
    async def scenario() -> FakeSocket:
        ws, sub, sender = await started(sent=0, maxsize=100)
        sub.offer([ev(1)])  # written at once
        ws.writable, ws.blocked = False, asyncio.Event()  # the client stops reading
        sub.offer([ev(2), ev(3)])  # queued; the sender's send of e2 waits
        await until(lambda: not sender.idle, "the sender to take e2")
        ws.writable = True
        sub.offer([ev(4)])  # the sender is busy: queued behind, not written past e2 and e3
        assert ws.sent == ["e1"] and sub.queue.qsize() == 2
        ws.blocked.set()
        await until(lambda: len(ws.sent) == 4 and sender.idle, "the queue to drain")
        sub.offer([ev(5)])  # idle again: written at once
        assert ws.writes[-1] == ev(5).frame
        return ws

    ws = asyncio.run(scenario())
    assert ws.sent == [f"e{n}" for n in range(1, 6)]


def test_events_already_queued_are_never_overtaken_by_a_direct_write() -> None:
    """Between a queued event and the sender task waking for it, the sender still looks idle:
    later events must queue behind, not be written past it."""

    async def scenario() -> tuple[FakeSocket, list[bytes], int]:
        ws, sub, _ = await started(sent=0, maxsize=100)
        ws.writable = False
        sub.offer([ev(1)])
        sub.offer([ev(2)])  # no await between: the sender has not woken
        ws.writable = True
        sub.offer([ev(3)])
        writes, queued = list(ws.writes), sub.queue.qsize()
        await until(lambda: len(ws.sent) == 3, "the queue to drain")
        return ws, writes, queued

    ws, writes, queued = asyncio.run(scenario())
    assert writes == [] and queued == 3
    assert ws.sent == ["e1", "e2", "e3"]


def test_without_the_frames_extension_every_event_goes_through_asgi() -> None:
    async def scenario() -> FakeSocket:
        ws, sub, _ = await started(sent=0, maxsize=100, frames=False)
        sub.offer([ev(1), ev(2)])
        await until(lambda: len(ws.sent) == 2, "the events to be sent")
        return ws

    ws = asyncio.run(scenario())
    assert ws.sent == ["e1", "e2"] and ws.writes == []


def test_a_write_that_fails_closes_that_socket_only() -> None:
    """The client is told to reconnect with since (nothing is lost); the others go on."""

    async def scenario() -> tuple[FakeSocket, FakeSocket]:
        hub = EventHub(lambda branch, after, upto: [], queue_size=100)
        ws, _, sender = await started(sent=0, maxsize=100, sub=hub.subscribe(1))
        other, _, _ = await started(sent=0, maxsize=100, sub=hub.subscribe(1))

        def broken(frames: bytes) -> bool:
            raise ConnectionResetError("gone")

        sender.write = broken
        await hub.start(hub.subscribe(1), 0)
        for seq in (1, 2):  # through the hub's pass over its subscribers
            hub.on_message(channel_of(1), json.dumps([[seq, f"e{seq}"]]))
        await until(lambda: ws.closed, "the failed socket's close")
        return ws, other

    ws, other = asyncio.run(scenario())
    assert ws.sent == [] and ws.closed is not None and ws.closed[0] == 1013
    assert other.sent == ["e1", "e2"] and other.closed is None


def test_a_full_queue_still_ends_with_too_slow() -> None:
    async def scenario() -> tuple[int, str]:
        ws, sub, _ = await started(sent=0, maxsize=3)
        ws.writable, ws.blocked = False, asyncio.Event()
        for seq in range(1, 10):
            sub.offer([ev(seq)])
        ws.blocked.set()
        closed: tuple[int, str] = await until(lambda: ws.closed, "the too-slow close")
        return closed

    code, reason = asyncio.run(scenario())
    assert code == 1013 and "too slow" in reason


@pytest.mark.parametrize("frames", [True, False])
def test_a_gap_closes_the_socket_rather_than_skip_a_seq(frames: bool) -> None:
    """The hub never leaves a gap; if one ever came, the client must not silently miss the
    events: the socket is closed as too slow and the client resumes with `since`."""

    async def scenario() -> FakeSocket:
        ws, sub, _ = await started(sent=2, maxsize=100, frames=frames)
        sub.offer([ev(3)])
        sub.offer([ev(5), ev(6)])  # 4 is missing
        await until(lambda: ws.closed, "the socket to close")
        return ws

    ws = asyncio.run(scenario())
    assert ws.sent == ["e3"] and ws.closed is not None and ws.closed[0] == 1013


# ---- adopted: the protocol holds the socket, the sender has no task --------------------------


def adopted(
    queued: list[Event | None],
) -> tuple[Sender, Subscriber, FakeSocket, list[tuple[int, str]]]:
    sock, sub = FakeSocket(), Subscriber(1, 4)
    for event in queued:
        sub.queue.put_nowait(event)
    feed = Sender(sock, sub, 2, None)
    sub.direct = feed.direct
    closes: list[tuple[int, str]] = []
    feed.adopt(sock.write_frames, lambda code, reason: closes.append((code, reason)))
    return feed, sub, sock, closes


def test_an_adopted_sender_writes_what_queued_meanwhile_then_each_commit_at_once() -> None:
    feed, sub, sock, closes = adopted([Event.of(2, "two, sent already"), Event.of(3, "three")])
    assert sock.sent == ["three"] and sub.queue.empty()
    sub.offer([Event.of(4, "four"), Event.of(5, "five")])
    assert sock.sent == ["three", "four", "five"] and len(sock.writes) == 2
    sock.writable = False  # the socket is closing: nothing queued, nobody would read it
    sub.offer([Event.of(6, "six")])
    assert sub.queue.empty() and feed.sent == 5 and closes == []


def test_an_adopted_socket_is_closed_on_a_gap_a_drop_or_a_drop_before_it() -> None:
    _, sub, sock, closes = adopted([])
    sub.offer([Event.of(4, "four")])  # 3 is missing
    assert sock.sent == [] and closes == [(1013, "missed events: reconnect with since")]
    _, sub, _, closes = adopted([])
    sub.drop()  # too slow for the hub, or the bus resynchronised: no sender task to tell
    assert closes == [(1013, "too slow: reconnect with since")]
    _, _, sock, closes = adopted([Event.of(3, "three"), None])  # dropped while first sent
    assert sock.sent == [] and closes == [(1013, "too slow: reconnect with since")]
