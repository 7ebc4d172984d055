"""Sending one subscriber's events over its websocket, in seq order."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any, Protocol

from server.stream.hub import Subscriber

TOO_SLOW = 1013  # "try again later": the client fell behind; reconnect with since


class Socket(Protocol):
    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class Sender:
    """Sends one subscriber's events in seq order.

    When the socket's sender is idle (nothing queued, nothing in flight), the hub hands an
    event straight to `direct`, which runs the send at once: a send that need not wait (the
    socket is writable) completes there, so one commit reaches N displays in one pass of the
    hub, with no queue and no task switch per display (that hop was ~20 % of the fan-out).
    A send that must wait (the client reads slowly) finishes in a task of its own, and later
    events queue behind it."""

    def __init__(self, ws: Socket, sub: Subscriber, sent: int) -> None:
        self.ws = ws
        self.sub = sub
        self.sent = sent
        self.idle = False
        self.inflight: asyncio.Future[None] | None = None

    def direct(self, item: tuple[int, str]) -> bool:
        if not self.idle or self.inflight is not None or not self.sub.queue.empty():
            return False
        seq, text = item
        if seq <= self.sent:
            return True
        self.sent = seq
        send = self.ws.send_text(text)
        try:
            waiting_for = send.send(None)
        except StopIteration:
            return True
        except Exception:  # the socket is gone: the receiving side notices and ends the stream
            self.sub.dropped = True
            return True
        self.inflight = asyncio.ensure_future(_finish(send, waiting_for))
        self.inflight.add_done_callback(_retrieve)
        return True

    async def run(self) -> None:
        while True:
            self.idle = True
            try:
                item = await self.sub.queue.get()
            finally:
                self.idle = False
            if self.inflight is not None:
                await self.inflight
                self.inflight = None
            if item is None:
                await self.ws.close(TOO_SLOW, "too slow: reconnect with since")
                return
            seq, text = item
            if seq > self.sent:
                await self.ws.send_text(text)
                self.sent = seq


class _Resume:
    """Awaitable that finishes a coroutine already run up to its first suspension."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_for: Any) -> None:
        self.coroutine = coroutine
        self.waiting_for = waiting_for

    def __await__(self) -> Generator[Any, Any, None]:
        waiting_for = self.waiting_for
        while True:
            try:
                value = yield waiting_for
            except BaseException as exc:  # cancelled: let the coroutine see it
                try:
                    waiting_for = self.coroutine.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waiting_for = self.coroutine.send(value)
                except StopIteration:
                    return


async def _finish(coroutine: Coroutine[Any, Any, None], waiting_for: Any) -> None:
    await _Resume(coroutine, waiting_for)


def _retrieve(task: asyncio.Future[None]) -> None:
    if not task.cancelled():
        task.exception()  # seen by `run` if it awaits it; never "never retrieved"
