"""Write transactions, and group commit on SQLite.

On SQLite every write goes through one connection and every commit syncs the WAL
(`synchronous=FULL`), so one commit per request caps a hall at ~1 / fsync (~150 commits/s
on an ordinary disk). `GroupCommitter` runs the jobs of concurrent requests on one thread:
it takes every job queued at that moment (up to `max_batch`), runs each in its own SAVEPOINT
inside one transaction, commits once, and only then answers each job and runs its
after-commit callbacks (publishing events) in commit order. A job that fails rolls back to
its savepoint and gets its own exception; the others are unaffected. If the final commit
fails, every job of the batch gets that error: nothing of the batch was saved, and nothing
was answered or published before it.

No job waits for company: a lone request is committed as soon as it is done, a busy hall
batches by itself because requests queue while the previous batch syncs.

The writer keeps one session from batch to batch, and with it the rows jobs read through
`repo.row` and `repo.served_by` (the hall's branch, service and counter rows, a counter's
service list): loading them anew cost ~1 ms per batch, a third of a lone request's time. They
are current because every write goes through this session, except another connection's (another
process, `hallq import`) or another session's on the same pooled connection: SQLite's `PRAGMA
data_version` and the connection's change counter tell, and the session then forgets them. A
failed job or batch makes it forget them too.

`DirectWriter` (PostgreSQL) runs each job in its own transaction in the calling thread;
PostgreSQL already overlaps the commits of its many connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

import anyio.to_thread
from sqlalchemy.orm import Session

from server.core.prepared import driver
from server.core.session_keys import AFTER_COMMIT, MEMO, ON_COMMIT, ROWS

log = logging.getLogger(__name__)
T = TypeVar("T")
WRITER_THREAD = "hallq-group-commit"
Job = Callable[[Session], Any]


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the transaction `session` is in has committed (never if it fails)."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` as soon as the transaction has committed, before any request waiting for
    the commit is answered (never if it fails). For cheap work only: it delays the answers."""
    session.info.setdefault(ON_COMMIT, []).append(callback)


Callbacks = tuple[list[Callable[[], None]], list[Callable[[], None]]]


def _callbacks(session: Session) -> Callbacks:
    """A job's (on-commit, after-commit) callbacks, taken off the session."""
    return session.info.pop(ON_COMMIT, []), session.info.pop(AFTER_COMMIT, [])


