"""Exports run on their own connections, a few at a time; the hall keeps working meanwhile
(issue 13, item 6). The exports are held mid-file by a gate, so that they overlap for sure."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.core.settings import Settings
from server.stats.reports import export as files
from tests.conftest import Api
from tests.support import Clock, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

LIMIT = 2
WAIT_S = 30


class Gate:
    """Holds every export at its first row until opened; counts the exports it holds."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.held = threading.Semaphore(0)

    def wrap(self, records: Any) -> Any:
        def gated(*args: Any, **kwargs: Any) -> Iterator[Any]:
            for i, row in enumerate(records(*args, **kwargs)):
                if i == 0:
                    self.held.release()
                    assert self.open.wait(WAIT_S), "the gate was never opened"
                yield row

        return gated


@pytest.fixture
def limited(settings: Settings, clock: Clock) -> Iterator[Api]:
    limited_settings = settings.model_copy(update={"max_exports": LIMIT})
    with TestClient(create_app(limited_settings, clock=clock)) as client:
        yield Api(client)


def export(api: Api, format: str = "csv") -> httpx.Response:
    params = {"branch_id": 1, "format": format}
    return api.client.get("/api/v1/stats/export", params=params, headers=api.admin)


def test_exports_beyond_the_limit_get_429_and_the_hall_keeps_working(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = limited
    service = api.service("A")
    display = api.device("display")[1]
    for _ in range(3):
        api.issue(service["id"])
    gate = Gate()
    monkeypatch.setattr(files, "ticket_records", gate.wrap(files.ticket_records))
    db = api.client.app.state.hallq.db  # type: ignore[attr-defined]
    with ThreadPoolExecutor(LIMIT) as pool:
        running = [pool.submit(export, api, fmt) for fmt in ("csv", "xlsx")[:LIMIT]]
        try:
            for _ in range(LIMIT):
                assert gate.held.acquire(timeout=WAIT_S), "the exports did not start"
            # the exports hold no connection of the request pool: while they are held, the
            # pool is seen empty (a background task, the print-job expiry, may borrow one briefly)
            wait_until(lambda: db.reader.pool.checkedout() == 0, WAIT_S, "an idle request pool")
            for fmt in ("csv", "xlsx", "csv"):
                refused = export(api, fmt)
                assert refused.status_code == 429, refused.text
                assert refused.json()["error"] == "rate_limited"
                assert int(refused.headers["retry-after"]) > 0
            ticket = api.issue(service["id"])
            assert ticket["number"] == "A004"
            api.get("/api/v1/branches/1/queue", display)  # the displays are answered
        finally:
            gate.open.set()
        done = [f.result(timeout=WAIT_S) for f in running]
    csv_file, xlsx_file = done
    assert csv_file.status_code == 200, csv_file.text
    assert int(csv_file.headers["content-length"]) == len(csv_file.content)
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3  # the header, every ticket as the export began: the whole file
    assert xlsx_file.status_code == 200 and xlsx_file.content.startswith(b"PK")
    assert int(xlsx_file.headers["content-length"]) == len(xlsx_file.content)
    # the slots are free again
    assert export(api).status_code == 200


def test_grouped_exports_count_against_the_limit_too(
    limited: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = limited
    api.issue(api.service("A")["id"])
    gate = Gate()
    monkeypatch.setattr(files, "ticket_records", gate.wrap(files.ticket_records))
    with ThreadPoolExecutor(LIMIT) as pool:
        running = [pool.submit(export, api) for _ in range(LIMIT)]
        try:
            for _ in range(LIMIT):
                assert gate.held.acquire(timeout=WAIT_S)
            grouped = api.client.get(
                "/api/v1/stats/export",
                params={"branch_id": 1, "kind": "grouped", "format": "xlsx"},
                headers=api.admin,
            )
            assert grouped.status_code == 429 and grouped.json()["error"] == "rate_limited"
        finally:
            gate.open.set()
        assert all(f.result(timeout=WAIT_S).status_code == 200 for f in running)
