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
