"""Migrations: empty → head → base → head on both databases, and the models match the schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from server.core.migrate import (
    current_revision,
    downgrade,
    head_revision,
    is_current,
    newest_revision,
    upgrade,
)
from server.schema import metadata

pytestmark = pytest.mark.integration


def tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def schema_diff(url: str) -> list[object]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    head = head_revision(empty_url)
    assert head == newest_revision()  # what the server compares with, without Alembic
    assert current_revision(empty_url) is None and tables(empty_url) == set()
    upgrade(empty_url)
    assert current_revision(empty_url) == head and is_current(empty_url)
    assert tables(empty_url) == set(metadata.tables)
    upgrade(empty_url)  # at head already: nothing to do
    assert current_revision(empty_url) == head
    downgrade(empty_url, "base")
    assert current_revision(empty_url) is None and not is_current(empty_url)
    assert tables(empty_url) == set()
    upgrade(empty_url)
    assert current_revision(empty_url) == head
    assert tables(empty_url) == set(metadata.tables)


def test_the_models_match_the_migrated_schema(empty_url: str) -> None:
    upgrade(empty_url)
    assert schema_diff(empty_url) == []


def test_the_audit_migration_chains_the_events_stored_before(empty_url: str) -> None:
    """0012 turns the ticket events of an older database into the trail's first records."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    import server.audit.service as audit
    from server.core.engine import Database

    upgrade(empty_url, "0011")
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as c:
            c.execute(text("INSERT INTO branch (id, name, timezone, locale, settings, last_seq) "
                           "VALUES (1, 'b', 'UTC', 'en', '{}', 3)"))  # fmt: skip
            for seq, (kind, user) in enumerate(
                [("ticket.issued", None), ("ticket.called", 7), ("ticket.rated", None)], 1
            ):
                c.execute(
                    text("INSERT INTO ticket_event (branch_id, seq, type, ts, ticket_id, "
                         "counter_id, user_id, device_id, data) VALUES (1, :s, :k, :ts, 5, "
                         "NULL, :u, NULL, :d)"),
                    {"s": seq, "k": kind, "u": user, "d": '{"number": "A001", "n": "\\u53eb"}',
                     "ts": f"2026-12-01 08:0{seq}:00.000000" if "sqlite" in empty_url
                     else datetime(2026, 12, 1, 8, seq, tzinfo=UTC)},  # as UTCDateTime stores
                )  # fmt: skip
    finally:
        engine.dispose()
    upgrade(empty_url)
    db = Database(empty_url)
    try:
        with db.read() as session:
            verdict = audit.check(session)
            rows = session.execute(text("SELECT kind, actor, subject FROM audit_record "
                                        "ORDER BY id")).all()  # fmt: skip
            # 0021, 0022: the sealer starts after them, so none is chained twice
            sealed = session.execute(text("SELECT sealed_event_id FROM audit_head")).scalar()
            last = session.execute(text("SELECT max(id) FROM ticket_event")).scalar()
        assert sealed == last
        with db.read() as session:
            from server.audit import trail

            assert not trail.unsealed(session)
    finally:
        db.dispose()
    assert verdict.ok and verdict.records == 3, verdict
    assert [tuple(r) for r in rows] == [("ticket.issued", "customer", "ticket:5"),
                                        ("ticket.called", "user", "ticket:5"),
                                        ("ticket.rated", "customer", "ticket:5")]  # fmt: skip
