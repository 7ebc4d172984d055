"""Schema migrations through Alembic; the server refuses an unmigrated database.

Alembic (with Mako and Pygments behind it) takes ~0.3 s to import, a fifth of the server's
start: whether a database is at head is read without it, and Alembic is imported only to
migrate.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, pool, text
from sqlalchemy.engine import make_url

import migrations

if TYPE_CHECKING:
    from alembic.config import Config

VERSIONS = Path(migrations.__file__).parent / "versions"


@functools.cache
def newest_revision() -> str:
    """The head revision, read from the file names: migrations/versions/NNNN_what.py holds
    revision "NNNN" (tests/test_migrations.py holds this equal to Alembic's head)."""
    return max(path.name.split("_", 1)[0] for path in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _ensure_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


MIGRATION_LOCK = 0x68616C6C71  # PostgreSQL advisory lock key ("hallq")


def _locking_engine(url: str) -> Engine:
    """An engine whose transactions hold the database's write lock from their first statement:
    BEGIN IMMEDIATE on SQLite; on PostgreSQL the caller takes a transaction advisory lock."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, poolclass=pool.NullPool)
    engine = create_engine(url, poolclass=pool.NullPool, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        # WAL from the start: switching a database to WAL later needs an exclusive lock, and a
        # server switching it while another one migrates gets "database is locked" at once
        dbapi_conn.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate in one transaction that holds a lock, so that several servers starting at once
    on one database migrate it once: the others wait, then find it at head."""
    if revision == "head" and is_current(url):
        return
    from alembic import command

    _ensure_dir(url)
    config = alembic_config(url)
    engine = _locking_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK})  # fmt: skip
            else:
                connection.exec_driver_sql("SELECT 1")  # begins the locked transaction
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head_revision(url: str) -> str | None:
    """The head according to Alembic's scripts (what `newest_revision` must say)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database is at (None: not migrated at all)."""
    _ensure_dir(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    if len(versions) > 1:
        raise RuntimeError(f"the database has several migration heads: {versions}")
    return str(versions[0][0]) if versions else None


def is_current(url: str) -> bool:
    return current_revision(url) == newest_revision()
