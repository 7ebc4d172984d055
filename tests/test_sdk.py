"""The Python SDK against a real `hallq serve`: typed calls sync and async, errors as exceptions,
idempotency keys, and the event stream's snapshot, resume by `since` and resume across a
server restart."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from counter_client import (
    ApiError,
    AsyncClient,
    Client,
    CounterNotOpen,
    EventStream,
    IdempotencyConflict,
    InvalidTransition,
    NotFound,
    Unauthorized,
    Unreachable,
    ValidationFailed,
)
from server import protocol as p
from tests.databases import Kind, Templates
from tests.support import LIVE_ADMIN_PASSWORD, LiveServer, free_port, live_env

WAIT_S = 20.0
_prefixes = (a + b for a, b in itertools.product("BCDEFGHJKLMNPQRSTUVWXYZ", "ABCDEFGHJKLMN"))
_numbers = itertools.count(10)


@pytest.fixture
def admin(server: LiveServer) -> Iterator[Client]:
    with Client(server.url) as client:
        client.login("admin", LIVE_ADMIN_PASSWORD)
        yield client


@dataclass
class Desk:
    """A service, a counter serving it and a clerk, fresh for each test."""

    service: p.Service
    counter: p.Counter
    clerk: str
    password: str = "password-123"


def make_desk(admin: Client, counters: int = 1) -> list[Desk]:
    prefix = next(_prefixes)
    service = admin.create_service(
        p.ServiceCreate(code=prefix.lower(), prefix=prefix, name={"en": f"Service {prefix}"})
    )
    desks = []
    for _ in range(counters):
        number = next(_numbers)
        counter = admin.create_counter({"number": number, "service_ids": [service.id]})
        clerk = f"clerk{number}"
        admin.create_user(p.UserCreate(username=clerk, password="password-123", role="clerk",
                                       branch_ids=[1]))  # fmt: skip
        desks.append(Desk(service, counter, clerk))
    return desks


def test_a_clerk_serves_a_ticket_with_typed_calls(server: LiveServer, admin: Client) -> None:
    (desk,) = make_desk(admin)
    with Client(server.url) as clerk:
        login = clerk.login(desk.clerk, desk.password)
        assert login.user.role == "clerk" and clerk.token == login.token
        ticket = clerk.issue_ticket(desk.service.id)
        assert isinstance(ticket, p.Ticket) and ticket.state == "waiting"
        assert ticket.number.startswith(desk.service.prefix)
        opened = clerk.open_counter(desk.counter.id)
        assert opened.counter.state == "open" and opened.ticket is None
        called = clerk.call_next(desk.counter.id)
        assert called.ticket is not None and called.ticket.id == ticket.id
        assert clerk.recall(desk.counter.id).ticket.calls == 2  # type: ignore[union-attr]
        assert clerk.start(desk.counter.id).ticket.state == "serving"  # type: ignore[union-attr]
        done = clerk.complete(desk.counter.id, outcome="ok")
        assert done.ticket is not None and done.ticket.state == "done"
        assert clerk.ticket(ticket.id).outcome == "ok"
        listed = clerk.tickets(branch_id=1, state="done", service_id=desk.service.id)
        assert [t.id for t in listed] == [ticket.id]
        assert clerk.call_next(desk.counter.id).ticket is None  # nobody waits
        queue = clerk.queue(1)
        mine = next(c for c in queue.counters if c.id == desk.counter.id)
        assert mine.state == "open" and mine.ticket is None
        # the public side: no token needed
        with Client(server.url) as anonymous:
            assert anonymous.public_ticket(ticket.public_id).state == "done"
            assert anonymous.rate(ticket.public_id, 5, "quick").rated
            assert clerk.ticket(ticket.id).rating == 5
            with pytest.raises(InvalidTransition):
                anonymous.rate(ticket.public_id, 4)
        clerk.logout()
        assert clerk.token is None


def test_api_errors_are_typed_exceptions(server: LiveServer, admin: Client) -> None:
    (desk,) = make_desk(admin)
    with pytest.raises(Unauthorized) as wrong:
        Client(server.url).login(desk.clerk, "not-the-password")
    assert wrong.value.status == 401 and wrong.value.code == "unauthorized"
    with pytest.raises(NotFound) as missing:
        admin.ticket(10**9)
    assert missing.value.status == 404 and missing.value.detail
    with pytest.raises(CounterNotOpen) as closed:
        admin.call_next(desk.counter.id)
    assert isinstance(closed.value, ApiError) and closed.value.status == 409
    admin.open_counter(desk.counter.id)
    with pytest.raises(InvalidTransition):
        admin.recall(desk.counter.id)  # nothing in hand
    with pytest.raises(ValidationFailed) as invalid:
        admin.request("POST", "/api/v1/tickets", json={"service_id": desk.service.id, "x": 1})
    assert invalid.value.code == "validation_error"
    with pytest.raises(Unreachable) as unreachable:
        Client(f"http://127.0.0.1:{free_port()}", timeout=2).health()
    assert unreachable.value.status == 0


def test_an_idempotency_key_issues_once(admin: Client) -> None:
    (desk,) = make_desk(admin)
    first = admin.issue_ticket(desk.service.id, idempotency_key="sdk-issue-1")
    again = admin.issue_ticket(desk.service.id, idempotency_key="sdk-issue-1")
    assert again.id == first.id and again.number == first.number
    with pytest.raises(IdempotencyConflict):
        admin.issue_ticket(desk.service.id, priority="priority", idempotency_key="sdk-issue-1")
    assert len(admin.tickets(branch_id=1, service_id=desk.service.id)) == 1


def test_the_generic_request_and_the_identity(admin: Client) -> None:
    me = admin.me()
    assert me.kind == "user" and me.role == "admin"
    assert admin.request("GET", "/api/v1/auth/me")["role"] == "admin"
    assert admin.health().status == "ok"
    assert any(b.id == 1 for b in admin.branches())
    assert admin.branch(1).settings.rating_timeout_s >= 5


def test_print_jobs_and_kiosks(admin: Client) -> None:
    (desk,) = make_desk(admin)
    device = admin.create_device("kiosk", "sdk kiosk")
    assert device.token
    with Client(admin.base_url, token=device.token) as kiosk:
        ticket = kiosk.issue_ticket(desk.service.id, kiosk_id=device.id)
        jobs = kiosk.print_jobs(state="pending")
        job = next(j for j in jobs if j.ticket_id == ticket.id)
        assert job.ticket.number == ticket.number
        assert kiosk.report_print_result(job.id, ok=True).state == "printed"
        status = kiosk.report_printer_status(device.id, online=True, paper="near_end")
        assert status.paper == "near_end"
    listed = next(k for k in admin.kiosks(branch_id=1) if k.id == device.id)
    assert listed.printer is not None and listed.printer.paper == "near_end"
    assert admin.reprint(ticket.id, device.id).ticket_id == ticket.id


def test_async_client_two_counters_calling_at_once_never_share(
    server: LiveServer, admin: Client
) -> None:
    one, two = make_desk(admin, counters=2)

    async def scenario() -> None:
        async with AsyncClient(server.url) as a, AsyncClient(server.url) as b:
            await asyncio.gather(a.login(one.clerk, one.password), b.login(two.clerk, two.password))
            await asyncio.gather(a.open_counter(one.counter.id), b.open_counter(two.counter.id))
            ticket = await a.issue_ticket(one.service.id)
            results = await asyncio.gather(a.call_next(one.counter.id), b.call_next(two.counter.id))
            called = [r.ticket for r in results if r.ticket is not None]
            assert [t.id for t in called] == [ticket.id]
            holder = a if results[0].ticket else b
            counter_id = (one if results[0].ticket else two).counter.id
            with pytest.raises(InvalidTransition):
                await holder.resume(counter_id, ticket.id)  # not parked
            parked = await holder.park(counter_id)
            assert parked.ticket is not None and parked.ticket.state == "parked"
            back = await holder.resume(counter_id, ticket.id)
            assert back.ticket is not None and back.ticket.state == "called"
            moved = await holder.transfer(counter_id, service_id=one.service.id, position="front")
            assert moved.ticket is not None and moved.ticket.state == "waiting"
            noshow = await holder.call_next(counter_id)
            assert noshow.ticket is not None
            gone = await holder.no_show(counter_id)
            assert gone.ticket is not None and gone.ticket.state == "no_show"
            assert (await holder.requeue(ticket.id)).state == "waiting"
            assert (await holder.cancel(ticket.id)).state == "cancelled"

    asyncio.run(scenario())


# ---- event stream -------------------------------------------------------------------------


@asynccontextmanager
async def following(stream: EventStream) -> AsyncIterator[asyncio.Queue[p.Event]]:
    """Events of `stream` into a queue, read by a background task."""
    queue: asyncio.Queue[p.Event] = asyncio.Queue()

    async def pump() -> None:
        async for event in stream:
            await queue.put(event)

    task = asyncio.create_task(pump())
    try:
        yield queue
    finally:
        await stream.close()
        await asyncio.wait_for(task, WAIT_S)


async def take(queue: asyncio.Queue[p.Event], n: int) -> list[p.Event]:
    return [await asyncio.wait_for(queue.get(), WAIT_S) for _ in range(n)]


def test_stream_snapshot_then_events_then_resume_by_since(
    server: LiveServer, admin: Client
) -> None:
    (desk,) = make_desk(admin)
    token = admin.token
    assert token

    async def scenario() -> None:
        async with AsyncClient(server.url, token=token) as hallq:
            stream = EventStream(server.url, 1, token)
            async with following(stream) as queue:
                (snapshot,) = await take(queue, 1)
                assert snapshot.type == "snapshot" and stream.connected
                view = p.QueueView.model_validate(snapshot.data)
                assert view.seq == snapshot.seq
                ticket = await hallq.issue_ticket(desk.service.id)
                await hallq.open_counter(desk.counter.id)
                await hallq.call_next(desk.counter.id)
                events = await take(queue, 3)
                assert [e.seq for e in events] == [snapshot.seq + 1 + i for i in range(3)]
                assert [e.type for e in events] == [
                    "ticket.issued", "counter.updated", "ticket.called"
                ]  # fmt: skip
                assert events[2].data["id"] == ticket.id
                assert events[2].data["counter"]["number"] == desk.counter.number
            assert not stream.connected
            # a new stream resuming after the issue replays what came after it, no snapshot
            resumed = EventStream(server.url, 1, token, since=events[0].seq)
            async with following(resumed) as queue:
                replay = await take(queue, 2)
                assert [e.seq for e in replay] == [events[1].seq, events[2].seq]
                await hallq.recall(desk.counter.id)
                live = await take(queue, 1)
                while live[-1].type != "ticket.recalled":
                    live += await take(queue, 1)
                assert [e.seq for e in live] == [events[2].seq + 1 + i for i in range(len(live))]

    asyncio.run(scenario())


def test_stream_refused_token_raises_instead_of_retrying(server: LiveServer) -> None:
    async def scenario() -> None:
        stream = EventStream(server.url, 1, "not-a-token", min_backoff=0.01)
        with pytest.raises(Unauthorized) as refused:
            async for _ in stream:
                pass
        assert refused.value.status == 401 and stream.reconnects == 0

    asyncio.run(scenario())


@pytest.mark.e2e
def test_stream_resumes_after_the_server_restarts(tmp_path: Path, templates: Templates) -> None:
    env = live_env(templates.sqlite(tmp_path / "hallq.db", Kind.SCHEMA))
    first = LiveServer(env).start()
    restarted = LiveServer(env, port=first.port)
    try:
        with Client(first.url) as admin:
            admin.login("admin", LIVE_ADMIN_PASSWORD)
            (desk,) = make_desk(admin)
            token = admin.token
        assert token

        async def scenario() -> None:
            stream = EventStream(first.url, 1, token, min_backoff=0.05, max_backoff=0.5)
            async with following(stream) as queue:
                (snapshot,) = await take(queue, 1)
                async with AsyncClient(first.url, token=token) as hallq:
                    await hallq.issue_ticket(desk.service.id)
                (before,) = await take(queue, 1)
                await asyncio.to_thread(first.stop)
                await asyncio.to_thread(restarted.start)
                async with AsyncClient(first.url, token=token) as hallq:
                    for _ in range(3):
                        await hallq.issue_ticket(desk.service.id)
                after = await take(queue, 3)
                assert stream.reconnects >= 1 and stream.connected
                seqs = [snapshot.seq, before.seq] + [e.seq for e in after]
                assert seqs == list(range(snapshot.seq, snapshot.seq + 5))
                assert [e.type for e in after] == ["ticket.issued"] * 3
                assert [e.data["number"][-3:] for e in after] == ["002", "003", "004"]
                assert queue.empty()

        asyncio.run(scenario())
    finally:
        first.stop()
        restarted.stop()


@pytest.mark.integration
def test_close_ends_a_stream_that_waits_to_reconnect() -> None:
    async def scenario() -> None:
        stream = EventStream(f"http://127.0.0.1:{free_port()}", 1, "t", min_backoff=60)
        async with following(stream) as queue:
            await asyncio.sleep(0.1)  # connecting fails; the stream now waits 30-60 s to retry
            assert queue.empty() and not stream.connected
            closing = asyncio.get_running_loop().time()
        # leaving `following` closed the stream: its task ended long before the 30 s backoff could
        assert asyncio.get_running_loop().time() - closing < 20

    asyncio.run(scenario())


async def _accepted(stream: EventStream, *messages: dict[str, object]) -> list[int]:
    out = []
    for message in messages:
        event = await stream._accept(json.dumps(message))
        if event is not None:
            out.append(event.seq)
    return out


def test_stream_drops_seen_seqs_and_resyncs_on_a_gap() -> None:
    def msg(seq: int, kind: str = "ticket.issued") -> dict[str, object]:
        return {"seq": seq, "type": kind, "ts": "2026-01-01T08:00:00+08:00", "data": {}}

    async def scenario() -> None:
        stream = EventStream("http://127.0.0.1:1", 1, "t", since=5)
        assert await _accepted(stream, msg(4), msg(5), msg(6), msg(6), msg(7)) == [6, 7]
        assert await _accepted(stream, msg(7, "snapshot"), msg(9)) == []  # 9: a gap
        assert stream.last_seq == 7 and "since=7" in stream.url()
        assert await _accepted(stream, msg(12, "snapshot"), msg(13)) == [12, 13]

    asyncio.run(scenario())
