"""uvicorn's websocket protocol with one addition, already-encoded frames written at once, and
two savings of memory per socket: the handshake's headers dropped (`handle_connect`), and a
lighter receive queue (`__init__`).

Every display of a hall receives the same events. Through ASGI each event costs, per display, a
`websocket.send` message through Starlette and uvicorn, the frame's encoding and one write
system call: ~30 µs, and a call-next is three events, so 200 displays took ~18 ms. The frame of
an unmasked, uncompressed text message is the same bytes for every display, so the hub encodes
each event once (`server.stream.hub.Event.frame`) and this protocol offers the app, as an ASGI
extension, a plain function that writes a display's new frames with one write.

`write(frames)` writes only when a normal send could go straight out: the handshake is done,
no close was sent or received, the transport is not paused by flow control and no extension
(permessage-deflate) changes the frames. Otherwise it returns False and the app sends through
ASGI as usual, which waits for the transport. Frames are whole, so they never interleave with
the pings, pongs and close frames uvicorn writes itself.

`adopt(closed)` (the extension's second function) lets the app hand the socket over once its
first messages are sent: the connection stays open when the app's handler returns, the app
writes each commit's frames with the function it gets back (buffered while the client is slow,
closed 1013 past ADOPTED_BUFFER, so that the client resumes with `since`), what the client
sends is dropped, and `closed` is called when the connection ends. A display then costs this
object and the hub's subscriber, not a handler waiting inside the ASGI stack for hours.

Nothing else of uvicorn changes; `hallq serve` selects this class (`ws=`). Under another ASGI
server the extension is absent and the app sends every event through ASGI. The attributes read
here are uvicorn's private ones (`UVICORN_INTERNALS`): pyproject.toml allows only the uvicorn
versions this was run on (0.52.1, where `disconnected` appeared and flow control began to set
`writable`, to 0.55), and `tests/test_ws_frames.py` fails with a clear message when the
installed uvicorn is outside that range or lacks one of them, then runs them on a real uvicorn.
To allow a newer uvicorn: run that test on it, then raise the bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

from server.core.mailbox import Mailbox
from server.core.sender import BEHIND, TOO_SLOW, CloseSocket, WriteFrames

FRAMES = "hallq.websocket.frames"
"""The scope's extension key; its value is `{"write": Callable[[bytes], bool]}`."""

UVICORN_INTERNALS = (
    "handle_connect",  # overridden: the handshake's end, where the scope gets the extension
    "scope",
    "conn",  # the websockets sans-I/O ServerProtocol: .state, .extensions
    "close_sent",
    "disconnected",
    "writable",  # an asyncio.Event cleared while the transport is paused (flow control)
    "transport",
    "queue",  # replaced: its messages for the app's `receive`, put_nowait, get and empty only
    "run_asgi",  # overridden: the app's call, which closed the connection when it returned
    "send_receive_event_to_app",  # overridden: an adopted socket's client messages dropped
    "connection_lost",  # extended: an adopted socket's end told to the app
    "read_paused",
    "frames",
    "close_timer",
    "close_timeout",
    "loop",
    "logger",
    "handshake_complete",
    "send_500_response",
)
"""What this module uses of `WebSocketsSansIOProtocol` beyond ASGI (tests/test_ws_frames.py)."""


ADOPTED_BUFFER = 256 * 1024
"""Bytes an adopted socket may hold unsent (its client stopped reading) before it is closed as
too slow; the client then resumes with `since` and loses nothing."""


class _Discard:
    """The receive queue of an adopted socket: no app reads it any more."""

    def put_nowait(self, item: object) -> None:
        pass

    def empty(self) -> bool:
        return True


class FramesProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The messages for the app's `receive` (connect, then disconnect: displays send
        # nothing), read by one task: a Mailbox holds them in ~0.7 KB where an asyncio.Queue
        # takes ~3 KB, for each of a worker's hundreds of display sockets.
        self.queue = Mailbox(0)  # type: ignore[assignment]
        self.adopted: Callable[[], None] | None = None

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The scope and the response are made: the request's headers are no longer read, but
        # websockets' parser keeps the request for the life of the connection (~3 KB of every
        # display socket, measured by `python -m bench --only memory`).
        event.headers.clear()
        scope: Any = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:
            scope["extensions"][FRAMES] = {"write": self.write_frames, "adopt": self.adopt}

    def write_frames(self, frames: bytes) -> bool:
        """Write complete, unmasked frames now if a send would not have to wait."""
        if (
            self.conn.state is not State.OPEN  # accepted, and no close sent or received
            or self.close_sent
            or self.disconnected
            or self.conn.extensions
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frames)
        return True

    # ---- adoption: the protocol holds the socket after the app's handler returned ----------

    def adopt(self, closed: Callable[[], None]) -> tuple[WriteFrames, CloseSocket] | None:
        """Keep this connection open when the app returns, and return (write, close) for the
        app's events; `closed` is called once when the connection ends. A display's handler
        waited for the whole connection inside FastAPI's and Starlette's layers (~12 KB and two
        tasks a socket, and ~30 frames for every full collection to walk); adopted, a socket is
        this object and the hub's subscriber. None when the connection is not open for frames
        (closing, or with permessage-deflate): the app goes on the usual way."""
        if (
            self.conn.state is not State.OPEN
            or self.close_sent
            or self.disconnected
            or self.conn.extensions
            or self.transport.is_closing()
        ):
            return None
        self.adopted = closed
        self.queue = _Discard()  # type: ignore[assignment]
        # The app's scope (headers, route, state: ~2 KB) is read again only by `send`, for its
        # log lines, which an adopted socket never calls: keep what a log line would name.
        scope: Any = self.scope
        self.scope = {"type": "websocket", "client": self.client, "root_path": "",  # type: ignore[typeddict-item]
                      "path": scope.get("path", ""), "query_string": b""}  # fmt: skip
        if self.read_paused:  # a message the app never read: read on, for pongs and the close
            self.read_paused = False
            self.transport.resume_reading()
        return self.send_frames, self.close_now

    def send_frames(self, frames: bytes) -> bool:
        """An adopted socket's write: at once, buffered by the transport while its client is
        slow, up to ADOPTED_BUFFER; beyond it the socket is closed (False)."""
        if (
            self.conn.state is not State.OPEN
            or self.close_sent
            or self.disconnected
            or self.transport.is_closing()
        ):
            return False
        if self.transport.get_write_buffer_size() > ADOPTED_BUFFER:
            self.close_now(TOO_SLOW, BEHIND)
            return False
        self.transport.write(frames)
        return True

    def close_now(self, code: int, reason: str) -> None:
        """Send a close frame, as the app's `websocket.close` would, and wait for the answer."""
        if self.close_sent or self.disconnected or self.transport.is_closing():
            return
        self.conn.send_close(code, reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.close_timer = self.loop.call_later(self.close_timeout, self._give_up)

    def _give_up(self) -> None:
        """No answer to the close: end the connection, dropping what a client that stopped
        reading never took (a plain close would wait for it to drain, for ever)."""
        if self.transport.get_write_buffer_size():
            self.transport.abort()
        else:
            self.transport.close()

    async def run_asgi(self) -> None:
        """uvicorn's, but an adopted connection stays open when the app returns."""
        try:
            result = await self.app(self.scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except BaseException:
            self.logger.exception("Exception in ASGI application\n")
            self.send_500_response()
        else:
            if not self.handshake_complete:
                self.logger.error("ASGI callable returned without completing handshake.")
                self.send_500_response()
            elif result is not None:
                self.logger.error("ASGI callable should return None, but returned '%s'.", result)
        if self.adopted is not None and not self.disconnected:
            return
        if self.close_timer is None:
            self.transport.close()

    def send_receive_event_to_app(self) -> None:
        if self.adopted is not None:  # displays send nothing; nobody would read it
            self.frames = []
            return
        super().send_receive_event_to_app()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        closed, self.adopted = self.adopted, None
        if closed is not None:
            closed()
