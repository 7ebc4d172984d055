"""The schema's triggers (migrations/triggers.py): after every migration, up and down, exactly the
triggers of that revision exist; a SQLite batch operation drops a table's triggers and
`recreate_triggers` brings them back; a later definition replaces an earlier one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import op
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, pool, text

from migrations import triggers
from server.core.migrate import alembic_config, downgrade, newest_revision, upgrade

pytestmark = pytest.mark.integration  # real SQLite and PostgreSQL databases


def revisions(url: str) -> list[str]:
    """Every revision, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config(url))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def present(url: str) -> tuple[dict[str, str], set[str]]:
    """({trigger name: its table}, {function name}) as the database reports them."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.execute(text(
                    "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
                )).all()  # fmt: skip
                return {name: table for name, table in rows}, set()
            rows = connection.execute(text(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal"
            )).all()  # fmt: skip
            functions = connection.execute(text(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND p.prokind = 'f'"
            )).scalars()  # fmt: skip
            return {name: table for name, table in rows}, set(functions)
    finally:
        engine.dispose()


def expected(dialect: str, revision: str | None) -> tuple[dict[str, str], set[str]]:
    found = triggers.expected_triggers(dialect, revision)
    functions = triggers.expected_functions(dialect, revision)
    return {name: t.table for name, t in found.items()}, {f.name for f in functions.values()}


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def test_every_trigger_of_a_revision_exists_after_each_migration_up_and_down(
    empty_url: str,
) -> None:
    db_url = empty_url
    dialect, steps = dialect_of(db_url), revisions(db_url)
    assert steps[-1] == newest_revision()
    assert present(db_url) == expected(dialect, None) == ({}, set())
    for revision in steps:
        upgrade(db_url, revision)
        assert present(db_url) == expected(dialect, revision), f"after upgrading to {revision}"
    assert present(db_url)[0], "the head has triggers"
    for revision in reversed(steps[:-1]):
        downgrade(db_url, revision)
        assert present(db_url) == expected(dialect, revision), f"after downgrading to {revision}"
    downgrade(db_url, "base")
    assert present(db_url) == ({}, set())


@contextmanager
def migrating(url: str) -> Iterator[Connection]:
    """`alembic.op` on `url`, as inside a migration script (committed at the end)."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            with Operations.context(context):
                yield connection
    finally:
        engine.dispose()


def sqlite_triggers(connection: Connection) -> dict[str, str]:
    rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return {name: sql for name, sql in rows}


def test_a_batch_operation_drops_a_tables_triggers_and_the_helper_creates_them_again(
    tmp_path: Path,
) -> None:
    url, head = f"sqlite:///{tmp_path}/batch.db", newest_revision()
    upgrade(url)
    on_service = {name for name, t in triggers.expected_triggers("sqlite", head).items()
                  if t.table == "service"}  # fmt: skip
    assert on_service
    with migrating(url) as connection:
        before = sqlite_triggers(connection)
        with op.batch_alter_table("service", recreate="always"):
            pass  # what a column change does on SQLite: copy the table, drop the old one
        assert on_service.isdisjoint(sqlite_triggers(connection)), "gone, without a word"
        triggers.recreate_triggers("service", head)
        assert sqlite_triggers(connection) == before
    assert present(url) == expected("sqlite", head)


def test_rebuilding_a_table_other_triggers_read_keeps_every_trigger(tmp_path: Path) -> None:
    url, head = f"sqlite:///{tmp_path}/rebuild.db", newest_revision()
    upgrade(url)
    with migrating(url) as connection:
        before = sqlite_triggers(connection)
        # ticket_event's triggers read ticket: without `rebuilding`, SQLite refuses the rename
        with (
            triggers.rebuilding("ticket", head),
            op.batch_alter_table("ticket", recreate="always"),
        ):
            pass
        assert sqlite_triggers(connection) == before
    assert present(url) == expected("sqlite", head)


def test_a_later_definition_replaces_the_earlier_one_and_its_downgrade_restores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, head = f"sqlite:///{tmp_path}/later.db", newest_revision()
    later = f"{int(head) + 1:04d}"
    changed = triggers.Trigger(
        "stats_rollup_service_delete", "service", "sqlite", later,
        "AFTER DELETE ON service BEGIN DELETE FROM stats_rollup; END",
    )  # fmt: skip
    removed = triggers.Trigger("service_day_waiting_delete", "ticket", "sqlite", later, None)
    monkeypatch.setattr(triggers, "TRIGGERS", (*triggers.TRIGGERS, changed, removed))
    assert triggers.expected_triggers("sqlite", later)[changed.name] == changed
    assert removed.name not in triggers.expected_triggers("sqlite", later)
    upgrade(url)
    with migrating(url) as connection:
        at_head = sqlite_triggers(connection)
        triggers.create(later)
        now = sqlite_triggers(connection)
        assert now[changed.name] == f"CREATE TRIGGER {changed.name} {changed.ddl}"
        assert set(now) == set(at_head) - {removed.name}
        triggers.drop(later)
        assert sqlite_triggers(connection) == at_head
