"""Issue 13, item 1: subscribers connecting at the same moment to a process with no subscriber
for the branch yet — half replaying with `since` far back, half taking a snapshot — while three
clients issue tickets: none of them skips or repeats a seq (on SQLite, and PostgreSQL + Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import burst
from tests.databases import Kind, Templates
from tests.support import REDIS_URL, LiveServer, Remote, live_env, require_service

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "postgres"])
def live(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Iterator[LiveServer]:
    if request.param == "sqlite":
        env = live_env(templates.sqlite(tmp_path / "hallq.db", Kind.SCHEMA))
        server = LiveServer(env)
        try:
            yield server.start()
        finally:
            server.stop()
        return
    require_service("Redis", 6379)
    with templates.postgres(Kind.SCHEMA) as url:
        server = LiveServer(live_env(url, REDIS_URL))
        try:
            yield server.start()
        finally:
            server.stop()


@pytest.mark.slow
def test_subscribers_connecting_together_skip_and_repeat_nothing(live: LiveServer) -> None:
    remote = Remote(live)
    try:
        service = remote.service("A")
        _, kiosk = remote.device("kiosk")
        _, display = remote.device("display")
    finally:
        remote.close()
    shape = {"rounds": 3, "subscribers": 16, "issuers": 3, "history": 1200, "issue_s": 1.0}
    result = asyncio.run(burst.run(live.url, kiosk, display, service["id"], **shape))
    assert result.subscribers == 48 and result.issued > 0
    faults = [(lost, rep) for lost, rep in zip(result.lost, result.repeated, strict=True)]
    assert (result.losing, result.repeating) == (0, 0), f"(lost, repeated) per subscriber: {faults}"
