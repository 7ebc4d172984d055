"""A fake ESC/POS network printer on 127.0.0.1, and a kiosk agent driving it against a hall.

FakePrinter records every byte and answers `DLE EOT n` (n = 1, 2, 4) like a real printer in the
configured state, and can refuse connections (nothing listening), drop the open ones, or stay
silent. What it received is decoded by tests/escpos_decode.py."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from kiosk.agent import KioskAgent
from kiosk.settings import KioskSettings
from tests.escpos_decode import Decoded, StreamParser, split_cuts
from tests.support import LiveServer, Remote, free_port, wait_until

State = Literal["online", "cover_open", "near_end", "paper_out"]
# Replies to DLE EOT 1 / 2 / 4. Fixed bits 1 and 4 are set in every reply, as on Epson printers.
REPLIES: dict[str, tuple[int, int, int]] = {
    "online": (0x12, 0x12, 0x12),
    "near_end": (0x12, 0x12, 0x1E),
    "cover_open": (0x1A, 0x16, 0x12),
    "paper_out": (0x1A, 0x32, 0x7E),
}


class FakePrinter:
    """Threaded TCP printer. Use as a context manager; `port` is fixed for its whole life."""

    def __init__(self, state: State = "online") -> None:
        self.state: State = state
        self.silent = False
        self.received = bytearray()
        self.connections = 0
        self.status_queries = 0
        self.on_data: Callable[[], object] | None = None  # called after each chunk is recorded
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self._server: socket.socket | None = None
        self._stop = threading.Event()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()
        self.url = f"tcp://127.0.0.1:{self.port}"

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> FakePrinter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen (again) on the same port."""
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(8)
        server.settimeout(0.1)
        self._server = server
        self._stop.clear()
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def refuse(self) -> None:
        """Stop listening and drop every connection: connects are refused until `start()`."""
        self._stop.set()
        if self._server is not None:
            self._server.close()
            self._server = None
        self.drop()

    def stop(self) -> None:
        self.refuse()

    def drop(self) -> None:
        """Close the open connections (a cable pulled, the printer switched off)."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    # -- recorded data --------------------------------------------------------------------
    def data(self) -> bytes:
        with self._lock:
            return bytes(self.received)

    def clear(self) -> None:
        with self._lock:
            self.received.clear()

    def tickets(self) -> list[Decoded]:
        """What was printed, split at each cut (status queries are not printouts)."""
        return [d for d in split_cuts(self.data()) if d.texts or d.rasters or d.qr_codes]

    # -- threads --------------------------------------------------------------------------
    def _accept(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._clients.append(client)
                self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        parser = StreamParser()
        while True:
            try:
                chunk = client.recv(65536)
            except OSError:
                return
            if not chunk:
                client.close()
                return
            with self._lock:
                self.received += chunk
            if self.on_data is not None:
                self.on_data()
            for n in parser.feed(chunk):
                with self._lock:
                    self.status_queries += 1
                if self.silent or n not in (1, 2, 4):
                    continue
                reply = REPLIES[self.state][{1: 0, 2: 1, 4: 2}[n]]
                try:
                    client.sendall(bytes((reply,)))
                except OSError:
                    return


# ---- the agent and a hall of its own, for the kiosk tests ---------------------------------


class AgentThread:
    """A KioskAgent running on its own event loop in a thread; `stop()` cancels it."""

    def __init__(self, settings: KioskSettings) -> None:
        self.settings = settings
        self.lines: list[str] = []
        self.error: BaseException | None = None
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self.agent: KioskAgent | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self.agent = agent = KioskAgent(self.settings, echo=self.lines.append)
        self._task = self._loop.create_task(agent.run())
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            self.error = exc
        finally:
            self._loop.close()

    def start(self) -> AgentThread:
        self._thread.start()
        wait_until(lambda: self._task is not None, 10, "agent task")
        return self

    def stop(self) -> None:
        if self._task is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(15)
        assert not self._thread.is_alive(), "agent did not stop"


class KioskHall:
    """One kiosk device and one or two services of its own (tests share the server)."""

    def __init__(self, server: LiveServer, prefixes: str = "A") -> None:
        self.remote = Remote(server)
        body = self.remote.post("/api/v1/branches", {"name": f"大厅{free_port()}"}, status=201)
        self.branch_id = int(body["id"])
        self.branch_name = str(body["name"])
        self.services = {
            prefix: self.remote.service(prefix, branch_id=self.branch_id)["id"]
            for prefix in prefixes
        }
        self.kiosk_id, self.token = self.remote.device("kiosk", branch_id=self.branch_id)

    def issue(self, prefix: str = "A") -> dict[str, Any]:
        body = {"service_id": self.services[prefix], "kiosk_id": self.kiosk_id}
        return dict(self.remote.post("/api/v1/tickets", body, status=201))

    def jobs(self, state: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"kiosk_id": self.kiosk_id}
        if state:
            params["state"] = state
        return list(self.remote.get("/api/v1/print-jobs", **params))

    def kiosk(self) -> dict[str, Any]:
        kiosks = self.remote.get("/api/v1/kiosks", branch_id=self.branch_id)
        return dict(next(k for k in kiosks if k["id"] == self.kiosk_id))

    def settings(self, url: str, printer: FakePrinter, state_dir: Path) -> KioskSettings:
        return KioskSettings(server=url, token=self.token, printer=printer.url,
                             state_dir=state_dir, status_interval=0.5, probe_timeout=1.0,
                             _env_file=None)  # type: ignore[call-arg]  # fmt: skip


NUMBER = re.compile(r"^[A-Z]{1,3}\d{3}$")


def numbers(printed: list[Decoded]) -> list[str]:
    return [t for d in printed for t in d.texts if NUMBER.match(t)]


def all_done(hall: KioskHall, count: int) -> bool:
    jobs = hall.jobs()
    return len(jobs) == count and all(j["state"] != "pending" for j in jobs)
