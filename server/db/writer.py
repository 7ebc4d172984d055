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

`DirectWriter` (PostgreSQL) runs each job in its own transaction in the calling thread;
PostgreSQL already overlaps the commits of its many connections.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Session], Any]
AFTER_COMMIT = "hallq_after_commit"
"""`session.info` key: callables to run, in order, once the transaction has committed."""


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the transaction `session` is in has committed (never if it fails)."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def run_after_commit(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed")


class Writer(Protocol):
    def run(self, job: Callable[[Session], T]) -> T:
        """Run `job` in a write transaction and commit; blocks until committed."""

    def close(self) -> None: ...


class DirectWriter:
    """One transaction per job, in the caller's thread."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def run(self, job: Callable[[Session], T]) -> T:
        with self._sessions() as session:
            with session.begin():
                result = job(session)
            run_after_commit(session.info.pop(AFTER_COMMIT, []))
            return result

    def close(self) -> None:
        pass


class _Stop:
    pass


class GroupCommitter:
    """One thread commits the jobs queued by all request threads, many per fsync."""

    def __init__(self, sessions: Callable[[], Session], max_batch: int = 128) -> None:
        self._sessions = sessions
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Job, Future[Any]] | _Stop] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0
        self.jobs = 0

    def submit(self, job: Callable[[Session], T]) -> Future[T]:
        """Queue `job`; the future resolves once its transaction has committed."""
        future: Future[T] = Future()
        if self._thread is None:
            self._start()
        self._queue.put((job, future))
        return future

    def run(self, job: Callable[[Session], T]) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("a write job cannot wait for another write job")
        return self.submit(job).result()

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_Stop())
            thread.join(timeout=30)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="hallq-group-commit", daemon=True
                )
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

    def _commit(self, batch: list[tuple[Job, Future[Any]]]) -> None:
        done: list[tuple[Future[Any], Any, list[Callable[[], None]]]] = []
        failed: list[tuple[Future[Any], BaseException]] = []
        try:
            with self._sessions() as session, session.begin():
                for job, future in batch:
                    if not future.set_running_or_notify_cancel():
                        continue
                    savepoint = session.begin_nested()
                    try:
                        result = job(session)
                        savepoint.commit()
                    except BaseException as exc:  # the job's own failure, handed back
                        if savepoint.is_active:
                            savepoint.rollback()
                        session.info.pop(AFTER_COMMIT, None)
                        failed.append((future, exc))
                        continue
                    done.append((future, result, session.info.pop(AFTER_COMMIT, [])))
        except BaseException as exc:  # the transaction failed: nothing of the batch is saved
            log.exception("group commit of %d jobs failed", len(batch))
            for future, own in failed:
                future.set_exception(own)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self.batches += 1
        self.jobs += len(batch)
        for future, result, callbacks in done:
            run_after_commit(callbacks)
            future.set_result(result)
        for future, own in failed:
            future.set_exception(own)
