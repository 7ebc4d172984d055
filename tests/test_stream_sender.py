"""The event-stream sender (server/stream/sender.py): events handed straight to an idle
socket, or queued behind a send that has to wait, all leave once and in seq order."""

from __future__ import annotations

import asyncio

from server.stream.hub import Subscriber
from server.stream.sender import Sender
from tests.support import until


class FakeSocket:
    """Sends complete at once, except while `blocked` is clear (a client that reads slowly)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.blocked = asyncio.Event()
        self.blocked.set()
        self.closed: tuple[int, str] | None = None

    async def send_text(self, text: str) -> None:
        await self.blocked.wait()
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


async def started(sent: int, maxsize: int) -> tuple[FakeSocket, Subscriber, Sender]:
    """A subscriber whose sender task runs and waits, idle, for its queue."""
    ws = FakeSocket()
    sub = Subscriber(1, maxsize)
    sender = Sender(ws, sub, sent)  # FakeSocket stands in for the WebSocket
    sub.direct = sender.direct
    asyncio.get_running_loop().create_task(sender.run())
    await until(lambda: sender.idle, "the sender to wait for its queue")
    return ws, sub, sender


def test_direct_and_queued_sends_keep_seq_order_and_skip_what_was_sent() -> None:
    async def scenario() -> FakeSocket:
        ws, sub, sender = await started(sent=2, maxsize=100)
        sub.offer((2, "e2"))  # already in the snapshot: skipped
        sub.offer((3, "e3"))  # straight out, before offer returns
        assert ws.sent == ["e3"]
        ws.blocked.clear()  # the client stops reading
        for seq in range(4, 9):
            sub.offer((seq, f"e{seq}"))  # e4 starts and waits, the rest queue behind it
        assert sender.inflight is not None and sub.queue.qsize() == 4
        assert ws.sent == ["e3"]
        ws.blocked.set()
        await until(lambda: len(ws.sent) == 6 and sender.idle, "the queue to drain")
        sub.offer((9, "e9"))  # idle again: straight out
        assert ws.sent[-1] == "e9"
        return ws

    ws = asyncio.run(scenario())
    assert ws.sent == [f"e{n}" for n in range(3, 10)]


def test_a_full_queue_still_ends_with_too_slow() -> None:
    async def scenario() -> tuple[int, str] | None:
        ws, sub, _ = await started(sent=0, maxsize=3)
        ws.blocked.clear()
        for seq in range(1, 10):
            sub.offer((seq, f"e{seq}"))
        ws.blocked.set()
        return await until(lambda: ws.closed, "the too-slow close")

    code, reason = asyncio.run(scenario())
    assert code == 1013 and "too slow" in reason
