"""The event stream: snapshot, gap-free seq order, replay after `since`, nothing for rollbacks,
events crossing server processes, and the hub's reordering, gap filling and slow subscribers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from websockets.sync.client import connect as ws_connect

from server.app import create_app
from server.core.hub import EventHub, channel_of
from server.core.sender import Sender
from server.core.settings import Settings
from tests.conftest import Api
from tests.databases import Kind, Templates
from tests.support import (
    REDIS_URL,
    Clock,
    Remote,
    live_env,
    live_servers,
    require_service,
)

RECV_S = 10.0


def recv(ws: WebSocketTestSession, timeout: float = RECV_S) -> dict[str, Any]:
    """The next message, or a failure after `timeout` (TestClient's receive waits forever)."""

    async def receive() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(receive)
    assert message["type"] == "websocket.send", message
    return dict(json.loads(message["text"]))


def recv_n(ws: WebSocketTestSession, n: int) -> list[dict[str, Any]]:
    return [recv(ws) for _ in range(n)]


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split()[1]


@contextmanager
def stream(api: Api, since: int | None = None) -> Iterator[WebSocketTestSession]:
    query = f"token={token_of(api.admin)}" + ("" if since is None else f"&since={since}")
    with api.client.websocket_connect(f"/api/v1/branches/1/events?{query}") as ws:
        yield ws


def last_seq(api: Api) -> int:
    return int(api.client.get("/api/v1/branches/1/queue", headers=api.admin).json()["seq"])


def assert_consecutive(events: list[dict[str, Any]], after: int) -> None:
    assert [e["seq"] for e in events] == list(range(after + 1, after + 1 + len(events)))
    assert all(e["type"] != "snapshot" for e in events)


def test_snapshot_then_every_event_in_seq_order(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    with stream(api) as ws:
        snapshot = recv(ws)
        assert snapshot["type"] == "snapshot" and snapshot["seq"] == last_seq(api)
        assert {"services", "counters", "recent_calls"} <= set(snapshot["data"])
        tickets = [api.issue(service["id"]) for _ in range(3)]
        api.act(counter["id"], "open")
        api.act(counter["id"], "call-next")
        api.act(counter["id"], "complete", {"outcome": "ok"})
        api.act(counter["id"], "call-next")
        events = recv_n(ws, last_seq(api) - snapshot["seq"])
        assert_consecutive(events, snapshot["seq"])
        types = [e["type"] for e in events]
        assert types.count("ticket.issued") == 3 and types.count("ticket.called") == 2
        assert types.count("ticket.completed") == 1
        called = [e for e in events if e["type"] == "ticket.called"]
        assert [e["data"]["id"] for e in called] == [tickets[0]["id"], tickets[1]["id"]]
        assert called[0]["data"]["counter"]["id"] == counter["id"]
        # and the stream keeps going: the next action is the very next message
        api.issue(service["id"])
        nxt = recv(ws)
        assert nxt["type"] == "ticket.issued" and nxt["seq"] == events[-1]["seq"] + 1


def test_a_sender_that_fails_closes_the_socket_so_the_display_reconnects(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client is read in the handler's task and events are sent in another: a sender that
    stops on an error must not leave a display connected to nothing."""

    async def fails(self: Sender) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(Sender, "run", fails)
    with stream(api) as ws:
        assert recv(ws)["type"] == "snapshot"

        async def closed() -> Any:
            with anyio.fail_after(RECV_S):
                return await ws._send_rx.receive()

        message = ws.portal.call(closed)
    assert message["type"] == "websocket.close" and message["code"] == 1011


def test_reconnect_with_since_replays_exactly_the_missed_events(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    with stream(api) as ws:
        snapshot = recv(ws)
        api.issue(service["id"])
        seen = recv(ws)
        assert seen["seq"] == snapshot["seq"] + 1
    # while disconnected
    api.issue(service["id"])
    api.act(counter["id"], "open")
    api.act(counter["id"], "call-next")
    missed = last_seq(api) - seen["seq"]
    assert missed >= 4
    with stream(api, since=seen["seq"]) as ws:
        events = recv_n(ws, missed)
        assert_consecutive(events, seen["seq"])
        assert [e["type"] for e in events][:2] == ["ticket.issued", "counter.updated"]
        assert "ticket.called" in [e["type"] for e in events]
        api.issue(service["id"])  # nothing else was queued before the next live event
        assert recv(ws)["seq"] == seen["seq"] + missed + 1
    # since == the latest seq: nothing to replay, no snapshot, straight to live events
    with stream(api, since=last_seq(api)) as ws:
        before = last_seq(api)
        api.issue(service["id"])
        event = recv(ws)
        assert event["type"] == "ticket.issued" and event["seq"] == before + 1


def test_since_ahead_or_too_old_gets_a_snapshot(settings: Settings, clock: Clock) -> None:
    limited = settings.model_copy(update={"replay_max_events": 3})
    with TestClient(create_app(limited, clock=clock)) as client:
        api = Api(client)
        service = api.service("A")
        for _ in range(5):
            api.issue(service["id"])
        last = last_seq(api)
        for since in (last + 1, last + 1000, 0, last - 4):  # ahead, far ahead, too old
            with stream(api, since=since) as ws:
                first = recv(ws)
                assert first["type"] == "snapshot" and first["seq"] == last, since
                assert first["data"]["services"][0]["waiting"] == 5
        with stream(api, since=last - 3) as ws:  # within the limit: replay
            assert_consecutive(recv_n(ws, 3), last - 3)


def test_a_rolled_back_action_publishes_nothing(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    key = {**api.admin, "Idempotency-Key": "issue-1"}
    with stream(api) as ws:
        snapshot = recv(ws)
        first = api.issue(service["id"], key)
        assert recv(ws)["seq"] == snapshot["seq"] + 1
        # a replay of the same request, an idempotency conflict, a closed counter, an unknown
        # service: none of them commits, so none of them publishes or uses up a seq
        assert api.issue(service["id"], key)["id"] == first["id"]
        other_body = {"service_id": service["id"], "priority": "priority"}
        conflict = api.client.post("/api/v1/tickets", headers=key, json=other_body)
        assert conflict.status_code == 422 and conflict.json()["error"] == "idempotency_conflict"
        closed = api.client.post(f"/api/v1/counters/{counter['id']}/call-next", headers=api.admin)
        assert closed.status_code == 409 and closed.json()["error"] == "counter_not_open"
        missing = api.client.post("/api/v1/tickets", json={"service_id": 999}, headers=api.admin)
        assert missing.status_code == 404
        assert last_seq(api) == snapshot["seq"] + 1
        second = api.issue(service["id"])
        event = recv(ws)
        assert event["type"] == "ticket.issued" and event["data"]["id"] == second["id"]
        assert event["seq"] == snapshot["seq"] + 2


@pytest.mark.e2e
@pytest.mark.slow
def test_an_event_crosses_from_one_server_process_to_another(templates: Templates) -> None:
    require_service("Redis", 6379)
    with (
        templates.postgres(Kind.SCHEMA) as url,
        live_servers(live_env(url, REDIS_URL), 2) as (one, two),
    ):
        remote = Remote(one)
        try:
            service = remote.service("A")
            counter = remote.counter(1, [service["id"]])
            _, display = remote.device("display")
            ws_url = (
                two.url.replace("http://", "ws://") + f"/api/v1/branches/1/events?token={display}"
            )
            with ws_connect(ws_url, open_timeout=10, close_timeout=5) as ws:
                snapshot = json.loads(ws.recv(timeout=RECV_S))
                assert snapshot["type"] == "snapshot"
                ticket = remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
                remote.post(f"/api/v1/counters/{counter['id']}/open")
                remote.post(f"/api/v1/counters/{counter['id']}/call-next")
                events = [json.loads(ws.recv(timeout=RECV_S)) for _ in range(4)]
            assert [e["seq"] for e in events] == list(
                range(snapshot["seq"] + 1, snapshot["seq"] + 5)
            )
            types = [e["type"] for e in events]
            assert types[:2] == ["ticket.issued", "counter.updated"]
            assert set(types[2:]) == {"ticket.called", "counter.updated"}
            called = next(e for e in events if e["type"] == "ticket.called")
            assert called["data"]["id"] == ticket["id"]
            assert called["data"]["counter"]["number"] == 1
        finally:
            remote.close()


@pytest.mark.e2e
@pytest.mark.slow
def test_installations_sharing_one_redis_do_not_see_each_others_events(
    tmp_path: Path, templates: Templates
) -> None:
    require_service("Redis", 6379)
    a, b = (templates.sqlite(tmp_path / name, Kind.SCHEMA) for name in ("a.db", "b.db"))
    with (
        live_servers(live_env(a, REDIS_URL)) as (one,),
        live_servers(live_env(b, REDIS_URL)) as (two,),
    ):
        first, second = Remote(one), Remote(two)
        try:
            service_a, service_b = first.service("A"), second.service("B")
            _, display = second.device("display")
            ws_url = two.url.replace("http://", "ws://") + "/api/v1/branches/1/events"
            with ws_connect(f"{ws_url}?token={display}", open_timeout=10) as ws:
                snapshot = json.loads(ws.recv(timeout=RECV_S))
                first.post("/api/v1/tickets", {"service_id": service_a["id"]}, status=201)
                own = second.post("/api/v1/tickets", {"service_id": service_b["id"]}, status=201)
                event = json.loads(ws.recv(timeout=RECV_S))
            # the other hall's A001 has the same branch and seq: it must not show up here
            assert event["seq"] == snapshot["seq"] + 1
            assert event["data"]["id"] == own["id"] and event["data"]["number"] == "B001"
        finally:
            first.close()
            second.close()


# The hub on its own: reordering, filling a gap from the database, dropping a slow subscriber.


def _text(seq: int) -> str:
    return json.dumps({"seq": seq, "type": "ticket.issued", "ts": "", "data": {}})


def _message(*seqs: int) -> str:
    return json.dumps([[s, _text(s)] for s in seqs])


def _drain(queue: asyncio.Queue[tuple[int, str] | None]) -> list[int | None]:
    out: list[int | None] = []
    while not queue.empty():
        item = queue.get_nowait()
        out.append(None if item is None else item[0])
    return out


def test_hub_delivers_out_of_order_publishes_in_seq_order() -> None:
    async def scenario() -> list[int | None]:
        hub = EventHub(lambda b, after, upto: [], queue_size=100)
        sub = hub.subscribe(1)
        assert await hub.start(sub, 10) == []
        hub.on_message(channel_of(1), _message(12, 13))
        hub.on_message(channel_of(1), _message(9, 10))  # old: ignored
        hub.on_message(channel_of(1), _message(11))
        hub.on_message(channel_of(2), _message(14))  # another branch
        return _drain(sub.queue)

    assert asyncio.run(scenario()) == [11, 12, 13]


def test_hub_fills_a_lost_publish_from_the_database() -> None:
    fetched: list[tuple[int, int, int | None]] = []

    def fetch(branch: int, after: int, upto: int | None) -> list[tuple[int, str]]:
        fetched.append((branch, after, upto))
        return [(s, _text(s)) for s in range(after + 1, (upto or after) + 1)]

    async def scenario() -> list[int | None]:
        hub = EventHub(fetch, queue_size=100)
        sub = hub.subscribe(1)
        assert await hub.start(sub, 0) == []
        hub.on_message(channel_of(1), _message(3))  # 1 and 2 were never published
        got: list[int | None] = []
        for _ in range(3):  # the gap is filled from the database after 50 ms
            item = await asyncio.wait_for(sub.queue.get(), timeout=5)
            got.append(None if item is None else item[0])
        hub.unsubscribe(sub)
        return got

    assert asyncio.run(scenario()) == [1, 2, 3]
    assert fetched == [(1, 0, 2)]


def test_hub_drops_a_subscriber_that_falls_behind() -> None:
    async def scenario() -> tuple[list[int | None], list[int | None], bool]:
        hub = EventHub(lambda b, after, upto: [], queue_size=2)
        slow, fast = hub.subscribe(1), hub.subscribe(1)
        await hub.start(slow, 0)
        await hub.start(fast, 0)
        hub.on_message(channel_of(1), _message(1, 2))
        fast_got = _drain(fast.queue)
        hub.on_message(channel_of(1), _message(3))
        hub.on_message(channel_of(1), _message(4))  # slow ignored; dropped, not grown
        return _drain(slow.queue), fast_got + _drain(fast.queue), slow.dropped

    slow_got, fast_got, dropped = asyncio.run(scenario())
    assert slow_got == [None] and dropped
    assert fast_got == [1, 2, 3, 4]


def test_a_subscriber_whose_read_saw_less_gets_what_the_feed_gave_out_before() -> None:
    """Issue 13, item 1: two subscribers of a new feed; the one whose initial read finished
    first saw seq 10, the other only seq 6. The feed starts at 10 and hands out 11: the second
    must still receive 7..11, from the database, before what its queue holds (11 again, which
    its sender skips, and 12)."""
    fetched: list[tuple[int, int, int | None]] = []

    def fetch(branch: int, after: int, upto: int | None) -> list[tuple[int, str]]:
        fetched.append((branch, after, upto))
        return [(s, _text(s)) for s in range(after + 1, (upto or after) + 1)]

    async def scenario() -> tuple[list[int], list[int | None], list[int | None]]:
        hub = EventHub(fetch, queue_size=100)
        first, second = hub.subscribe(1), hub.subscribe(1)
        hub.on_message(channel_of(1), _message(7, 8, 9, 10, 11))  # before either read ended
        assert await hub.start(first, 10) == []
        missed = await hub.start(second, 6)
        hub.on_message(channel_of(1), _message(12))
        return [s for s, _ in missed], _drain(first.queue), _drain(second.queue)

    missed, first_got, second_got = asyncio.run(scenario())
    assert first_got == [11, 12]
    assert missed == [7, 8, 9, 10, 11] and fetched == [(1, 6, 11)]
    assert second_got == [11, 12]


def test_a_subscriber_whose_missed_events_cannot_be_read_is_dropped() -> None:
    async def scenario() -> tuple[list[tuple[int, str]], list[int | None]]:
        hub = EventHub(lambda b, after, upto: [], queue_size=100)  # the rows are not there
        first, second = hub.subscribe(1), hub.subscribe(1)
        await hub.start(first, 10)
        return await hub.start(second, 6), _drain(second.queue)

    missed, queued = asyncio.run(scenario())
    assert missed == [] and queued == [None]  # closed: the client reconnects with since
