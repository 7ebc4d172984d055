"""Engines and sessions.

SQLite: WAL, synchronous=FULL, foreign keys on, and exactly one writer connection — several
writer connections measured 0.5–1 s tails from lock retries. Writes begin with BEGIN IMMEDIATE
so that several processes on one file also serialise cleanly. Reads use their own small pool and
see a consistent WAL snapshot per transaction.
PostgreSQL: one pooled engine; writers lock the branch row first (see unit_of_work).
`Database.writes` runs write jobs: grouped into one commit on SQLite (server/core/writer.py).
File exports read on connections of their own, a few at a time (server/core/exports.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from server.core.exports import ExportLane
from server.core.prepared import track
from server.core.writer import DirectWriter, GroupCommitter, Writer


def _sqlite_engine(url: str, *, writer: bool, pool_size: int = 8) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=1 if writer else pool_size,
        max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if writer:
            # Each job of a group commit runs in a SAVEPOINT, so SQLite copies every page the
            # job changes to a statement journal, which goes to a temporary file once past
            # 64 KiB: an issue with its audit record changes ~18 pages and paid that file's
            # create, writes and unlink every time (docs/audit.md, costs). In memory: the pages
            # a job changes; ~50 MB for the largest (an audit purge of 50,000 records).
            cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    if writer:
        _direct_savepoints(engine)
    return engine


def _direct_savepoints(engine: Engine) -> None:
    """Group commit puts every job in a SAVEPOINT. SQLAlchemy compiles each SAVEPOINT and
    RELEASE anew (the names differ), ~100 µs per job; these three dialect hooks send the same
    statements straight to the driver. (The ORM's own bookkeeping of the nested transaction
    is kept: it undoes a failed job's objects.)"""
    dialect: Any = engine.dialect

    def driver(statement: str) -> Callable[[Any, str], None]:
        def run(conn: Any, name: str) -> None:
            conn.connection.dbapi_connection.execute(f"{statement} {name}")

        return run

    dialect.do_savepoint = driver("SAVEPOINT")
    dialect.do_release_savepoint = driver("RELEASE SAVEPOINT")
    dialect.do_rollback_to_savepoint = driver("ROLLBACK TO SAVEPOINT")


class Database:
    """The writer and reader engines of one database URL, and the export lane."""

    def __init__(self, url: str, *, max_exports: int = 2, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.writer = _sqlite_engine(url, writer=True)
            self.reader = _sqlite_engine(url, writer=False)
        else:
            # Requests wait for a connection rather than open more: two instances of two
            # workers at 20 + 10 each passed PostgreSQL's default max_connections (100) under
            # load and answered 503 (docs/benchmarks.md, scale-out).
            self.writer = create_engine(
                url, pool_size=pool_size, max_overflow=pool_size // 2, pool_pre_ping=True
            )
            self.reader = self.writer
        self.exports = ExportLane(self._export_engine, max_exports)
        self.lasting: dict[Hashable, Any] = {}
        """Facts a row never changes once written (a counter's branch), kept while this
        object lasts: one database's, unlike a module's global."""
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)
        track(self._write_sessions)
        self.writes: Writer = (
            GroupCommitter(self._write_sessions)
            if self.is_sqlite
            else DirectWriter(self._write_sessions)
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; one consistent snapshot for the whole block."""
        with self._read_sessions() as session:
            if not self.is_sqlite:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session  # closing ends the transaction; loaded objects stay readable

    def _export_engine(self, size: int) -> Engine:
        if self.is_sqlite:
            return _sqlite_engine(self.url, writer=False, pool_size=size)
        return create_engine(self.url, pool_size=size, max_overflow=0, pool_pre_ping=True)

    def identity(self) -> str:
        """A short name of this very database, the same from every server using it (whatever
        host name or path they reach it by): it namespaces the bus channels."""
        parsed = make_url(self.url)
        if self.is_sqlite:
            if parsed.database in (None, "", ":memory:"):
                name = f"memory:{id(self)}"
            else:
                name = str(Path(parsed.database).resolve())
        else:
            try:
                with self.writer.connect() as connection:
                    cluster = connection.exec_driver_sql(
                        "SELECT system_identifier FROM pg_control_system()"
                    ).scalar()
                    oid = connection.exec_driver_sql(
                        "SELECT oid FROM pg_database WHERE datname = current_database()"
                    ).scalar()
                name = f"pg:{cluster}:{oid}"
            except DBAPIError:
                name = f"pg:{parsed.host}:{parsed.port}/{parsed.database}"
        return hashlib.sha256(name.encode()).hexdigest()[:12]

    def write_session(self) -> Session:
        return self._write_sessions()

    def dispose(self) -> None:
        self.writes.close()
        self.exports.dispose()
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()
