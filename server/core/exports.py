"""The export lane: file exports read on connections of their own, a few at a time.

An export reads every ticket of its range, for seconds. Run on the request read pool, fifty at
once held all of its connections and starved ticket issuing and the displays (measured: 500s,
cut-off downloads, issuing taking over a minute). So an export first takes one of
`HALLQ_MAX_EXPORTS` slots, or is refused at once (`RateLimited`, 429 with Retry-After), and its
reads then go to an engine of its own with exactly that many connections: the request pool never
sees an export, and no export ever waits for a connection.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server.core.errors import RateLimited

if TYPE_CHECKING:
    from server.core.engine import Database

RETRY_AFTER_S = 5
"""What a refused export is told to wait: about one month's export of a busy hall."""


class ExportLane:
    """At most `limit` exports at once, each on one of `limit` connections made on first use."""

    def __init__(self, make_engine: Callable[[int], Engine], limit: int) -> None:
        self.limit = limit
        self._make_engine = make_engine
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    def sessions(self) -> sessionmaker[Session]:
        with self._lock:
            if self._sessions is None:
                self._engine = self._make_engine(self.limit)
                self._sessions = sessionmaker(self._engine, expire_on_commit=False)
            return self._sessions

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the slots for the block, or raise RateLimited when all are taken."""
        if not self._slots.acquire(blocking=False):
            raise RateLimited(
                f"{self.limit} exports are already running; try again in a few seconds",
                retry_after_s=RETRY_AFTER_S,
            )
        try:
            yield
        finally:
            self._slots.release()

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
            self._engine = self._sessions = None


def exporting(db: Database) -> Database:
    """`db` as an export sees it: the same writer, its reads on the export connections. Use it
    only inside `db.exports.slot()`, which guarantees a free connection."""
    view = copy.copy(db)
    view._read_sessions = db.exports.sessions()
    return view
