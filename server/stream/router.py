"""Queue view and the event-stream websocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from server import protocol as p
from server.auth import service as auth
from server.auth.deps import CtxDep, IdPath
from server.auth.router import ERR
from server.core.context import Ctx
from server.core.errors import DomainError
from server.core.http_errors import STATUS
from server.core.hub import EventHub, Subscriber, cancel_quietly
from server.core.sender import Sender
from server.stream.service import initial_messages, queue
from server.stream.ws_frames import FRAMES

router = APIRouter(prefix="/api/v1", tags=["queue and events"])
log = logging.getLogger(__name__)
INTERNAL_ERROR = 1011


@router.get("/branches/{branch_id}/queue", response_model=p.QueueView, responses=ERR)
def queue_view(branch_id: IdPath, ctx: CtxDep) -> dict[str, object]:
    return queue(ctx, branch_id)


async def _drain_client(ws: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await ws.receive_text()  # clients send nothing; reading notices the close


async def _send_until_closed(ws: WebSocket, feed: Sender) -> None:
    """`feed.run()`, which closes the socket when it stops (too slow, a gap); closed as well
    if it fails, so that the display reconnects rather than waits for events that never come."""
    try:
        await feed.run()
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the client is gone, or the socket already closed: reading notices
    except Exception:
        log.exception("sending events to a websocket failed; closing it")
        with contextlib.suppress(Exception):
            await ws.close(INTERNAL_ERROR, "server error: reconnect with since")


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
    device_id = principal.device_id
    if device_id is not None:  # an open stream is the device's heartbeat
        app.seen.stream_opened(device_id)
    sub = app.hub.subscribe(branch_id)

    def closed() -> None:
        app.hub.unsubscribe(sub)
        if device_id is not None:
            app.seen.stream_closed(device_id, app.clock())

    adopted = False
    try:
        try:
            last = await _send_first(ws, app.hub, sub, ctx, since)
        except DomainError as exc:
            await _refuse(ws, exc)
            return
        frames = ws.scope.get("extensions", {}).get(FRAMES)  # `hallq serve`'s uvicorn
        feed = Sender(ws, sub, last, frames["write"] if frames else None)
        sub.direct = feed.direct
        if frames is not None and "adopt" in frames:
            # The protocol holds the socket from here and this handler returns: no task, no
            # ASGI layers kept per display (server/stream/ws_frames.py `adopt`).
            held = frames["adopt"](closed)
            if held is not None:
                adopted = True
                feed.adopt(*held)
                return
        # The sender in a task of its own, the client read in this one: when the client goes,
        # the sender is cancelled; when the sender stops, it has closed the socket, and the
        # client's answer (or uvicorn's close timeout) ends the reading. A third task, reading,
        # cost ~3 KB of each display socket.
        sender = asyncio.create_task(_send_until_closed(ws, feed))
        try:
            await _drain_client(ws)
        finally:
            await cancel_quietly(sender)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if not adopted:
            closed()


async def _send_first(
    ws: WebSocket, hub: EventHub, sub: Subscriber, ctx: Ctx, since: int | None
) -> int:
    """Send the snapshot (or the missed events), then what the feed gave out before `sub`
    joined; returns the seq they bring the client to. A function of its own so that the
    texts, a few KB per display, are not kept for the life of the socket."""
    messages, last = await asyncio.to_thread(initial_messages, ctx, sub.branch_id, since)
    missed = await hub.start(sub, last)
    if missed:
        messages += [text for _, text in missed]
        last = missed[-1][0]
    for text in messages:
        await ws.send_text(text)
    return last


async def _refuse(ws: WebSocket, exc: DomainError) -> None:
    """Tell the client why in API.md's error body, then close (4401, 4403, 4404…)."""
    with contextlib.suppress(Exception):
        await ws.send_text(json.dumps({"error": exc.code, "detail": exc.detail}))
        if ws.client_state is WebSocketState.CONNECTED:
            await ws.close(4000 + STATUS.get(exc.code, 409), exc.code)
