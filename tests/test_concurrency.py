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
