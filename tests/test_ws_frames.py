"""`hallq serve`'s websocket protocol (server/stream/ws_frames.py) on a real uvicorn: encoded
frames are written only when a send through ASGI would go straight out as the same bytes, and
otherwise the app is told to send the usual way; and the uvicorn installed is one it was run on,
with every private attribute it reads."""

from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import inspect
import textwrap
import threading
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import Any

import pytest
import uvicorn
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.sync.client import connect

from server.core.hub import Event
from server.core.mailbox import Mailbox
from server.stream.ws_frames import FRAMES, UVICORN_INTERNALS, FramesProtocol
from tests.support import ROOT, free_port, wait_until

pytestmark = pytest.mark.integration


class App:
    """Accepts; writes two events as frames if it may (else sends them through ASGI); tries a
    write while the transport is paused by flow control; sends a third event through ASGI,
    closes, then tries one more frame write."""

    def __init__(self) -> None:
        self.written: list[bool] = []
        self.headers: tuple[int, int] = (0, 0)  # in the scope, left in the handshake request
        self.receive_queue: type = object

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
        self.headers = (len(scope["headers"]), len(list(protocol.request.headers.raw_items())))
        self.receive_queue = type(protocol.queue)
        protocol.pause_writing()
        paused = write(Event.of(3, "paused").frame)
        protocol.resume_writing()
        await send({"type": "websocket.send", "text": "three"})
        await send({"type": "websocket.close", "code": 1000})
        self.written += [ok, paused, write(Event.of(4, "late").frame)]


@contextmanager
def serving(app: Any, deflate: bool, **options: Any) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=FramesProtocol, lifespan="off",
        ws_per_message_deflate=deflate, log_level="warning", **options,
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
    in_scope, kept = app.headers
    assert in_scope > 0 and kept == 0  # the scope has them; the request kept for life, not
    assert app.receive_queue is Mailbox  # ~0.7 KB a socket where asyncio.Queue took ~3 KB


# ---- adoption: the socket outlives the app's handler ------------------------------------------


class Adopting:
    """Accepts, sends "first", hands the socket to the protocol and returns; the test then
    writes and closes through what `adopt` gave, on the server's loop."""

    def __init__(self, close_timeout: float = 10.0) -> None:
        self.close_timeout = close_timeout
        self.closed = 0
        self.ready = threading.Event()
        self.held: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "first"})
        self.held = scope["extensions"][FRAMES]["adopt"](self.on_closed)
        self.held[0].__self__.close_timeout = self.close_timeout
        self.loop = asyncio.get_running_loop()
        self.ready.set()

    def on_closed(self) -> None:
        self.closed += 1

    def on_loop(self, call: Any) -> Any:
        assert self.loop is not None
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.loop.call_soon_threadsafe(lambda: done.set_result(call()))
        return done.result(5)

    def write(self, *texts: str) -> bool:
        frames = b"".join(Event.of(i, t).frame for i, t in enumerate(texts, 1))
        return bool(self.on_loop(lambda: self.held[0](frames)))

    @property
    def protocol(self) -> Any:
        return self.held[0].__self__


def test_an_adopted_socket_stays_open_answers_pings_and_reports_its_close() -> None:
    app = Adopting()
    with serving(app, False, ws_ping_interval=0.2, ws_ping_timeout=0.5) as url:
        with connect(url) as ws:
            assert ws.recv(timeout=5) == "first"
            assert app.ready.wait(5) and app.held is not None  # the handler has returned
            assert app.write("一 one", "two")
            assert [ws.recv(timeout=5), ws.recv(timeout=5)] == ["一 one", "two"]
            ws.send("a display says something")  # dropped, and reading goes on:
            for _ in range(2):  # the second pong read was sent after the message
                app.on_loop(lambda: setattr(app.protocol, "last_ping_rtt", 0.0))
                wait_until(lambda: app.on_loop(lambda: app.protocol.last_ping_rtt), 5, "a pong")
            assert app.write("three") and ws.recv(timeout=5) == "three"
            assert app.closed == 0
        wait_until(lambda: app.closed == 1, 5, "the close to be reported")
        assert app.write("late") is False


def test_an_adopted_socket_whose_client_stops_reading_is_closed() -> None:
    app = Adopting(close_timeout=0.5)
    with serving(app, False) as url, connect(url, max_queue=1) as ws:
        assert ws.recv(timeout=5) == "first"
        assert app.ready.wait(5)
        big = "x" * 65536
        written = [app.write(big) for _ in range(400)]  # the client reads none of it
        assert False in written, "26 MB went out to a client that read nothing"
        assert app.on_loop(lambda: app.protocol.close_sent)
        wait_until(lambda: app.closed == 1, 10, "the too slow client's socket to close")
    # the close frame said why: the client resumes with `since`
    assert app.protocol.conn.close_sent.code == 1013


# ---- the uvicorn this runs on -------------------------------------------------------------


def declared_uvicorn() -> SpecifierSet:
    """The version range of uvicorn in pyproject.toml's dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(dep) for dep in project["project"]["dependencies"]]
    return next(req.specifier for req in requirements if req.name == "uvicorn")


def missing_internals(cls: type, names: Iterable[str]) -> list[str]:
    """Those of `names` that `cls` neither has as a class attribute nor sets as `self.<name>` in
    any method of its own or of a base class (instance attributes exist only once set)."""
    assigned: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__ in ("builtins", "asyncio.protocols"):
            continue
        for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(klass)))):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign | ast.AugAssign)
                else []
            )
            assigned |= {
                t.attr
                for t in targets
                if isinstance(t, ast.Attribute)
                and isinstance(t.value, ast.Name)
                and t.value.id == "self"
            }
    return [name for name in names if not hasattr(cls, name) and name not in assigned]


def test_the_installed_uvicorn_is_in_the_range_pyproject_declares() -> None:
    installed, declared = version("uvicorn"), declared_uvicorn()
    assert any(spec.operator in ("<", "<=", "==", "~=") for spec in declared), (
        f"pyproject.toml allows uvicorn{declared} with no upper bound: "
        "server/stream/ws_frames.py reads uvicorn's private attributes, so give the range it "
        "was tested on"
    )
    assert installed in declared, (
        f"uvicorn {installed} is installed, but pyproject.toml allows uvicorn{declared}: "
        "server/stream/ws_frames.py reads uvicorn's private attributes and was run only on "
        "that range. Run tests/test_ws_frames.py on this uvicorn, then widen the range."
    )


def test_uvicorn_still_has_every_internal_ws_frames_relies_on() -> None:
    missing = missing_internals(WebSocketsSansIOProtocol, UVICORN_INTERNALS)
    assert missing == [], (
        f"uvicorn {version('uvicorn')}'s WebSocketsSansIOProtocol has no {', '.join(missing)}, "
        "which server/stream/ws_frames.py relies on (UVICORN_INTERNALS): adapt write_frames "
        "to this uvicorn or keep the range in pyproject.toml below it"
    )


def test_the_internals_check_catches_a_missing_attribute() -> None:
    class Old:
        kept = 1

        def __init__(self) -> None:
            self.conn: object = None
            self.close_sent = False

        def handle_connect(self) -> None:
            self.disconnected = True

    assert missing_internals(Old, ["kept", "conn", "close_sent", "disconnected", "writable"]) == [
        "writable"
    ]
