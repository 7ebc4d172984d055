"""The test layers, one marker each (registered in pyproject.toml):

- `unit`: no database, no network, no subprocess; milliseconds. `pytest -m unit`.
- `integration`: a real database (SQLite, and PostgreSQL + Redis when reachable) or a real
  socket, in this process.
- `e2e`: live `hallq serve` processes and the agents.
- `browser`: Chromium driven by playwright (against live servers too).

A test's layer comes from what it uses: `page`/`browser` make it a browser test, `server` an
e2e test, `db_url` (and so `settings`, `api`) or `templates` an integration test. A test that
starts its own processes or databases says so with a marker of its own, on the test or on the
module (`pytestmark`); a marker always wins. Anything else is a unit test, and a unit test that
opens a socket, a database or a process fails at once, so a missing marker is found, not hidden.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

LAYERS = ("unit", "integration", "e2e", "browser")
BY_FIXTURE = (  # the first that a test uses decides
    ("browser", "browser"),
    ("server", "e2e"),
    ("db_url", "integration"),
    ("templates", "integration"),
)


def layer_of(item: pytest.Item) -> str:
    marked = {mark.name for mark in item.iter_markers() if mark.name in LAYERS}
    if len(marked) > 1:
        raise pytest.UsageError(f"{item.nodeid} has several layers: {sorted(marked)}")
    if marked:
        return marked.pop()
    fixtures = getattr(item, "fixturenames", ())
    return next((layer for name, layer in BY_FIXTURE if name in fixtures), "unit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = layer_of(item)
        if item.get_closest_marker(layer) is None:
            item.add_marker(layer)


class NotAUnitTest(Exception):
    """A test without a layer marker used a database, the network or a process."""


def _refuse(what: str) -> Any:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise NotAUnitTest(
            f"a unit test may not use {what}: mark it `integration`, `e2e` or `browser` "
            "(tests/layers.py)"
        )

    return refuse


@pytest.fixture(autouse=True)
def _unit_tests_stay_pure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Keep `unit` honest: no connecting sockets, no SQLite, no PostgreSQL, no subprocess.
    (Sockets that are only created, bound or paired stay allowed: every asyncio loop opens a
    socketpair to wake itself.)"""
    if request.node.get_closest_marker("unit") is None:
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _refuse("the network"))
        mp.setattr(socket.socket, "connect_ex", _refuse("the network"))
        mp.setattr(sqlite3, "connect", _refuse("SQLite"))
        mp.setattr(sqlite3.dbapi2, "connect", _refuse("SQLite"))  # what SQLAlchemy calls
        mp.setattr(subprocess.Popen, "__init__", _refuse("a subprocess"))
        try:
            import psycopg
        except ImportError:  # pragma: no cover - psycopg is a dev dependency
            pass
        else:
            mp.setattr(psycopg, "connect", _refuse("PostgreSQL"))
            mp.setattr(psycopg.Connection, "connect", _refuse("PostgreSQL"))
        yield
