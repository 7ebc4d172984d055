"""`Prepared` statements (server/core/prepared.py) store exactly what SQLAlchemy's own execute
stores — UTC datetimes, dates, JSON, NULLs, literal values — on SQLite and PostgreSQL, and
never run on a connection of an earlier transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Date,
    Integer,
    MetaData,
    PickleType,
    String,
    Table,
    bindparam,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from server.core.engine import Database
from server.core.models import Branch
from server.core.prepared import Prepared
from server.core.repository import rows_after
from server.core.types import UTCDateTime

pytestmark = pytest.mark.integration

META = MetaData()
ROWS = Table(
    "prepared_probe",
    META,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime),
    Column("day", Date),
    Column("data", JSON),
    Column("label", String(20)),
    Column("n", Integer, nullable=False, default=0),
)
INSERT = Prepared(insert(ROWS).returning(ROWS.c.id))
INSERT_MANY = Prepared(insert(ROWS))
BUMP = Prepared(
    update(ROWS).where(ROWS.c.id == bindparam("rid")).values(n=ROWS.c.n + 5).returning(ROWS.c.n)
)
LATER_THAN = Prepared(select(ROWS.c.id).where(ROWS.c.at > bindparam("at"), ROWS.c.id > 0))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    META.create_all(database.writer)
    yield database
    META.drop_all(database.writer)
    database.dispose()


def test_rows_read_back_as_sqlalchemy_wrote_them(db: Database) -> None:
    at = datetime(2026, 11, 23, 8, 0, 0, tzinfo=timezone(timedelta(hours=8)))  # 00:00 UTC
    values: dict[str, Any] = {
        "at": at, "day": date(2026, 11, 23), "data": {"名": "张三", "n": [1, 2]},
        "label": None, "n": 1,
    }  # fmt: skip
    with db.write_session() as session, session.begin():
        fast = INSERT.scalar(session, values)
        slow = session.execute(insert(ROWS).returning(ROWS.c.id), values).scalar_one()
        assert BUMP.scalar(session, {"rid": fast}) == 6
    with db.read() as session:
        rows = {r.id: r for r in session.execute(select(ROWS)).all()}
    assert rows[fast].at == rows[slow].at == at.astimezone(UTC)
    assert rows[fast].day == rows[slow].day == date(2026, 11, 23)
    assert rows[fast].data == rows[slow].data == {"名": "张三", "n": [1, 2]}
    assert rows[fast].label is rows[slow].label is None
    assert (rows[fast].n, rows[slow].n) == (6, 1)
    if db.is_sqlite:  # the very same stored text, so comparisons in SQL agree
        with db.writer.connect() as connection:
            stored = connection.exec_driver_sql(
                "SELECT at, day FROM prepared_probe ORDER BY id"
            ).all()
        assert stored[0] == stored[1]


def test_datetime_binds_compare_in_sql(db: Database) -> None:
    base = datetime(2026, 11, 23, 0, 0, 0, tzinfo=UTC)  # no microseconds: still full format
    with db.write_session() as session, session.begin():
        ids = [
            INSERT.scalar(session, {"at": base + timedelta(seconds=s), "data": None})
            for s in (0, 1, 2)
        ]
        cursor = LATER_THAN.execute(session, {"at": base + timedelta(seconds=1)})
        assert [r[0] for r in cursor.fetchall()] == ids[2:]
        assert LATER_THAN.first(session, {"at": base + timedelta(seconds=2)}) is None


def test_each_transaction_uses_its_own_connection(db: Database) -> None:
    """The driver connection is remembered per transaction: after a rollback the next
    transaction of the same session does not write through a stale one."""
    session = db.write_session()
    with session.begin():
        INSERT.scalar(session, {"label": "rolled back"})
        session.rollback()
    with session.begin():
        INSERT.scalar(session, {"label": "kept"})
    session.close()
    with db.read() as reader:
        assert reader.scalars(select(ROWS.c.label)).all() == ["kept"]


def test_many_rows_at_once(db: Database) -> None:
    rows = [{"label": f"r{i}", "data": {"i": i}} for i in range(5)]
    with db.write_session() as session, session.begin():
        INSERT_MANY.execute_many(session, rows)
        INSERT_MANY.execute_many(session, [])
    with db.read() as reader:
        got = reader.execute(select(ROWS.c.label, ROWS.c.data).order_by(ROWS.c.id)).all()
    assert [(label, data) for label, data in got] == [(r["label"], r["data"]) for r in rows]


def test_errors_and_nulls_as_sqlalchemy_has_them(db: Database) -> None:
    with db.write_session() as session, session.begin():
        first = INSERT.scalar(session, {"data": None, "label": "x"})
        # a driver error leaves as SQLAlchemy's, so the API's handlers map it as usual
        with pytest.raises(IntegrityError):
            INSERT.scalar(session, {"id": first})
        session.rollback()
    with pytest.raises(KeyError, match="rid"), db.write_session() as session, session.begin():
        BUMP.scalar(session, {})  # a required bind missing is an error, not a NULL
    with db.write_session() as session, session.begin():
        first = INSERT.scalar(session, {"data": None})
        slow = session.execute(insert(ROWS).returning(ROWS.c.id), {"data": None}).scalar_one()
    with db.writer.connect() as connection:
        nulls = connection.execute(
            select(ROWS.c.id, ROWS.c.data.is_(None)).where(ROWS.c.id.in_([first, slow]))
        ).all()
    assert nulls[0][1] == nulls[1][1]  # JSON null stored the same way both times


LOCK = Prepared(select(func.pg_advisory_xact_lock(bindparam("kind"), bindparam("key"))))
PICKLED = Table("pickled_probe", MetaData(), Column("id", Integer), Column("value", PickleType))


@pytest.mark.parametrize("backend", ["postgres"])
def test_rows_read_after_a_lock_become_the_sessions_own(db_url: str) -> None:
    """`rows_after`: the lock, then the rows, in one round trip; each row the session's
    instance, as a query through the session would have made it."""
    database = Database(db_url)
    try:
        with database.write_session() as session, session.begin():
            held = session.get(Branch, 1)
            assert held is not None
            session.execute(  # behind the instance's back, as another transaction would
                update(Branch).where(Branch.id == 1).values(name="renamed"),
                execution_options={"synchronize_session": False},
            )
            found = rows_after(session, LOCK, {"kind": 1, "key": 2}, [(Branch, 1), (Branch, 999)])
            assert found == [held, None] and held.name == "renamed"  # brought up to date
        with database.write_session() as session, session.begin():
            (branch,) = rows_after(session, LOCK, {"kind": 1, "key": 2}, [(Branch, 1)])
            assert inspect(branch).persistent and session.get(Branch, 1) is branch
            assert branch.name == "renamed" and isinstance(branch.settings, dict)
            branch.name = "changed"  # tracked like a loaded row's
        with database.read() as session:
            assert session.scalar(select(Branch.name).where(Branch.id == 1)) == "changed"
        with pytest.raises(TypeError, match="result processing"):
            Prepared(select(PICKLED.c.value)).check_plain(database.writer.dialect)
    finally:
        database.dispose()
