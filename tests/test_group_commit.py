"""Group commit on SQLite (server/core/writer.py): many jobs per transaction, each isolated by
its savepoint; answers and after-commit callbacks only once the batch is durable."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.service import purge_expired
from server.core.engine import Database
from server.core.settings import Settings
from server.core.writer import GroupCommitter, after_commit
from tests.conftest import ADMIN_PASSWORD, Api
from tests.support import ok, statements

pytestmark = pytest.mark.integration


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/group.db")
    with database.writer.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE item (x INTEGER UNIQUE)")
        connection.exec_driver_sql(
            "CREATE TABLE child (parent INTEGER REFERENCES item (x) DEFERRABLE INITIALLY DEFERRED)"
        )
    yield database
    database.dispose()


def saved(db: Database) -> list[int]:
    with db.writer.connect() as connection:
        return [x for (x,) in connection.exec_driver_sql("SELECT x FROM item ORDER BY x")]


Job = Callable[[Session], Any]


def insert(x: int, log: list[str] | None = None) -> Callable[[Session], int]:
    def job(session: Session) -> int:
        session.execute(text("INSERT INTO item (x) VALUES (:x)"), {"x": x})
        if log is not None:
            after_commit(session, lambda: log.append(f"published {x}"))
        return x

    return job


def hold_writer(writes: GroupCommitter) -> tuple[Future[None], threading.Event]:
    """Keep the writer busy until the returned event is set: jobs queued meanwhile form the
    next batch. Returns the busy job's future and the event."""
    started, release = threading.Event(), threading.Event()

    def block(session: Session) -> None:
        started.set()
        release.wait(10)

    blocker = writes.submit(block)
    assert started.wait(10)
    return blocker, release


def held_batch(db: Database, jobs: list[Job]) -> list[Future[Any]]:
    """Queue `jobs` while the writer is busy, so that they form one batch."""
    writes = db.writes
    assert isinstance(writes, GroupCommitter)
    blocker, release = hold_writer(writes)
    futures = [writes.submit(job) for job in jobs]
    release.set()
    blocker.result(timeout=10)
    return futures


def test_queued_jobs_share_one_commit(db: Database) -> None:
    futures = held_batch(db, [insert(x) for x in range(1, 21)])
    assert [f.result(timeout=10) for f in futures] == list(range(1, 21))
    writes = db.writes
    assert isinstance(writes, GroupCommitter)
    assert writes.jobs == 21 and writes.batches == 2  # the blocker, then the 20 together
    assert saved(db) == list(range(1, 21))


def test_a_failing_job_is_undone_alone(db: Database) -> None:
    log: list[str] = []
    futures = held_batch(db, [insert(1, log), insert(1, log), insert(2, log)])
    assert futures[0].result(timeout=10) == 1
    with pytest.raises(IntegrityError):
        futures[1].result(timeout=10)
    assert futures[2].result(timeout=10) == 2
    assert saved(db) == [1, 2]
    assert log == ["published 1", "published 2"]


def test_when_the_commit_fails_no_job_of_the_batch_is_saved_or_published(db: Database) -> None:
    log: list[str] = []

    def orphan(session: Session) -> None:  # violates a deferred foreign key: COMMIT refuses
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
        session.execute(text("INSERT INTO child (parent) VALUES (99)"))

    futures = held_batch(db, [insert(1, log), orphan, insert(2, log)])
    for future in futures:
        with pytest.raises(IntegrityError):
            future.result(timeout=10)
    assert saved(db) == [] and log == []
    assert db.writes.run(insert(3)) == 3  # the writer goes on
    assert saved(db) == [3]


def test_a_job_cannot_wait_for_another_job(db: Database) -> None:
    def nested(session: Session) -> int:
        return db.writes.run(insert(1))

    with pytest.raises(RuntimeError, match="cannot wait"):
        db.writes.run(nested)


def test_coroutines_get_their_answers_and_a_cancelled_one_is_skipped(db: Database) -> None:
    """`submit_async` answers on the event loop, a batch at a time; a request that gave up
    before its job began (the client went away) is not carried out."""
    writes = db.writes
    assert isinstance(writes, GroupCommitter)
    blocker, release = hold_writer(writes)

    async def scenario() -> list[object]:
        kept, gone, failing = (writes.submit_async(j) for j in (insert(1), insert(2), insert(1)))
        gone.cancel()
        release.set()
        await asyncio.wrap_future(blocker)
        return list(await asyncio.gather(kept, failing, return_exceptions=True))

    first, duplicate = asyncio.run(scenario())
    assert first == 1 and isinstance(duplicate, IntegrityError)
    assert saved(db) == [1]