def run_after_commit(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed")


class Writer(Protocol):
    def run(self, job: Callable[[Session], T]) -> T:
        """Run `job` in a write transaction and commit; blocks until committed."""

    async def run_async(self, job: Callable[[Session], T]) -> T:
        """`run` for a coroutine: returns once committed, without blocking the event loop."""

    def close(self) -> None: ...


class DirectWriter:
    """One transaction per job, in the caller's thread."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def run(self, job: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            with session.begin():
                result = job(session)
            first, then = _callbacks(session)
            run_after_commit(first + then)
            return result

    async def run_async(self, job: Callable[[Session], T]) -> T:
        return await anyio.to_thread.run_sync(self.run, job)

    def close(self) -> None:
        pass


class _Stop:
    pass


Waiter = Future[Any] | asyncio.Future[Any]
"""Who waits for a job: a thread (`run`) or a coroutine (`submit_async`)."""


def _start(waiter: Waiter) -> bool:
    """False if the waiter gave up before its job began: the job is then skipped."""
    if isinstance(waiter, Future):
        return waiter.set_running_or_notify_cancel()
    return not waiter.cancelled()


def _answer_loops(answers: list[tuple[Waiter, bool, Any]]) -> None:
    """Hand out results (ok) or exceptions to the waiting coroutines, in order: those of one
    event loop together, by one wake-up of that loop. (`_answer_threads` does the threads.)"""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
    for waiter, ok, value in answers:
        if not isinstance(waiter, Future):
            by_loop.setdefault(waiter.get_loop(), []).append((waiter, ok, value))
    for loop, items in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_answer_on_loop, items)


def _answer_threads(answers: list[tuple[Waiter, bool, Any]]) -> None:
    for waiter, ok, value in answers:
        if not isinstance(waiter, Future) or waiter.cancelled():  # cancelled: job skipped
            continue
        if ok:
            waiter.set_result(value)
        else:
            waiter.set_exception(value)


def _answer_on_loop(items: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in items:
        if future.done():  # cancelled while its job ran
            continue
        if ok:
            future.set_result(value)
        elif isinstance(value, StopIteration):  # an asyncio future refuses to carry one
            future.set_exception(RuntimeError(f"the write job raised {value!r}"))
        else:
            future.set_exception(value)


class GroupCommitter:
    """One thread commits the jobs queued by all request threads, many per fsync."""

    def __init__(self, sessions: Callable[[], Session], max_batch: int = 128) -> None:
        self._sessions = sessions
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Job, Waiter] | _Stop] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._session: Session | None = None  # the writer thread's own, batch after batch
        self._state: tuple[int, int, int] | None = None  # connection, data_version, changes
        self.batches = 0
        self.jobs = 0

    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        """Queue `job`; the future resolves once its transaction has committed."""
        future: Future[T] = Future()
        self._put(job, future)
        return future

    def submit_async(self, job: Callable[[Session], T]) -> asyncio.Future[T]:
        """`submit` for a coroutine on the event loop: the result comes back to the loop with
        the rest of its batch (a thread's Future costs a lock and a wake-up per job)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._put(job, future)
        return future

    async def run_async(self, job: Callable[[Session], T]) -> T:
        return await self.submit_async(job)

    def _put(self, job: Job, waiter: Waiter) -> None:
        if self._thread is None:
            self._start_thread()
        self._queue.put((job, waiter))

    def run(self, job: Callable[[Session], T]) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("a write job cannot wait for another write job")
        return self.submit(job).result()

    def close(self) -> None:
        """Stop the writer thread once the jobs queued before have run. (The lock keeps a
        concurrent submit from starting a second thread on the same session meanwhile.)"""
        with self._lock:
            thread = self._thread
            if thread is not None:
                self._queue.put(_Stop())
                thread.join(timeout=30)
                if thread.is_alive():
                    log.error("the group-commit writer did not stop within 30 s")
                    return
                self._thread = None
            if self._session is not None:
                self._session.close()
                self._session, self._state = None, None

    def _start_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=WRITER_THREAD, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, _Stop):
                return
            batch = [item]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if isinstance(more, _Stop):
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
            if stop:
                return

    def _begin(self) -> tuple[Session, Any]:
        """The writer's session in a new transaction, its kept rows checked against changes
        committed meanwhile by other connections; and the transaction's driver connection."""
        if self._session is None:
            self._session = self._sessions()
        session = self._session
        if session.in_transaction():
            # Something used the session between batches (an attribute of a row a job handed
            # back, loaded on another thread, begins a transaction of its own): end it, or
            # `begin` fails every request of this batch. Said loudly: it is a bug to find.
            log.error("the writer's session was in a transaction between batches: rolled back")
            session.rollback()
            self._state = None
        session.begin()
        dbapi, _ = driver(session)
        (version,) = dbapi.execute("PRAGMA data_version").fetchone()
        # Another connection committed (data_version), or another session wrote through this
        # same pooled connection (its change counter moved since our last commit)?
        state = (id(dbapi), version, dbapi.total_changes)
        if state != self._state:
            self._forget(session)
        self._state = state
        return session, dbapi

    @staticmethod
    def _forget(session: Session) -> None:
        session.expire_all()
        session.info.pop(ROWS, None)
        session.info.pop(MEMO, None)  # figures a failed job may have read in its own state

    def _end(self, session: Session, changes: int) -> None:
        """After a committed batch: per-transaction notes go, kept rows stay."""
        assert self._state is not None  # set by _begin
        self._state = (self._state[0], self._state[1], changes)
        rows = session.info.get(ROWS)
        session.info.clear()
        if rows is not None:
            session.info[ROWS] = rows

    def _discard(self) -> None:
        """After a failed batch: roll back and start the next one with a new session."""
        session, self._session, self._state = self._session, None, None
        if session is not None:
            try:
                session.rollback()
                session.close()
            except Exception:
                log.exception("rolling back the writer's session failed")

    def _commit(self, batch: list[tuple[Job, Waiter]]) -> None:
        done: list[tuple[Waiter, Any, Callbacks]] = []
        failed: list[tuple[Waiter, BaseException]] = []
        try:
            session, dbapi = self._begin()
            for job, waiter in batch:
                if not _start(waiter):
                    continue
                savepoint = session.begin_nested()
                try:
                    result = job(session)
                    savepoint.commit()
                except BaseException as exc:  # the job's own failure, handed back
                    if savepoint.is_active:
                        savepoint.rollback()
                    _callbacks(session)  # dropped: the job's changes are undone
                    # what the job changed in memory is undone too (rows it touched, values
                    # set as committed, objects it added)
                    self._forget(session)
                    failed.append((waiter, exc))
                    continue
                done.append((waiter, result, _callbacks(session)))
            session.flush()
            changes = dbapi.total_changes  # ours, read while the connection is still ours
            session.commit()
        except BaseException as exc:  # the transaction failed: nothing of the batch is saved
            log.exception("group commit of %d jobs failed", len(batch))
            self._discard()
            own = {id(waiter): error for waiter, error in failed}
            answers = [(waiter, False, own.get(id(waiter), exc)) for _, waiter in batch]
            _answer_loops(answers)
            _answer_threads(answers)
            return
        self._end(session, changes)
        self.batches += 1
        self.jobs += len(batch)
        answers = [(waiter, True, result) for waiter, result, _ in done]
        answers += [(waiter, False, error) for waiter, error in failed]
        for _, _, (first, _) in done:
            run_after_commit(first)
        # Requests on the event loop are answered next (their responses are queued on the
        # loop ahead of the events' fan-out to the displays); a waiting thread gets its answer
        # once the after-commit callbacks (publishing) have run.
        _answer_loops(answers)
        for _, _, (_, then) in done:
            run_after_commit(then)
        _answer_threads(answers)
