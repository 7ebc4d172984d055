"""uvicorn's websocket protocol with one addition: already-encoded frames written at once.

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

Nothing else of uvicorn changes; `hallq serve` selects this class (`ws=`). Under another ASGI
server the extension is absent and the app sends every event through ASGI. The attributes read
here are uvicorn's private ones (`UVICORN_INTERNALS`): pyproject.toml allows only the uvicorn
versions this was run on (0.52.1, where `disconnected` appeared and flow control began to set
`writable`, to 0.55), and `tests/test_ws_frames.py` fails with a clear message when the
installed uvicorn is outside that range or lacks one of them, then runs them on a real uvicorn.
To allow a newer uvicorn: run that test on it, then raise the bound.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

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
)
"""What this module uses of `WebSocketsSansIOProtocol` beyond ASGI (tests/test_ws_frames.py)."""


class FramesProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:
            scope["extensions"][FRAMES] = {"write": self.write_frames}

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
