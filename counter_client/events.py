"""`EventStream`: a branch's event stream that survives restarts and lost connections.

It reconnects with exponential backoff and jitter, resumes with `since=<last seq>` so the
server replays exactly what was missed (or sends a fresh snapshot), drops anything it already
yielded, and resynchronises on a gap. A refused token (close 4401/4403/4404) is raised as
`ApiError`, never retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from counter_client.errors import api_error
from server.protocol import Event

log = logging.getLogger("hallq.events")
REFUSED = range(4400, 4500)  # 4000 + the HTTP status of the refusal: do not retry


class EventStream:
    """`async for event in EventStream(url, branch_id, token)` yields `protocol.Event`s: first a
    snapshot (or the replay after `since`), then every event, each seq once, in order."""

    def __init__(
        self,
        base_url: str,
        branch_id: int,
        token: str,
        since: int | None = None,
        min_backoff: float = 0.5,
        max_backoff: float = 10.0,
        open_timeout: float = 10.0,
    ) -> None:
        scheme, rest = base_url.rstrip("/").split("://", 1)
        self.ws_base = ("wss" if scheme == "https" else "ws") + "://" + rest
        self.branch_id = branch_id
        self.token = token
        self.last_seq: int | None = since
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.open_timeout = open_timeout
        self.connected = False
        self.reconnects = 0  # connections after the first one: for monitoring and tests
        self._ws: ClientConnection | None = None
        self._attempt = 0
        self._closed = False
        self._closing = asyncio.Event()
        self._refusal: dict[str, Any] = {}

    # ---- public ----------------------------------------------------------------------------

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        while not self._closed:
            if self._ws is None:
                await self._connect()
                continue
            try:
                text = await self._ws.recv()
            except ConnectionClosed as exc:
                self._lost(exc)
                continue
            event = await self._accept(text)
            if event is not None:
                return event
        raise StopAsyncIteration

    async def close(self) -> None:
        """Stop: the `async for` ends (also when it is waiting to reconnect)."""
        self._closed = True
        self._closing.set()
        ws, self._ws = self._ws, None
        self.connected = False
        if ws is not None:
            await ws.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def url(self) -> str:
        query: dict[str, Any] = {"token": self.token}
        if self.last_seq is not None:
            query["since"] = self.last_seq
        return f"{self.ws_base}/api/v1/branches/{self.branch_id}/events?{urlencode(query)}"

    # ---- connection ------------------------------------------------------------------------

    def backoff(self) -> float:
        """Exponential in the failed attempts, capped, with "equal jitter" so that many clients
        restarting together do not reconnect in lockstep."""
        delay: float = min(self.max_backoff, self.min_backoff * 2 ** max(0, self._attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)

    async def _connect(self) -> None:
        if self._attempt:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.backoff())
            if self._closed:
                return
        self._attempt += 1
        try:
            ws = await connect(self.url(), open_timeout=self.open_timeout, max_size=None)
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            log.info("event stream: connecting failed (%s); attempt %d", exc, self._attempt)
            return
        if self._closed:
            await ws.close()
            return
        self._ws = ws

    def _lost(self, exc: ConnectionClosed) -> None:
        self._ws = None
        self.connected = False
        code = exc.rcvd.code if exc.rcvd is not None else None
        if self._closed:
            return
        if exc.rcvd is not None and exc.rcvd.code in REFUSED:
            code = exc.rcvd.code
            self._closed = True
            error = self._refusal or {"error": "refused", "detail": exc.rcvd.reason}
            raise api_error(code - 4000, str(error.get("error")), str(error.get("detail", "")))
        self.reconnects += 1
        log.info("event stream: connection lost (%s); resuming after seq %s", code, self.last_seq)

    async def _resync(self, why: str) -> None:
        """Drop this connection; the next one resumes after the last seq."""
        log.warning("event stream: %s; resynchronising after seq %s", why, self.last_seq)
        ws, self._ws = self._ws, None
        self.connected = False
        self._attempt = 0
        if ws is not None:
            await ws.close()

    # ---- messages --------------------------------------------------------------------------

    async def _accept(self, text: str | bytes) -> Event | None:
        message = json.loads(text)
        if "error" in message and "seq" not in message:
            self._refusal = message  # the close code that follows says how to take it
            return None
        event = Event.model_validate(message)
        self.connected = True
        self._attempt = 0
        last = self.last_seq
        if event.type == "snapshot":
            if last is not None and event.seq == last:
                return None  # nothing new since what was yielded
            if last is not None and event.seq < last:
                log.warning("event stream: history restarted at seq %d (had %d)", event.seq, last)
        elif last is not None and event.seq <= last:
            return None  # already yielded
        elif last is not None and event.seq > last + 1:
            await self._resync(f"gap between seq {last} and {event.seq}")
            return None
        self.last_seq = event.seq
        return event
