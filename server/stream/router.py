"""Queue view and the event-stream websocket."""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from server import protocol as p
from server.auth import service as auth
from server.auth.deps import CtxDep, IdPath
from server.auth.router import ERR
from server.core.errors import DomainError
from server.core.http_errors import STATUS
from server.core.sender import Sender
from server.stream.service import initial_messages, queue
from server.stream.ws_frames import FRAMES

router = APIRouter(prefix="/api/v1", tags=["queue and events"])


@router.get("/branches/{branch_id}/queue", response_model=p.QueueView, responses=ERR)
def queue_view(branch_id: IdPath, ctx: CtxDep) -> dict[str, object]:
    return queue(ctx, branch_id)


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
    device_id = principal.device_id
    if device_id is not None:  # an open stream is the device's heartbeat
        app.seen.stream_opened(device_id)
    sub = app.hub.subscribe(branch_id)
    try:
        try:
            messages, last = await asyncio.to_thread(initial_messages, ctx, branch_id, since)
        except DomainError as exc:
            await _refuse(ws, exc)
            return
        missed = await app.hub.start(sub, last)  # what the feed gave out before `sub` joined
        if missed:
            messages += [text for _, text in missed]
            last = missed[-1][0]
        for text in messages:
            await ws.send_text(text)
        frames = ws.scope.get("extensions", {}).get(FRAMES)  # `hallq serve`'s uvicorn
        feed = Sender(ws, sub, last, frames["write"] if frames else None)
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
        app.hub.unsubscribe(sub)
        if device_id is not None:
            app.seen.stream_closed(device_id, app.clock())


async def _refuse(ws: WebSocket, exc: DomainError) -> None:
    """Tell the client why in API.md's error body, then close (4401, 4403, 4404…)."""
    with contextlib.suppress(Exception):
        await ws.send_text(json.dumps({"error": exc.code, "detail": exc.detail}))
        if ws.client_state is WebSocketState.CONNECTED:
            await ws.close(4000 + STATUS.get(exc.code, 409), exc.code)
