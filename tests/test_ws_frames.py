"""`hallq serve`'s websocket protocol (server/stream/ws_frames.py) on a real uvicorn: encoded
frames are written only when a send through ASGI would go straight out as the same bytes, and
otherwise the app is told to send the usual way; and the uvicorn installed is one it was run on,
with every private attribute it reads."""

from __future__ import annotations

import ast
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
from server.stream.ws_frames import FRAMES, UVICORN_INTERNALS, FramesProtocol
from tests.support import ROOT, free_port, wait_until

pytestmark = pytest.mark.integration


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
