"""Test helpers: databases (SQLite, and PostgreSQL when reachable), apps, clients, servers."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

REDIS_URL = "redis://127.0.0.1:6379/0"
IN_CI = os.environ.get("CI") == "true"
ROOT = Path(__file__).resolve().parent.parent


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, port: int) -> None:
    """Skip without the service locally; in CI a missing service is a failure."""
    if reachable(port):
        return
    if IN_CI:
        pytest.fail(f"{name} on 127.0.0.1:{port} is required in CI")
    pytest.skip(f"{name} on 127.0.0.1:{port} not reachable")


class Clock:
    """An injectable clock the test moves by hand. It starts at 04:00 UTC today — noon in
    Asia/Shanghai, where the demo hall is — so that no test crosses the hall's midnight (a new
    business day) by accident, whatever time of day the suite runs."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`hallq serve` in a subprocess on a free loopback port."""

    def __init__(
        self, env: dict[str, str], port: int | None = None, workers: int = 1,
        log: Path | None = None,
    ) -> None:  # fmt: skip
        self.log = log  # stdout and stderr go there when given (stderr is otherwise a pipe)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.admin_password = env.get("HALLQ_ADMIN_PASSWORD", "")

    def start(self, timeout: float = 30) -> LiveServer:
        cmd = [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port),
               "--workers", str(self.workers)]  # fmt: skip
        out: Any = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            cmd, env=self.env, cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT if self.log else subprocess.PIPE,
        )  # fmt: skip
        if self.log:
            out.close()  # the child holds its own copy
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                said = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"server exited: {said[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def login(self, username: str = "admin", password: str | None = None) -> dict[str, str]:
        body = {"username": username, "password": password or self.admin_password}
        r = httpx.post(self.url + "/api/v1/auth/login", json=body)
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['token']}"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


LIVE_ADMIN_PASSWORD = "live-admin-password-1"


def backdate(server: LiveServer, table: str, row_id: int, key: str = "id",
             **columns: timedelta) -> None:  # fmt: skip
    """Move times of a row of a live server's database into the past (`called_at=…` minutes
    ago): the server's own alert rules then see a ticket that waited or was called that long
    ago, with no clock of theirs to move. No event says so: the evaluator finds it at its
    sweep, which the `server` fixture runs every second for the modules that watch alerts."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server.env["HALLQ_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            for column, ago in columns.items():
                value = (datetime.now(UTC) - ago).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLite
                conn.execute(text(f"UPDATE {table} SET {column} = :v WHERE {key} = :id"),
                             {"v": value, "id": row_id})  # fmt: skip
    finally:
        engine.dispose()


def live_env(db_url: str, bus_url: str = "memory://") -> dict[str, str]:
    """Environment of a LiveServer on `db_url`, with a known admin password."""
    return {
        "HALLQ_DATABASE_URL": db_url,
        "HALLQ_BUS_URL": bus_url,
        "HALLQ_ADMIN_PASSWORD": LIVE_ADMIN_PASSWORD,
        # Off unless a test watches alerts: other tests' streams see only their own events.
        "HALLQ_ALERTS_EVALUATE": "false",
    }


@contextmanager
def live_servers(
    env: dict[str, str], count: int = 1, *, together: bool = False
) -> Iterator[list[LiveServer]]:
    """`count` LiveServers on one database, started one after the other (or all at once with
    `together`: each migrates and bootstraps on start), stopped afterwards whatever happens."""
    servers = [LiveServer(env) for _ in range(count)]
    try:
        if together:
            with ThreadPoolExecutor(count) as pool:
                for future in [pool.submit(server.start) for server in servers]:
                    future.result(timeout=60)
        else:
            for server in servers:
                server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


@contextmanager
def statements(engine: Any) -> Iterator[list[str]]:
    """The SQL of every statement `engine` sends while the block runs (statements run on the
    driver's cursor directly, `Prepared`'s, are not seen)."""
    sent: list[str] = []

    def one(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", one)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", one)


@contextmanager
def driver_statements() -> Iterator[list[str]]:
    """The SQL of every statement psycopg's cursors run while the block runs, `Prepared`'s
    included, each on one line, "PIPELINE: " before those sent in pipeline mode (without
    waiting for the one before: `server.core.prepared.batch`). PostgreSQL only."""
    import psycopg

    sent: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ("execute", "executemany"):
            method = getattr(psycopg.Cursor, name)

            def recorded(
                cursor: Any, query: Any, *args: Any, _method: Any = method, **kw: Any
            ) -> Any:
                piped = "PIPELINE: " if getattr(cursor.connection, "_pipeline", None) else ""
                sent.append(piped + " ".join(str(query).split()))
                return _method(cursor, query, *args, **kw)

            patch.setattr(psycopg.Cursor, name, recorded)
        yield sent


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.02) -> Any:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


async def until(predicate: Any, what: str, timeout: float = 5.0) -> Any:
    """`wait_until` for a coroutine: yields to the event loop between polls."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.005)
    return value


class Hall:
    """Setup steps of a scenario over any httpx-style client (TestClient or httpx.Client)."""

    client: Any
    admin: dict[str, str]

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None,
             status: int = 200) -> Any:  # fmt: skip
        return ok(self.client.post(path, json=json, headers=headers or self.admin), status)

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return ok(self.client.get(path, params=params, headers=headers or self.admin))

    def login(self, username: str, password: str) -> dict[str, str]:
        body = ok(self.client.post("/api/v1/auth/login",
                                   json={"username": username, "password": password}))  # fmt: skip
        return {"Authorization": f"Bearer {body['token']}"}

    def service(self, prefix: str = "A", branch_id: int = 1, **fields: Any) -> dict[str, Any]:
        body = {"branch_id": branch_id, "code": prefix.lower(), "prefix": prefix,
                "name": {"zh-CN": f"业务{prefix}", "en": f"Service {prefix}"}} | fields  # fmt: skip
        return dict(self.post("/api/v1/services", body, status=201))

    def counter(self, number: int, service_ids: list[int], branch_id: int = 1) -> dict[str, Any]:
        body = {"branch_id": branch_id, "number": number, "service_ids": service_ids}
        return dict(self.post("/api/v1/counters", body, status=201))

    def user(self, username: str, role: str = "clerk", branch_ids: list[int] | None = None,
             ) -> dict[str, str]:  # fmt: skip
        body = {"username": username, "password": "password-123", "role": role,
                "branch_ids": [1] if branch_ids is None else branch_ids}  # fmt: skip
        self.post("/api/v1/users", body, status=201)
        return self.login(username, "password-123")


class Remote(Hall):
    """Setup helpers over real HTTP against a LiveServer (admin unless told otherwise)."""

    def __init__(self, server: LiveServer) -> None:
        self.url = server.url
        self.client = httpx.Client(base_url=server.url, timeout=30)
        self.admin = server.login()

    def close(self) -> None:
        self.client.close()

    def device(self, kind: str, branch_id: int = 1) -> tuple[int, str]:
        body = self.post("/api/v1/devices", {"kind": kind, "name": kind, "branch_id": branch_id},
                         status=201)  # fmt: skip
        return int(body["id"]), str(body["token"])


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at minimal cost: the same code path without ~0.15 s per hash and per login."""
    from argon2 import PasswordHasher

    from server.auth import service as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
