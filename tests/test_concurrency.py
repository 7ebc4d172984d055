"""Concurrent clients over real HTTP: numbers stay unique and gap-free, each ticket is called once.

SQLite runs one server process; PostgreSQL runs two processes on one database sharing Redis, with
the clients split across them.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from tests.databases import Kind, Templates
from tests.support import (
    REDIS_URL,
    LiveServer,
    Remote,
    live_env,
    live_servers,
    require_service,
)

pytestmark = pytest.mark.e2e

CLIENTS = 8
TICKETS_EACH = 100
QUEUE = 60
CLERKS = 3
JOIN_S = 60
T = TypeVar("T")


@contextmanager
def deployment(backend: str, tmp_path: Path, templates: Templates) -> Iterator[list[LiveServer]]:
    """One server on SQLite, or two servers on one PostgreSQL database + Redis; the database is
    migrated already (see test_servers_starting_together_migrate_and_bootstrap_once)."""
    if backend == "sqlite":
        url = templates.sqlite(tmp_path / "hallq.db", Kind.SCHEMA)
        with live_servers(live_env(url)) as servers:
            yield servers
    else:
        require_service("Redis", 6379)
        with (
            templates.postgres(Kind.SCHEMA) as url,
            live_servers(live_env(url, REDIS_URL), 2) as servers,
        ):
            yield servers


def run_concurrently(workers: Sequence[Callable[[], T]]) -> list[T]:
    """Start every worker at once (behind a barrier) and return their results in order."""
    barrier = threading.Barrier(len(workers), timeout=JOIN_S)

    def start(worker: Callable[[], T]) -> T:
        barrier.wait()
        return worker()

    with ThreadPoolExecutor(len(workers)) as pool:
        futures = [pool.submit(start, w) for w in workers]
        return [f.result(timeout=JOIN_S) for f in futures]


class Watcher:
    """A websocket on one server that collects the stream in a thread while the burst runs."""

    def __init__(self, stack: ExitStack, url: str, token: str, expect: int) -> None:
        ws_url = url.replace("http://", "ws://") + f"/api/v1/branches/1/events?token={token}"
        self.ws = stack.enter_context(ws_connect(ws_url, open_timeout=10, close_timeout=5))
        self.snapshot = json.loads(self.ws.recv(timeout=10))
        self.events: list[dict[str, Any]] = []
        self.expect = expect
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for _ in range(self.expect):
            try:
                self.events.append(json.loads(self.ws.recv(timeout=JOIN_S)))
            except Exception:
                return

    def finish(self) -> list[dict[str, Any]]:
        self.thread.join(JOIN_S)
        return self.events


def issue_many(url: str, headers: dict[str, str], service_id: int, n: int) -> list[dict[str, Any]]:
    tickets = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(n):
            r = client.post("/api/v1/tickets", json={"service_id": service_id})
            assert r.status_code == 201, r.text
            tickets.append(r.json())
    return tickets


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_issuing_numbers_are_unique_and_gap_free(
    backend: str, tmp_path: Path, templates: Templates
) -> None:
    with deployment(backend, tmp_path, templates) as servers, ExitStack() as stack:
        setup = Remote(servers[0])
        try:
            service = setup.service("A")
            clerk = setup.user("issuer")
            total = CLIENTS * TICKETS_EACH
            token = clerk["Authorization"].split()[1]
            watchers = [Watcher(stack, sv.url, token, total) for sv in servers]
            workers = [
                partial(
                    issue_many, servers[i % len(servers)].url, clerk, service["id"], TICKETS_EACH
                )
                for i in range(CLIENTS)
            ]
            tickets = [t for batch in run_concurrently(workers) for t in batch]
            numbers = [t["number"] for t in tickets]
            assert len(numbers) == CLIENTS * TICKETS_EACH
            assert sorted(numbers) == [f"A{i:03d}" for i in range(1, CLIENTS * TICKETS_EACH + 1)]
            assert len({t["id"] for t in tickets}) == len(tickets)
            stored = setup.get("/api/v1/tickets", branch_id=1, service_id=service["id"])
            assert sorted(t["number"] for t in stored) == sorted(numbers)
            # every server's stream saw all of them, in commit order, seq strictly +1
            for watcher in watchers:
                events, start = watcher.finish(), watcher.snapshot["seq"]
                assert [e["seq"] for e in events] == list(range(start + 1, start + total + 1))
                assert sorted(e["data"]["number"] for e in events) == sorted(numbers)
        finally:
            setup.close()


def clerk_loop(url: str, headers: dict[str, str], counter_id: int) -> list[int]:
    """Call next (completing the ticket in hand) until nobody waits; the ids called here."""
    called: list[int] = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(QUEUE + 5):
            r = client.post(f"/api/v1/counters/{counter_id}/call-next",
                            json={"complete_current": True})  # fmt: skip
            assert r.status_code == 200, r.text
            ticket = r.json()["ticket"]
            if ticket is None:
                return called
            assert ticket["state"] == "called" and ticket["counter_id"] == counter_id
            called.append(ticket["id"])
    raise AssertionError(f"counter {counter_id} never saw an empty queue")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_counters_call_each_ticket_exactly_once(
    backend: str, tmp_path: Path, templates: Templates
) -> None:
    with deployment(backend, tmp_path, templates) as servers:
        setup = Remote(servers[0])
        try:
            service = setup.service("A")
            issued = {setup.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)["id"]
                      for _ in range(QUEUE)}  # fmt: skip
            counters, clerks = [], []
            for n in range(1, CLERKS + 1):
                counter = setup.counter(n, [service["id"]])
                clerk = setup.user(f"clerk{n}")
                setup.post(f"/api/v1/counters/{counter['id']}/open", headers=clerk)
                counters.append(counter["id"])
                clerks.append(clerk)
            workers = [
                partial(clerk_loop, servers[i % len(servers)].url, clerks[i], counters[i])
                for i in range(CLERKS)
            ]
            per_counter = run_concurrently(workers)
            called = [t for ids in per_counter for t in ids]
            duplicates = [t for t, n in Counter(called).items() if n > 1]
            assert not duplicates, f"called more than once: {duplicates}"
            assert set(called) == issued
            # the last call-next completed the ticket in hand and found nobody: hands are empty
            states = Counter(t["state"] for t in setup.get("/api/v1/tickets", branch_id=1))
            assert states == {"done": QUEUE}
            for ticket_id in called:
                assert setup.get(f"/api/v1/tickets/{ticket_id}")["calls"] == 1
        finally:
            setup.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_servers_starting_together_migrate_and_bootstrap_once(
    backend: str, tmp_path: Path, templates: Templates
) -> None:
    """Several `hallq serve` on one fresh database at once (a restart of a whole deployment):
    all come up, the schema is migrated once, and there is one default branch and one admin."""
    if backend == "sqlite":
        env = live_env(f"sqlite:///{tmp_path}/hallq.db")
    else:
        require_service("Redis", 6379)
    with ExitStack() as stack:
        if backend == "postgres":
            env = live_env(stack.enter_context(templates.postgres_empty()), REDIS_URL)
        servers = stack.enter_context(live_servers(env, 3, together=True))
        for server in servers:
            remote = Remote(server)
            try:
                assert [b["id"] for b in remote.get("/api/v1/branches")] == [1]
                assert [u["username"] for u in remote.get("/api/v1/users")] == ["admin"]
            finally:
                remote.close()


MIXED_ISSUERS = 4
MIXED_EACH = 40
QUOTA_B = 100


class Follower(Watcher):
    """A Watcher that reads until the seq given to `finish` (how many events come is not known
    in advance: a call-next that completes and calls sends several)."""

    def __init__(self, stack: ExitStack, url: str, token: str) -> None:
        self.until: int | None = None
        super().__init__(stack, url, token, 0)

    def _read(self) -> None:
        while self.until is None or not self.events or self.events[-1]["seq"] < self.until:
            try:
                self.events.append(json.loads(self.ws.recv(timeout=JOIN_S)))
            except Exception:
                return

    def follow(self, until: int) -> list[dict[str, Any]]:
        self.until = until
        if not self.events or self.events[-1]["seq"] < until:
            self.thread.join(JOIN_S)
        return self.events


def last_seq(url: str, token: str) -> int:
    ws_url = url.replace("http://", "ws://") + f"/api/v1/branches/1/events?token={token}"
    with ws_connect(ws_url, open_timeout=10, close_timeout=5) as ws:
        return int(json.loads(ws.recv(timeout=10))["seq"])


def issue_or_refuse(url: str, headers: dict[str, str], service_id: int, n: int,
                    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    """Issue `n` tickets; (the tickets issued, how many were refused for the quota)."""
    tickets, refused = [], 0
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(n):
            r = client.post("/api/v1/tickets", json={"service_id": service_id})
            if r.status_code == 201:
                tickets.append(r.json())
            else:
                assert r.status_code == 409 and r.json()["error"] == "quota_reached", r.text
                refused += 1
    return tickets, refused


def calling_loop(url: str, headers: dict[str, str], counter_id: int, issuing: threading.Event,
                 ) -> list[int]:  # fmt: skip
    """Call next (completing the ticket in hand) while tickets are being issued, then until
    nobody waits; the ids called here."""
    called: list[int] = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for _ in range(5000):
            r = client.post(f"/api/v1/counters/{counter_id}/call-next",
                            json={"complete_current": True})  # fmt: skip
            assert r.status_code == 200, r.text
            ticket = r.json()["ticket"]
            if ticket is not None:
                assert ticket["state"] == "called" and ticket["counter_id"] == counter_id
                called.append(ticket["id"])
            elif not issuing.is_set():
                return called
    raise AssertionError(f"counter {counter_id} never saw an empty queue")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_issuing_while_counters_call_in_one_branch(
    backend: str, tmp_path: Path, templates: Templates
) -> None:
    """Issuing takes no queue lock (PostgreSQL): kiosks issue in two services, one with a daily
    quota, while clerks call from both. Numbers stay gap-free per service, the quota holds
    exactly, each ticket is called once, and every server's stream has every seq once, in
    order (seqs are taken at the commit, which no deadlock interrupts: every answer is a 2xx
    or a quota refusal)."""
    with deployment(backend, tmp_path, templates) as servers, ExitStack() as stack:
        setup = Remote(servers[0])
        try:
            a = setup.service("A")
            b = setup.service("B", daily_quota=QUOTA_B)
            issuer = setup.user("issuer")
            clerks, counters = [], []
            for n in range(1, CLERKS + 1):
                counter = setup.counter(n, [a["id"], b["id"]])
                clerk = setup.user(f"clerk{n}")
                setup.post(f"/api/v1/counters/{counter['id']}/open", headers=clerk)
                counters.append(counter["id"])
                clerks.append(clerk)
            attempts = 2 * MIXED_ISSUERS * MIXED_EACH
            issued_b = min(QUOTA_B, MIXED_ISSUERS * MIXED_EACH)
            total = MIXED_ISSUERS * MIXED_EACH + issued_b
            token = issuer["Authorization"].split()[1]
            watchers = [Follower(stack, sv.url, token) for sv in servers]
            issuing = threading.Event()
            issuing.set()

            def issuers_then_stop(i: int) -> tuple[list[dict[str, Any]], int]:
                service = (a, b)[i % 2]
                try:
                    url = servers[i % len(servers)].url
                    return issue_or_refuse(url, issuer, service["id"], MIXED_EACH)
                finally:
                    done.append(i)
                    if len(done) == 2 * MIXED_ISSUERS:
                        issuing.clear()

            done: list[int] = []
            work: list[Callable[[], Any]] = [
                partial(issuers_then_stop, i) for i in range(2 * MIXED_ISSUERS)
            ]
            work += [
                partial(
                    calling_loop, servers[i % len(servers)].url, clerks[i], counters[i], issuing
                )
                for i in range(CLERKS)
            ]
            results = run_concurrently(work)
            batches, calls = results[: 2 * MIXED_ISSUERS], results[2 * MIXED_ISSUERS :]
            tickets = [t for batch, _ in batches for t in batch]
            refused = sum(n for _, n in batches)
            assert refused == attempts - total
            for prefix, count in (("A", MIXED_ISSUERS * MIXED_EACH), ("B", issued_b)):
                numbers = sorted(t["number"] for t in tickets if t["number"][0] == prefix)
                assert numbers == [f"{prefix}{i:03d}" for i in range(1, count + 1)]
            called = [t for ids in calls for t in ids]
            duplicates = [t for t, n in Counter(called).items() if n > 1]
            assert not duplicates, f"called more than once: {duplicates}"
            assert set(called) == {t["id"] for t in tickets}
            stored = setup.get("/api/v1/tickets", branch_id=1, limit=1000)
            assert Counter(t["state"] for t in stored) == {"done": total}
            assert {t["calls"] for t in stored} == {1}
            final = last_seq(servers[0].url, token)
            for watcher in watchers:
                events, start = watcher.follow(final), watcher.snapshot["seq"]
                assert [e["seq"] for e in events] == list(range(start + 1, final + 1))
                types = Counter(e["type"] for e in events)
                assert types["ticket.issued"] == total and types["ticket.called"] == total
        finally:
            setup.close()
