"""Sending one subscriber's events over its websocket, in seq order."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from server.core.hub import Event, Subscriber

log = logging.getLogger(__name__)
TOO_SLOW = 1013  # "try again later": the client fell behind; reconnect with since
WriteFrames = Callable[[bytes], bool]
"""Writes encoded frames at once and returns True, or returns False if a send would have to
wait (`server.stream.ws_frames`)."""


class Socket(Protocol):
    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class Sender:
    """Sends one subscriber's events in seq order.

    When the server can write encoded frames (`write`) and this socket's sender is idle
    (nothing queued, no send in progress), the hub hands the events of a commit straight to
    `direct`, which writes their frames with one write: one commit reaches N displays in one
    pass of the hub, with no task switch, ASGI message or encoding per display. Everything else
    (no `write`, a socket that must wait for its client) goes through the queue and `run`,
    which sends through ASGI and waits as long as it takes; later events queue behind it."""

    def __init__(self, ws: Socket, sub: Subscriber, sent: int, write: WriteFrames | None) -> None:
        self.ws = ws
        self.sub = sub
        self.sent = sent
        self.write = write
        self.idle = False

    def direct(self, events: list[Event]) -> bool:
        if self.write is None or not self.idle or not self.sub.queue.empty():
            return False
        fresh = [event for event in events if event.seq > self.sent]
        if not fresh:
            return True
        if fresh[0].seq != self.sent + 1:
            return False  # a gap: `run` closes the socket
        try:
            if not self.write(b"".join(event.frame for event in fresh)):
                return False
        except Exception:
            log.exception("writing events to a websocket failed; closing it")
            self.sub.drop()  # closed as too slow: the client reconnects with since
            return True
        self.sent = fresh[-1].seq
        return True

    async def run(self) -> None:
        while True:
            self.idle = True
            try:
                event = await self.sub.queue.get()
            finally:
                self.idle = False
            if event is None:
                await self.ws.close(TOO_SLOW, "too slow: reconnect with since")
                return
            if event.seq > self.sent + 1:  # never expected: the client resumes with since
                log.error("event gap after seq %d (next %d): closing", self.sent, event.seq)
                await self.ws.close(TOO_SLOW, "missed events: reconnect with since")
                return
            if event.seq > self.sent:
                await self.ws.send_text(event.text)
                self.sent = event.seq
