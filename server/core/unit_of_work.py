"""One use case's part of a write transaction: its state changes and the events they record.

Every write is a job of the writer (server/core/writer.py), which owns the transaction and
commits it — on SQLite together with other jobs in one group commit. The job's unit of work
hands out the domains' repositories (`repo`), turns published domain events into records
(`publish`), and at `commit()` numbers and stores them and asks the writer to publish them once
the transaction has committed.

Events get their per-branch `seq` from the branch row at commit time. On PostgreSQL every
writer locks the branch row first (`lock_branch`), so writes to one branch serialise, commit
order equals seq order, and seq is gap-free even across server instances. On SQLite the single
writer connection with BEGIN IMMEDIATE gives the same. A rollback discards the recorded
events: nothing is published for a transaction that was not saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from server.core import repository as core_repo
from server.core.engine import Database
from server.core.errors import NotFound
from server.core.events import Record, handlers_of, serialize, stored_hooks
from server.core.models import Branch
from server.core.trail import Note, sinks
from server.core.writer import after_commit

R = TypeVar("R")


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
            raise RuntimeError("lock_branch() must precede an event of that branch")
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

    def lock_branch(self, branch_id: int) -> Branch:
        """Load and (on PostgreSQL) lock the branch row; call before reading queue state."""
        if branch_id in self._locked:
            return self._locked[branch_id]
        branch: Branch | None
        if self.db.is_sqlite:
            # The write transaction (BEGIN IMMEDIATE) already excludes every other writer, so
            # the row this session holds is current: no need to read it again.
            branch = core_repo.row(self.session, Branch, branch_id)
        else:
            # populate_existing: a row loaded before the lock is refreshed, not kept as it was
            query = (
                select(Branch)
                .where(Branch.id == branch_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            branch = self.session.scalars(query).one_or_none()
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
        outgoing: dict[int, list[tuple[int, str]]] = {}
        rows: list[dict[str, Any]] = []
        for pending in self._pending:
            branch = self._locked[pending.branch_id]
            seq = branch.last_seq + 1
            # Stored below with a plain UPDATE; the ORM copy is kept in step, not flushed.
            set_committed_value(branch, "last_seq", seq)
            rows.append(
                {"branch_id": pending.branch_id, "seq": seq, "type": pending.type,
                 "ts": self.now, "ticket_id": pending.ticket_id,
                 "counter_id": pending.counter_id, "user_id": self.actor.user_id,
                 "device_id": self.actor.device_id, "data": pending.data}
            )  # fmt: skip
            text = event_text(seq, pending.type, self.now, pending.data)
            outgoing.setdefault(pending.branch_id, []).append((seq, text))
        self._pending.clear()
        self.session.flush()
        for branch_id, events in outgoing.items():
            core_repo.set_last_seq(self.session, branch_id, events[-1][0])
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


def _publish(publisher: Publisher, outgoing: dict[int, list[tuple[int, str]]]) -> None:
    for branch_id, events in outgoing.items():
        publisher.publish(branch_id, events)
