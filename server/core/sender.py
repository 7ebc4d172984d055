"""Sending one subscriber's events over its websocket, in seq order."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from server.core.hub import Event, Subscriber

log = logging.getLogger(__name__)
TOO_SLOW = 1013  # "try again later": the client fell behind; reconnect with since
BEHIND = "too slow: reconnect with since"
GAP = "missed events: reconnect with since"
WriteFrames = Callable[[bytes], bool]
"""Writes encoded frames at once and returns True, or returns False if a send would have to
wait (`server.stream.ws_frames`)."""
CloseSocket = Callable[[int, str], None]
"""Sends a close frame now (code, reason), for a socket its protocol holds."""


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
        self.ws: Socket | None = ws
        self.sub = sub
        self.sent = sent
        self.write = write
        self.idle = False
        self._close: CloseSocket | None = None

    def adopt(self, write: WriteFrames, close: CloseSocket) -> None:
        """From now on the protocol holds the socket and this sender has no task (the app's
        handler has returned): every event is written at once by `direct`, which never queues,
        and whatever cannot be written (a gap, a client too far behind) closes the socket, so
        that the client resumes with `since`. Events queued while the first messages were sent
        are written now, before any newer one can come (no await in between)."""
        self.write, self.idle, self._close = write, True, close
        self.ws = None  # the app's socket object, and the ASGI layers its send and receive hold
        queued = []
        while not self.sub.queue.empty():
            event = self.sub.queue.get_nowait()
            if event is None:
                close(TOO_SLOW, BEHIND)
                return
            queued.append(event)
        self.sub.closer = lambda: close(TOO_SLOW, BEHIND)
        if queued:
            self.direct(queued)

    def direct(self, events: list[Event]) -> bool:
        """Write `events` now and return True; or return False to have them queued for `run`.
        Adopted, it never returns False: nobody reads the queue, so what cannot be written
        closes the socket (a gap), or is dropped with a socket that is closing anyway."""
        adopted = self._close
        if adopted is None and (self.write is None or not self.idle or not self.sub.queue.empty()):
            return False
        fresh = [event for event in events if event.seq > self.sent]
        if not fresh:
            return True
        if fresh[0].seq != self.sent + 1:
            if adopted is None:
                return False  # a gap: `run` closes the socket
            log.error("event gap after seq %d (next %d): closing", self.sent, fresh[0].seq)
            adopted(TOO_SLOW, GAP)
            return True
        assert self.write is not None
        try:
            written = self.write(b"".join(event.frame for event in fresh))
        except Exception:
            log.exception("writing events to a websocket failed; closing it")
            self.sub.drop()  # closed as too slow: the client reconnects with since
            return True
        if written:
            self.sent = fresh[-1].seq
        return written or adopted is not None

    async def run(self) -> None:
        ws = self.ws
        assert ws is not None, "an adopted sender has no task"
        while True:
            self.idle = True
            try:
                event = await self.sub.queue.get()
            finally:
                self.idle = False
            if event is None:
                await ws.close(TOO_SLOW, BEHIND)
                return
            if event.seq > self.sent + 1:  # never expected: the client resumes with since
                log.error("event gap after seq %d (next %d): closing", self.sent, event.seq)
                await ws.close(TOO_SLOW, GAP)
                return
            if event.seq > self.sent:
                await ws.send_text(event.text)
                self.sent = event.seq
