"""`hallq serve`'s websocket protocol (server/stream/ws_frames.py) on a real uvicorn: encoded
frames are written only when a send through ASGI would go straight out as the same bytes, and
otherwise the app is told to send the usual way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from websockets.sync.client import connect

from server.core.hub import Event
from server.stream.ws_frames import FRAMES, FramesProtocol
from tests.support import free_port, wait_until


class App:
    """Accepts; writes two events as frames if it may (else sends them through ASGI); tries a
    write while the transport is paused by flow control; sends a third event through ASGI,
    closes, then tries one more frame write."""

    def __init__(self) -> None:
        self.written: list[bool] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        await receive()
        await send({"type": "websocket.accept"})
        write = scope["extensions"][FRAMES]["write"]
        events = [Event.of(1, "一 one"), Event.of(2, "two")]
        ok = write(b"".join(e.frame for e in events))
        if not ok:
            for event in events:
                await send({"type": "websocket.send", "text": event.text})
        protocol = write.__self__  # as if the client had stopped reading
        protocol.pause_writing()
        paused = write(Event.of(3, "paused").frame)
        protocol.resume_writing()
        await send({"type": "websocket.send", "text": "three"})
        await send({"type": "websocket.close", "code": 1000})
        self.written += [ok, paused, write(Event.of(4, "late").frame)]


@contextmanager
def serving(app: App, deflate: bool) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=FramesProtocol, lifespan="off",
        ws_per_message_deflate=deflate, log_level="warning",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, 10, "uvicorn to start")
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "permessage-deflate"])
def test_frames_are_written_only_when_they_are_what_asgi_would_send(deflate: bool) -> None:
    app = App()
    with (
        serving(app, deflate) as url,
        connect(url, compression="deflate" if deflate else None) as ws,
    ):
        received = [ws.recv(timeout=5) for _ in range(3)]
    assert received == ["一 one", "two", "three"]
    # with compression negotiated the frames would be wrong: the app is told to send through ASGI
    wait_until(lambda: len(app.written) == 3, 5, "the app to finish")
    assert app.written == [not deflate, False, False]  # never while paused, nor after the close