@pytest.mark.parametrize("backend", ["sqlite"])  # the group committer is SQLite's writer
def test_kept_rows_follow_changes_made_outside_the_writer(api: Api, settings: Settings) -> None:
    """The group committer keeps the service and branch rows from batch to batch; a change
    committed by another process (another connection) or by a session of this process that
    bypassed the writer (same pooled connection) still shows in the next ticket."""
    service = api.service("A")["id"]
    assert api.issue(service)["number"] == "A001"
    other = Database(settings.database_url)  # as `hallq import` in another process would
    with other.writer.begin() as connection:
        connection.execute(text("UPDATE service SET prefix = 'B' WHERE id = :id"), {"id": service})
    other.dispose()
    assert api.issue(service)["number"] == "B002"
    state: Any = api.client.app.state.hallq  # type: ignore[attr-defined]
    with state.db.write_session() as session, session.begin():  # not through the writer
        session.execute(text("UPDATE service SET prefix = 'C' WHERE id = :id"), {"id": service})
    assert api.issue(service)["number"] == "C003"


def test_a_job_raising_stopiteration_does_not_strand_its_batch(db: Database) -> None:
    writes = db.writes
    assert isinstance(writes, GroupCommitter)

    def odd(session: Session) -> None:
        raise StopIteration

    blocker, release = hold_writer(writes)  # the three jobs form one batch

    async def scenario() -> list[object]:
        futures = [writes.submit_async(j) for j in (insert(1), odd, insert(2))]
        release.set()
        await asyncio.wrap_future(blocker)
        return list(await asyncio.gather(*futures, return_exceptions=True))

    first, strange, second = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert (first, second) == (1, 2) and isinstance(strange, RuntimeError)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_counters_kept_service_list_follows_its_changes(api: Api) -> None:
    """The writer keeps a counter's service list from batch to batch (`repo.served_by`); a
    change through the API shows in its answer and at the very next call."""
    a, b = api.service("A")["id"], api.service("B")["id"]
    counter = api.counter(1, [a])["id"]
    api.act(counter, "open")
    api.issue(b)
    assert api.act(counter, "call-next")["ticket"] is None
    changed = ok(api.client.patch(f"/api/v1/counters/{counter}", json={"service_ids": [b, a]},
                                  headers=api.admin))  # fmt: skip
    assert changed["service_ids"] == [b, a]
    assert api.act(counter, "call-next")["ticket"]["number"] == "B001"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_logins_logouts_devices_and_housekeeping_leave_the_kept_rows_kept(api: Api) -> None:
    """They go through the writer: on SQLite they join its transactions, so the rows it keeps
    (the branch, the service, the counter) survive them and the next call reads none again."""
    service = api.service("A")["id"]
    counter = api.counter(1, [service])["id"]
    api.act(counter, "open")
    for _ in range(2):
        api.issue(service)
    api.act(counter, "call-next")  # the writer now keeps the branch, service and counter rows
    state: Any = api.client.app.state.hallq  # type: ignore[attr-defined]
    with statements(state.db.writer) as sent:
        admin = api.login("admin", ADMIN_PASSWORD)
        assert api.client.post("/api/v1/auth/logout", headers=admin).status_code == 204
        api.device("kiosk")
        purge_expired(state.ctx())
        called = api.act(counter, "call-next", {"complete_current": True})
        assert called["ticket"]["number"] == "A002"
    reads = [s for s in sent if s.lstrip().startswith("SELECT") and "FROM branch" in s]
    assert reads == []


def test_the_writer_keeps_its_savepoints_journal_in_memory(db: Database) -> None:
    """A job's statement journal past 64 KiB went to a temporary file, created and unlinked
    per job (an issue with its audit record): the writer keeps it in memory, the readers
    (exports' large sorts) keep SQLite's default."""
    with db.writer.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA temp_store").scalar() == 2
    with db.reader.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA temp_store").scalar() == 0


def test_a_transaction_left_on_the_writers_session_fails_no_batch(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A job that hands back something bound to the writer's session (a row; the alerts'
    `apply` did) lets a later use of it, on another thread, begin a transaction on that
    session between batches. The next batch's `begin` failed, and with it every request of
    the batch (a 500 in CI). The writer now ends such a transaction, and says so."""

    def leaks(session: Session) -> Session:
        session.execute(text("INSERT INTO item (x) VALUES (1)"))
        return session

    session = db.writes.run(leaks)
    session.execute(text("SELECT 1"))  # used outside a batch: a transaction begins
    assert session.in_transaction()
    with caplog.at_level("ERROR", logger="server.core.writer"):
        assert db.writes.run(insert(2)) == 2
    assert saved(db) == [1, 2]
    assert "in a transaction between batches" in caplog.text
