"""Databases for the tests, migrated once per session and copied per test.

Migrating with Alembic for every test cost each API test the Alembic import and seven
migrations, and on PostgreSQL also creating and dropping an empty database. Here each kind of
database is built once per session as a template, and each test gets a copy of it:
- SQLite: a file copy of the template (its WAL checkpointed into the file first). A copy is a
  new file at a new path, so nothing the server keeps per connection or per path carries over.
- PostgreSQL: `CREATE DATABASE … TEMPLATE …`, the next test's copy made while a test runs.
  Dropping a database forces a checkpoint (~0.5 s), so the copies are dropped by background
  threads, where concurrent drops share their checkpoints, and the session waits for them at
  its end. Only databases made here are dropped.

tests/test_migrations.py, and the tests of a server that migrates an empty database on start,
still run the real migrations.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import pytest

from tests.support import Clock, require_service

PG_HOST = "host=127.0.0.1 user=postgres dbname=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{}"
ADMIN_PASSWORD = "admin-password-1"


class Kind(Enum):
    SCHEMA = "schema"  # migrated and empty: what `hallq serve` finds and bootstraps on start
    HALL = "hall"  # also the default branch and `admin` (ADMIN_PASSWORD), as on first start


def bootstrap_hall(url: str) -> None:
    """The default branch and the admin, as the first start creates them. The password is
    hashed at argon2id's minimal cost: verifying a hash costs what its own parameters say, so
    every admin login of every test would otherwise pay the production cost."""
    from server.core.context import Ctx
    from server.core.engine import Database
    from server.core.settings import Settings
    from server.halls import bootstrap
    from tests.support import cheap_password_hashing

    settings = Settings(database_url=url, bus_url="memory://", admin_password=ADMIN_PASSWORD)
    ctx = Ctx(Database(url), settings, Clock(), None)
    try:
        with pytest.MonkeyPatch.context() as mp:
            cheap_password_hashing(mp)
            bootstrap.ensure_default_branch(ctx)
            bootstrap.ensure_admin(ctx, ADMIN_PASSWORD)
    finally:
        ctx.db.dispose()


def _build(url: str, kind: Kind) -> None:
    from server.core.migrate import upgrade

    upgrade(url)
    if kind is Kind.HALL:
        bootstrap_hall(url)


def _pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_HOST, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


class Templates:
    """The session's templates, built on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sqlite: dict[Kind, Path] = {}
        self._postgres: dict[Kind, str] = {}
        self._next: dict[Kind, Future[str]] = {}  # a copy made ahead, while a test runs
        self._drops: list[Future[None]] = []
        self._background = ThreadPoolExecutor(4, thread_name_prefix="test-databases")

    def sqlite(self, path: Path, kind: Kind = Kind.HALL) -> str:
        """A copy of the template at `path`; returns its URL."""
        if kind not in self._sqlite:
            template = self.root / f"{kind.value}.db"
            _build(f"sqlite:///{template}", kind)
            connection = sqlite3.connect(template)
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
            wal = template.with_name(template.name + "-wal")
            assert not wal.exists() or wal.stat().st_size == 0, "template's WAL not checkpointed"
            self._sqlite[kind] = template
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite[kind], path)
        return f"sqlite:///{path}"

    @contextmanager
    def postgres(self, kind: Kind = Kind.HALL) -> Iterator[str]:
        """A copy of the template as a database of its own, dropped afterwards. The copy for
        the next test is made meanwhile (~0.3 s of PostgreSQL's own work, off the test's path)."""
        require_service("PostgreSQL", 5432)
        if kind not in self._postgres:
            template = _name(f"hallq_tmpl_{kind.value}")
            _pg(f'CREATE DATABASE "{template}"')
            try:
                _build(PG_URL.format(template), kind)
            except BaseException:
                _drop(template)
                raise
            self._postgres[kind] = template
        template = self._postgres[kind]
        ahead = self._next.pop(kind, None)
        name = ahead.result() if ahead is not None else _copy(template)
        self._next[kind] = self._background.submit(_copy, template)
        try:
            yield PG_URL.format(name)
        finally:
            self._drop_soon(name)

    @contextmanager
    def postgres_empty(self) -> Iterator[str]:
        """An empty database (nothing migrated), dropped afterwards."""
        require_service("PostgreSQL", 5432)
        name = _name("hallq_test")
        _pg(f'CREATE DATABASE "{name}"')
        try:
            yield PG_URL.format(name)
        finally:
            self._drop_soon(name)

    def _drop_soon(self, name: str) -> None:
        self._drops.append(self._background.submit(_drop, name))

    def close(self) -> None:
        """Drop the copies, then the templates (a template cannot go while it is copied)."""
        failed = []
        for ahead in self._next.values():
            try:
                self._drop_soon(ahead.result())
            except Exception as error:
                failed.append(str(error))
        self._background.shutdown(wait=True)
        failed += [str(f.exception()) for f in self._drops if f.exception() is not None]
        for template in self._postgres.values():
            try:
                _drop(template)
            except Exception as error:
                failed.append(str(error))
        if failed:
            raise RuntimeError(f"test databases left behind: {failed}")


def _name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def _copy(template: str) -> str:
    name = _name("hallq_test")
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def _drop(name: str) -> None:
    try:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:
        raise RuntimeError(f"{name}: {error}") from error
