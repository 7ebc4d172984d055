"""One use case's part of a write transaction: its state changes and the events they record.

Every write is a job of the writer (server/core/writer.py), which owns the transaction and
commits it — on SQLite together with other jobs in one group commit. The job's unit of work
hands out the domains' repositories (`repo`), turns published domain events into records
(`publish`), and at `commit()` numbers and stores them and asks the writer to publish them once
the transaction has committed.

Events get their per-branch `seq` at commit time. On PostgreSQL `commit()` takes them with one
`UPDATE branch SET last_seq = last_seq + n … RETURNING`: the branch row's lock is taken there,
at the end, and held through the commit, so the transactions that record events of one branch
commit one after the other in seq order, and seq is gap-free even across server instances. A
use case that reads the queue to decide (a call, a transfer) takes the branch's *queue lock*
first (`lock_branch`, a transaction-level advisory lock): it excludes the other deciders of
that branch, not the issuing of tickets, which needs only its service's numbering row
(server/tickets/service.py) and joins the branch with `branch()`. Locks are taken in one
order, so that no two transactions wait for each other: queue lock, numbering rows, branch row,
audit head. On SQLite the single writer connection with BEGIN IMMEDIATE gives the same. A
rollback discards the recorded events: nothing is published for a transaction that was not
saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from server.core import repository as core_repo
from server.core.engine import Database
from server.core.errors import NotFound
from server.core.events import Record, handlers_of, numbering_hooks, serialize, stored_hooks
from server.core.models import Branch
from server.core.prepared import Prepared, batch
from server.core.trail import Note, sinks
from server.core.writer import after_commit

R = TypeVar("R")
QUEUE_LOCK = 0x68616C6C
"""The first key of a branch's queue lock (PostgreSQL `pg_advisory_xact_lock(int, int)`; the
second is the branch id). Two-key advisory locks never collide with the one-key ones of the
migrations and the first start."""
_QUEUE_LOCK = Prepared(select(func.pg_advisory_xact_lock(bindparam("kind"), bindparam("branch"))))


class Publisher(Protocol):
    def publish(self, branch_id: int, events: list[tuple[int, str]]) -> None:
        """Hand committed events (seq, JSON text) to the bus; called from any thread."""


@dataclass(frozen=True)
class Actor:
    """Who made a change, for the audit log."""

    user_id: int | None = None
    device_id: int | None = None
    name: str | None = None
    """The username or device name at the time (the audit trail keeps it)."""


def event_text(seq: int, type_: str, ts: datetime, data: dict[str, Any]) -> str:
    """The wire form of one event, serialised once and sent as-is to every subscriber."""
    return json.dumps(
        {"seq": seq, "type": type_, "ts": ts.isoformat(), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


class UnitOfWork:
    def __init__(
        self,
        db: Database,
        *,
        now: datetime,
        actor: Actor,
        publisher: Publisher | None = None,
        session: Session,
    ) -> None:
        self.db = db
        self.session = session
        self.now = now
        self.actor = actor
        self.publisher = publisher
        self._pending: list[Record] = []
        self._notes: list[Note] = []
        self._locked: dict[int, Branch] = {}
        """The branches this transaction records events of (`lock_branch`, `branch`)."""
        self.last_seqs: dict[int, int] = {}
        """Per branch, the seq of its last event, once `commit` has numbered them: plain values
        a caller may read on its own thread after the writer answered (the branch rows belong
        to the writer's session, which may expire them meanwhile)."""
        self._queue_locked: set[int] = set()
        self._repos: dict[Callable[[UnitOfWork], object], object] = {}

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending.clear()  # the writer that owns the transaction rolls back or commits
        self._notes.clear()
        self._repos.clear()

    def repo(self, kind: Callable[[UnitOfWork], R]) -> R:
        """This transaction's repository object of `kind` (made on first use): the domains'
        repositories hand out aggregates and save them back through it."""
        found = self._repos.get(kind)
        if found is None:
            found = self._repos[kind] = kind(self)
        return cast(R, found)

    def publish(self, event: object) -> None:
        """Store a domain event with this transaction, in its domain's serialized form, then
        run what other domains do in reaction to it (server/core/events.py)."""
        record = serialize(self, event)
        if record.branch_id not in self._locked:
            raise RuntimeError("lock_branch() or branch() must precede an event of that branch")
        self._pending.append(record)
        for handle in handlers_of(event):
            handle(self, event)

    def audit(
        self,
        kind: str,
        subject: str,
        data: dict[str, Any] | None = None,
        *,
        branch_id: int | None = None,
        actor: Actor | None = None,
        as_: str | None = None,
    ) -> None:
        """Note a change for the audit trail (server/audit/), stored with this transaction:
        `kind` "service.updated", `subject` "service:4", `data` its facts (old and new values,
        never a secret). The actor is this unit of work's user or device unless given
        (`actor`, or `as_` "customer"/"system")."""
        who = actor or self.actor
        self._notes.append(
            Note(kind, subject, data or {}, branch_id, as_, who.name, who.user_id, who.device_id)
        )

    def lock_branch(self, branch_id: int, *, rows: Sequence[tuple[type[Any], int]] = ()) -> Branch:
        """Load the branch row and take the branch's queue lock: call before reading queue
        state to decide on it (who is next, where a ticket goes). On PostgreSQL it waits for
        the other transactions of the branch that hold it (not for issuing; see the module's
        doc); on SQLite the write transaction already excludes every other writer.

        `rows` (model, id) are read under the lock too, for `core_repo.row` to find: on
        PostgreSQL in the lock's round trip, with the branch (a counter action's counter)."""
        if branch_id in self._queue_locked:
            return self._locked[branch_id]
        branch: Branch | None
        if self.db.is_sqlite:
            # The write transaction (BEGIN IMMEDIATE) already excludes every other writer, so
            # the row this session holds is current: no need to read it again.
            branch = core_repo.row(self.session, Branch, branch_id)
        else:
            params = {"kind": QUEUE_LOCK, "branch": branch_id}
            wanted: list[tuple[type[Any], int]] = [(Branch, branch_id), *rows]
            branch = core_repo.rows_after(self.session, _QUEUE_LOCK, params, wanted)[0]
        if branch is None:
            raise NotFound(f"branch {branch_id} does not exist")
        self._locked[branch_id] = branch
        self._queue_locked.add(branch_id)
        return branch

    def branch(self, branch_id: int) -> Branch:
        """Load the branch row for a change that records events of the branch without reading
        its queue to decide (issuing a ticket): no queue lock. Its events are numbered at the
        commit like any other."""
        found = self._locked.get(branch_id)
        if found is not None:
            return found
        branch = core_repo.row(self.session, Branch, branch_id)
        if branch is None:
            raise NotFound(f"branch {branch_id} does not exist")
        self._locked[branch_id] = branch
        return branch

    def reread(self, row: object) -> None:
        """Read again a row loaded before `lock_branch`. On PostgreSQL the lock may have waited
        for another transaction that changed it. On SQLite there is nothing to do: the write
        transaction held the lock from its start (BEGIN IMMEDIATE), and every change since
        went through this session (the group committer forgets its rows otherwise)."""
        if not self.db.is_sqlite:
            self.session.refresh(row)

    def commit(self) -> None:
        """Number and store the recorded events; they are published after the writer commits."""
        self.session.flush()  # the changes first: the branch row is locked last (module doc)
        if self._pending:
            for prepare in numbering_hooks():
                prepare(self)
        first = self._first_seqs()
        outgoing: dict[int, list[tuple[int, str]]] = {}
        rows: list[dict[str, Any]] = []
        for pending in self._pending:
            seq = first[pending.branch_id]
            first[pending.branch_id] = seq + 1
            rows.append(
                {"branch_id": pending.branch_id, "seq": seq, "type": pending.type,
                 "ts": self.now, "ticket_id": pending.ticket_id,
                 "counter_id": pending.counter_id, "user_id": self.actor.user_id,
                 "device_id": self.actor.device_id, "data": pending.data}
            )  # fmt: skip
            text = event_text(seq, pending.type, self.now, pending.data)
            outgoing.setdefault(pending.branch_id, []).append((seq, text))
        self._pending.clear()
        if self.db.is_sqlite:
            for branch_id, events in outgoing.items():
                core_repo.set_last_seq(self.session, branch_id, events[-1][0])
        for branch_id, events in outgoing.items():
            # The ORM copy is kept in step (the rows were written above, not by a flush).
            set_committed_value(self._locked[branch_id], "last_seq", events[-1][0])
            self.last_seqs[branch_id] = events[-1][0]
        # One round trip fewer while the branch row is locked (PostgreSQL): the events' insert
        # goes with the first read of a hook or sink, which run Prepared statements only.
        with batch(self.session):
            if rows:
                core_repo.insert_events(self.session, rows)
                for hook in stored_hooks():
                    hook(self, rows)
            if rows or self._notes:
                notes, self._notes = self._notes, []
                for sink in sinks():
                    sink(self, notes, rows)
        publisher = self.publisher
        if publisher is not None and outgoing:
            after_commit(self.session, lambda: _publish(publisher, outgoing))

    def _first_seqs(self) -> dict[int, int]:
        """The first seq of this transaction's events, per branch. SQLite: after the branch
        row's `last_seq` (the write transaction excludes every other writer; stored by
        `commit`). PostgreSQL: taken from the branch row with one UPDATE per branch, in branch
        order, which locks the row until the commit (module doc)."""
        counts: dict[int, int] = {}
        for pending in self._pending:
            counts[pending.branch_id] = counts.get(pending.branch_id, 0) + 1
        if self.db.is_sqlite:
            return {b: self._locked[b].last_seq + 1 for b in counts}
        return {
            b: core_repo.take_seqs(self.session, b, counts[b]) - counts[b] + 1
            for b in sorted(counts)
        }


def _publish(publisher: Publisher, outgoing: dict[int, list[tuple[int, str]]]) -> None:
    for branch_id, events in outgoing.items():
        publisher.publish(branch_id, events)
