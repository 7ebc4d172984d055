"""Queue view and the event-stream websocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Coroutine, Generator
from typing import Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from server import protocol as p
from server.api.deps import CtxDep, IdPath
from server.api.errors import STATUS
from server.api.routes_auth import ERR
from server.domain.errors import DomainError
from server.services import auth
from server.services.stream import initial_messages, queue
from server.stream.hub import Subscriber

router = APIRouter(prefix="/api/v1", tags=["queue and events"])
TOO_SLOW = 1013  # "try again later": the client fell behind; reconnect with since


@router.get("/branches/{branch_id}/queue", response_model=p.QueueView, responses=ERR)
def queue_view(branch_id: IdPath, ctx: CtxDep) -> dict[str, object]:
    return queue(ctx, branch_id)


class _Sender:
    """Sends one subscriber's events in seq order.

    When the socket's sender is idle (nothing queued, nothing in flight), the hub hands an
    event straight to `direct`, which runs the send at once: a send that need not wait (the
    socket is writable) completes there, so one commit reaches N displays in one pass of the
    hub, with no queue and no task switch per display (that hop was ~20 % of the fan-out).
    A send that must wait (the client reads slowly) finishes in a task of its own, and later
    events queue behind it."""

    def __init__(self, ws: WebSocket, sub: Subscriber, sent: int) -> None:
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


async def _drain_client(ws: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await ws.receive_text()  # clients send nothing; reading notices the close


@router.websocket("/branches/{branch_id}/events")
async def events(
    ws: WebSocket,
    branch_id: IdPath,
    token: str = Query(""),
    since: int | None = Query(None, ge=0),
) -> None:
    """Snapshot (or the missed events after `since`), then every event in seq order."""
    app = ws.app.state.hallq
    await ws.accept()
    try:
        principal = await asyncio.to_thread(auth.authenticate, app.ctx(), token)
        ctx = app.ctx(principal)
        ctx.principal.require_branch(branch_id)
    except DomainError as exc:
        await _refuse(ws, exc)
        return
    sub = app.hub.subscribe(branch_id)
    try:
        try:
            messages, last = await asyncio.to_thread(initial_messages, ctx, branch_id, since)
        except DomainError as exc:
            await _refuse(ws, exc)
            return
        app.hub.started(branch_id, last)
        for text in messages:
            await ws.send_text(text)
        feed = _Sender(ws, sub, last)
        sub.direct = feed.direct
        sender = asyncio.create_task(feed.run())
        receiver = asyncio.create_task(_drain_client(ws))
        done, pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for task in done:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                task.result()
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        sub.direct = None
        app.hub.unsubscribe(sub)


async def _refuse(ws: WebSocket, exc: DomainError) -> None:
    """Tell the client why in API.md's error body, then close (4401, 4403, 4404…)."""
    with contextlib.suppress(Exception):
        await ws.send_text(json.dumps({"error": exc.code, "detail": exc.detail}))
        if ws.client_state is WebSocketState.CONNECTED:
            await ws.close(4000 + STATUS.get(exc.code, 409), exc.code)
