"""Databases for the tests, migrated once per session and copied per test.

Migrating with Alembic for every test cost each API test the Alembic import and seven
migrations, and on PostgreSQL also creating and dropping an empty database. Here each kind of
database is built once per session as a template, and each test gets a copy of it:
- SQLite: a file copy of the template (its WAL checkpointed into the file first). A copy is a
  new file at a new path, so nothing the server keeps per connection or per path carries over.
- PostgreSQL: a copy (`CREATE DATABASE … TEMPLATE …`) is made once and then reused: after a
  test, one script (one round trip, one transaction) ends the connections left to it, empties
  every table, puts back the template's rows and sets every sequence where the template has
  it (~25 ms). A copy per test cost PostgreSQL ~0.5 s to create and, with its checkpoint,
  up to 3 s to drop on a loaded machine, for every one of some 700 tests: the server's own
  work, competing with the suite's two sessions on two cores. A copy whose reset fails is
  dropped. At the session's end the copies are dropped. Only databases made here are
  dropped.

tests/test_migrations.py, and the tests of a server that migrates an empty database on start,
still run the real migrations.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import pytest

from tests.support import Clock, require_service

PG_DSN = "host=127.0.0.1 user=postgres dbname={}"
PG_HOST = PG_DSN.format("postgres")
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
        self._reset: dict[Kind, str] = {}  # the script that makes a used copy as new
        self._free: dict[Kind, list[str]] = {}  # copies reset, ready for a test
        self._resetting: dict[Kind, set[Future[None]]] = {}
        self._copies: set[str] = set()  # every copy made, for the end of the session
        self._lock = threading.Lock()
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
        """A database of its own, as the template is (a reused copy, reset); given back to be
        reset afterwards, off the test's path."""
        require_service("PostgreSQL", 5432)
        if kind not in self._postgres:
            template = _name(f"hallq_tmpl_{kind.value}")
            _pg(f'CREATE DATABASE "{template}"')
            try:
                _build(PG_URL.format(template), kind)
                self._reset[kind] = _reset_script(template)
            except BaseException:
                _drop(template)
                raise
            self._postgres[kind] = template
        name = self._take(kind)
        try:
            yield PG_URL.format(name)
        finally:
            self._give_back(kind, name)

    def _take(self, kind: Kind) -> str:
        """A reset copy: a free one, else one being reset (~25 ms), else a new copy."""
        while True:
            with self._lock:
                free = self._free.setdefault(kind, [])
                if free:
                    return free.pop()
                pending = set(self._resetting.get(kind, ()))
            if not pending:
                break
            wait(pending, return_when=FIRST_COMPLETED)
        name = _copy(self._postgres[kind])
        with self._lock:
            self._copies.add(name)
        return name

    def _give_back(self, kind: Kind, name: str) -> None:
        def reset() -> None:
            try:
                _run_script(name, self._reset[kind])
            except Exception:
                with self._lock:
                    self._copies.discard(name)
                _drop(name)
                return
            with self._lock:
                self._free.setdefault(kind, []).append(name)

        with self._lock:
            job = self._background.submit(reset)
            self._resetting.setdefault(kind, set()).add(job)
        job.add_done_callback(lambda done: self._forget_reset(kind, done))

    def _forget_reset(self, kind: Kind, job: Future[None]) -> None:
        with self._lock:
            self._resetting.get(kind, set()).discard(job)

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
        with self._lock:
            resetting = [job for jobs in self._resetting.values() for job in jobs]
        wait(resetting)
        with self._lock:
            copies, self._copies = self._copies, set()
        for name in copies:
            self._drop_soon(name)
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
    """A copy of `template`. Its commits do not wait for the WAL's flush (synchronous_commit
    off; a setting of the database, so every connection to it has it): the tests never crash
    PostgreSQL itself, and the flush was a wait of every commit of every test."""
    name = _name("hallq_test")
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _pg(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name


def _reset_script(template: str) -> str:
    """One script that makes a copy of `template` as the template is: the connections left
    to it ended, every table emptied (triggers and foreign keys off meanwhile), the
    template's rows put back, every sequence where the template has it."""
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb

    with psycopg.connect(PG_DSN.format(template)) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version' ORDER BY tablename"
        )]  # fmt: skip
        parts = [
            sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            sql.SQL("SET LOCAL session_replication_role = replica"),
        ]  # fmt: skip
        parts += [sql.SQL("DELETE FROM {}").format(sql.Identifier(t)) for t in tables]
        for table in tables:
            cursor = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
            columns = sql.SQL(", ").join(sql.Identifier(c.name) for c in cursor.description or ())
            for row in cursor.fetchall():
                values = [Jsonb(v) if isinstance(v, dict | list) else v for v in row]
                parts.append(
                    sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                        sql.Identifier(table), columns, sql.SQL(", ").join(map(sql.Literal, values))
                    )
                )
        for sequence, value, called in conn.execute(
            "SELECT schemaname || '.' || sequencename, coalesce(last_value, start_value), "
            "last_value IS NOT NULL FROM pg_sequences WHERE schemaname = 'public'"
        ):
            parts.append(sql.SQL("SELECT setval({}, {}, {})").format(
                sql.Literal(sequence), sql.Literal(value), sql.Literal(called)))  # fmt: skip
        return sql.SQL(";\n").join(parts).as_string(conn)


def _run_script(name: str, script: str) -> None:
    """The statements of `script` in one round trip, one transaction (the simple query
    protocol runs a multi-statement string as one implicit transaction)."""
    import psycopg

    with psycopg.connect(PG_DSN.format(name), autocommit=True) as conn:
        conn.execute(script.encode(), prepare=False)


def _drop(name: str) -> None:
    try:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception as error:
        raise RuntimeError(f"{name}: {error}") from error
