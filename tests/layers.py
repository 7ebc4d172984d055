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

A module whose tests are all of one layer says so at its top (`pytestmark = pytest.mark.<layer>`):
then `-m` skips the whole module without importing it, which keeps `pytest -m unit` fast.
"""

from __future__ import annotations

import functools
import itertools
import re
import socket
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
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


_DECLARED = re.compile(r"^pytestmark = \[?pytest\.mark\.(\w+)\b", re.MULTILINE)
_NAMES = re.compile(r"[\w:+\-.\[\]]+")


def declared_layer(path: Path) -> str | None:
    """The layer of all the tests of a module, if its `pytestmark` begins with one."""
    match = _DECLARED.search(path.read_text(encoding="utf-8"))
    return match.group(1) if match and match.group(1) in LAYERS else None


def _has(marks: dict[str, bool], name: str, /, **_kwargs: object) -> bool:
    return marks.get(name, False)


def may_select(expression: str, layer: str) -> bool:
    """Whether `-m expression` may select a test of `layer`, whatever its other markers."""
    from _pytest.mark.expression import Expression  # pytest's own parser of -m

    compiled = Expression.compile(expression)
    others = sorted(set(_NAMES.findall(expression)) - {"and", "or", "not", *LAYERS})
    if len(others) > 8:
        return True
    for values in itertools.product((False, True), repeat=len(others)):
        marks = dict(zip(others, values, strict=True)) | {name: name == layer for name in LAYERS}
        if compiled.evaluate(functools.partial(_has, marks)):
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip importing a module of one declared layer that `-m` does not select."""
    expression = config.option.markexpr
    if not expression or not collection_path.name.startswith("test_"):
        return None
    if collection_path.suffix != ".py" or (layer := declared_layer(collection_path)) is None:
        return None
    return None if may_select(expression, layer) else True


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = layer_of(item)
        if item.get_closest_marker(layer) is None:
            item.add_marker(layer)


class NotAUnitTest(Exception):
    """A test without a layer marker used a database, the network or a process."""


# Set while a unit test runs, in its thread (and in what it hands to asyncio.to_thread, which
# copies the context). Threads that started earlier, such as the databases' background drops
# or a module's live agent, have contexts of their own and are left alone.
_in_unit_test: ContextVar[bool] = ContextVar("in_unit_test", default=False)


def _guarded(what: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _in_unit_test.get():
            raise NotAUnitTest(
                f"a unit test may not use {what}: mark it `integration`, `e2e` or `browser` "
                "(tests/layers.py)"
            )
        return original(*args, **kwargs)

    return guarded


def _guard(mp: pytest.MonkeyPatch) -> None:
    targets: list[tuple[Any, str, str]] = [
        (socket.socket, "connect", "the network"),
        (socket.socket, "connect_ex", "the network"),
        (sqlite3, "connect", "SQLite"),
        (sqlite3.dbapi2, "connect", "SQLite"),  # what SQLAlchemy calls
        (subprocess.Popen, "__init__", "a subprocess"),
    ]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dev dependency
        pass
    else:
        targets += [
            (psycopg, "connect", "PostgreSQL"),
            (psycopg.Connection, "connect", "PostgreSQL"),
        ]
    for owner, name, what in targets:
        mp.setattr(owner, name, _guarded(what, getattr(owner, name)))


@pytest.fixture(autouse=True)
def _unit_tests_stay_pure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Keep `unit` honest: no connecting sockets, no SQLite, no PostgreSQL, no subprocess.
    (Sockets that are only created, bound or paired stay allowed: every asyncio loop opens a
    socketpair to wake itself.)"""
    if request.node.get_closest_marker("unit") is None:
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        _guard(mp)
        token = _in_unit_test.set(True)
        try:
            yield
        finally:
            _in_unit_test.reset(token)
