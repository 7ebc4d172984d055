"""The append itself (server/audit/trail.py): on PostgreSQL the database hashes each record as
it moves the head, in the commit's pipeline; on SQLite Python does. Both must give the hash of
the same canonical text, for any text a record may hold, several records per transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server.audit import repository as repo
from server.audit import service as audit
from server.audit.domain import Stored, canonical, link, tail
from server.audit.trail import append
from server.core.engine import Database
from server.core.trail import Note

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 7, 8, 30, 0, 123456, tzinfo=UTC)
TRICKY = [
    Note(
        "ticket.called",
        "ticket:7",
        {"seq": 3, "event": {"name": "叫号 Müller 🎫", "q": '"\\'}},
        1,
        None,
        "clerk «one»",
        2,
        None,
    ),
    Note("config.updated", "branch:1", {"nul": "a\x00b", "tab": "\t", "n": 1.5, "none": None}, 1),
    Note("auth.login_failed", "user:?", {}, None, "system", "o'brien \\ x"),
]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def _stored(db: Database) -> list[Stored]:
    with db.read() as session:
        return list(repo.chain(session, repo.head(session).last_id))


def test_the_canonical_text_is_the_id_then_the_tail() -> None:
    r = Stored(12, NOW, "k", "user", None, 1, None, None, "s", '{"a":1}')
    assert canonical(r) == "[12," + tail(r)


def test_every_backend_hashes_the_same_canonical_text(db: Database) -> None:
    """Several records in one transaction, each after the one before, whatever their text."""
    before = len(_stored(db))

    def job(session: Session) -> None:
        append(session, NOW, TRICKY)
        append(session, NOW, TRICKY[:1])

    db.writes.run(job)
    records = _stored(db)
    assert len(records) == before + 4
    previous = records[before - 1].hash if before else "0" * 64
    for r in records[before:]:
        assert r.hash == link(previous, r)
        previous = r.hash
    assert [r.actor_name for r in records[before:]] == ["clerk «one»", None, "o'brien \\ x",
                                                        "clerk «one»"]  # fmt: skip
    with db.read() as session:
        verdict = audit.check(session)
        assert (verdict.ok, verdict.head) == (True, previous)
        assert repo.head(session).last_id == records[-1].id


def test_without_a_head_row_nothing_is_appended_silently(db: Database) -> None:
    def job(session: Session) -> None:
        session.execute(text("DELETE FROM audit_head"))
        append(session, NOW, TRICKY[:1])

    with pytest.raises((RuntimeError, DBAPIError)):
        db.writes.run(job)
