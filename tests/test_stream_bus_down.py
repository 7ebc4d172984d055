"""Issue 13, item 5: with the Redis bus down, the subscribers of the process that made a change
still get its events (the bus is only for the other processes), and the other processes catch
up from the database when Redis is back; with Redis up nobody gets an event twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from server.app import create_app
from server.core.settings import Settings
from tests.conftest import ADMIN_PASSWORD, Api
from tests.databases import Kind, Templates
from tests.support import Clock, LiveServer, Remote, free_port, live_env, require_service
from tests.tcp_proxy import TcpProxy
from tests.test_stream import recv, stream

LOCAL_S = 2.0  # a local event is there at once; Redis being down must not delay it
CATCH_UP_S = 20.0  # the bus reconnects with a backoff of up to 5 s, then reads the database


@pytest.mark.integration
def test_a_local_subscriber_gets_events_with_the_redis_bus_on_a_dead_port(
    db_url: str, clock: Clock
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings = Settings(database_url=db_url, bus_url=dead, admin_password=ADMIN_PASSWORD)
    with TestClient(create_app(settings, clock=clock)) as client:
        api = Api(client)
        service = api.service("A")
        with stream(api) as ws:
            seq = recv(ws)["seq"]
            for _ in range(3):
                api.issue(service["id"])
                # The alerts round may raise one (a queue with no counter open) in between:
                # every event comes in order, and the ticket's own comes within LOCAL_S.
                while True:
                    event = recv(ws, timeout=LOCAL_S)
                    assert event["seq"] == seq + 1, event
                    seq = event["seq"]
                    if event["type"] == "ticket.issued":
                        break
                    assert event["type"].startswith("alert."), event


def _events(ws: ClientConnection, count: int, timeout: float) -> list[dict[str, object]]:
    return [json.loads(ws.recv(timeout=timeout)) for _ in range(count)]


def _quiet(ws: ClientConnection, for_s: float) -> bool:
    """Nothing more arrives within `for_s` (no duplicate)."""
    try:
        ws.recv(timeout=for_s)
    except TimeoutError:
        return True
    return False


@pytest.mark.e2e
@pytest.mark.slow
def test_redis_cut_between_two_processes(tmp_path: Path, templates: Templates) -> None:
    """Two processes share Redis through a relay the test cuts. While it is cut, a ticket
    issued through one process reaches that process's subscriber at once, and the other's
    subscriber once Redis is back (from the database); before and after, each subscriber gets
    each seq once."""
    require_service("Redis", 6379)
    proxy = TcpProxy(6379).open()
    bus = f"redis://127.0.0.1:{proxy.port}/0"
    with templates.postgres(Kind.SCHEMA) as url:
        one, two = LiveServer(live_env(url, bus)), LiveServer(live_env(url, bus))
        try:
            one.start(), two.start()
            remote = Remote(one)
            service = remote.service("A")
            _, display = remote.device("display")
            path = f"/api/v1/branches/1/events?token={display}"
            with (
                ws_connect(one.url.replace("http", "ws") + path, open_timeout=10) as near,
                ws_connect(two.url.replace("http", "ws") + path, open_timeout=10) as far,
            ):
                start = json.loads(near.recv(timeout=10))["seq"]
                assert json.loads(far.recv(timeout=10))["seq"] == start
                remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
                for ws in (near, far):  # Redis up: each seq once
                    assert [e["seq"] for e in _events(ws, 1, 10)] == [start + 1]
                proxy.cut()
                remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
                assert [e["seq"] for e in _events(near, 1, LOCAL_S)] == [start + 2]
                proxy.open()
                assert [e["seq"] for e in _events(far, 1, CATCH_UP_S)] == [start + 2]
                remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
                for ws in (near, far):
                    assert [e["seq"] for e in _events(ws, 1, CATCH_UP_S)] == [start + 3]
                    assert _quiet(ws, 1.0)
            remote.close()
        finally:
            proxy.cut()
            one.stop()
            two.stop()
