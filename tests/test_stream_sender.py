"""The event-stream sender (server/api/routes_stream.py): events handed straight to an idle
socket, or queued behind a send that has to wait, all leave once and in seq order."""

from __future__ import annotations

import asyncio
from typing import Any

from server.api.routes_stream import _Sender
from server.stream.hub import Subscriber


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


def test_direct_and_queued_sends_keep_seq_order_and_skip_what_was_sent() -> None:
    async def scenario() -> FakeSocket:
        ws = FakeSocket()
        sub = Subscriber(1, maxsize=100)
        sender = _Sender(ws, sub, sent=2)  # type: ignore[arg-type]
        sub.direct = sender.direct
        task = asyncio.create_task(sender.run())
        await asyncio.sleep(0)  # the sender waits for its queue: idle
        sub.offer((2, "e2"))  # already in the snapshot: skipped
        sub.offer((3, "e3"))  # straight out
        assert ws.sent == ["e3"]
        ws.blocked.clear()  # the client stops reading
        for seq in range(4, 9):
            sub.offer((seq, f"e{seq}"))  # e4 starts and waits, the rest queue behind it
        await asyncio.sleep(0.01)
        assert ws.sent == ["e3"]
        ws.blocked.set()
        for _ in range(100):
            if len(ws.sent) == 6:
                break
            await asyncio.sleep(0.01)
        sub.offer((9, "e9"))
        await asyncio.sleep(0.01)
        task.cancel()
        return ws

    ws = asyncio.run(scenario())
    assert ws.sent == [f"e{n}" for n in range(3, 10)]


def test_a_full_queue_still_ends_with_too_slow() -> None:
    async def scenario() -> Any:
        ws = FakeSocket()
        sub = Subscriber(1, maxsize=3)
        sender = _Sender(ws, sub, sent=0)  # type: ignore[arg-type]
        sub.direct = sender.direct
        task = asyncio.create_task(sender.run())
        await asyncio.sleep(0)
        ws.blocked.clear()
        for seq in range(1, 10):
            sub.offer((seq, f"e{seq}"))
        ws.blocked.set()
        await asyncio.wait_for(task, 5)
        return ws.closed

    code, reason = asyncio.run(scenario())
    assert code == 1013 and "too slow" in reason
