"""Queries of the trail. Nothing here changes a record: the only writes are the append
(trail.py) and the purge of records past their retention."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from server.audit.domain import Head, Stored
from server.audit.models import AuditHead, AuditRecord

A = AuditRecord
T = AuditRecord.__table__
FIELDS = (A.id, A.ts, A.kind, A.actor, A.actor_name, A.user_id, A.device_id, A.branch_id,
          A.subject, A.data, A.hash)  # fmt: skip
CORE = tuple(T.c[f.key] for f in FIELDS)
"""The same columns as plain Core columns: no ORM result handling in verify's long read."""


@dataclass(frozen=True)
class Filter:
    branch_ids: Sequence[int] | None = None
    """None: every record (an admin's whole trail, the installation's own included)."""
    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    actor: str | None = None
    subject: str | None = None
    user_id: int | None = None


def _prefix(column: InstrumentedAttribute[str], value: str) -> ColumnElement[bool]:
    """`ticket.` or `ticket.*`: every kind that starts so; otherwise exactly."""
    stem = value.removesuffix("*")
    if stem != value or stem.endswith((".", ":")):
        escaped = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    return column == value


H = AuditHead
_HEAD = select(H.last_id, H.last_hash, H.base_id, H.base_hash).where(H.id == 1)


def head(session: Session) -> Head:
    """Read as columns, never as a kept ORM row: appends change it with plain statements."""
    row = session.execute(_HEAD).first()
    if row is None:
        raise RuntimeError("the audit chain has no head row: run `hallq db upgrade`")
    return Head(*row)


def records(session: Session, f: Filter, limit: int, offset: int) -> list[Stored]:
    """Newest first."""
    query = select(*FIELDS)
    if f.branch_ids is not None:
        query = query.where(A.branch_id.in_(f.branch_ids))
    if f.since is not None:
        query = query.where(A.ts >= f.since)
    if f.until is not None:
        query = query.where(A.ts < f.until)
    if f.kind:
        query = query.where(_prefix(A.kind, f.kind))
    if f.subject:
        query = query.where(_prefix(A.subject, f.subject))
    if f.user_id is not None:
        query = query.where(A.user_id == f.user_id)
    if f.actor:
        if f.actor in ("user", "device", "customer", "system"):
            query = query.where(or_(A.actor == f.actor, A.actor_name == f.actor))
        else:
            query = query.where(A.actor_name == f.actor)
    query = query.order_by(A.id.desc()).limit(limit).offset(offset)
    return [Stored(*row) for row in session.execute(query)]


def chain(session: Session, up_to: int, batch: int = 5000) -> Iterator[Stored]:
    """Every record in id order, read in batches by id (no long cursor)."""
    after = -1
    while True:
        query = select(*CORE).where(T.c.id > after, T.c.id <= up_to).order_by(T.c.id).limit(batch)
        rows = [Stored(*row) for row in session.execute(query)]
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].id


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(A)) or 0)


def last_before(session: Session, before: datetime, up_to: int) -> Stored | None:
    """The last record older than `before` (where a purge cuts)."""
    query = select(*FIELDS).where(A.ts < before, A.id <= up_to).order_by(A.id.desc()).limit(1)
    row = session.execute(query).first()
    return None if row is None else Stored(*row)


def cut(session: Session, record: Stored) -> int:
    """Delete the records up to `record` and start the chain after it; returns how many."""
    gone = session.execute(delete(A).where(A.id <= record.id))
    assert isinstance(gone, CursorResult)
    session.execute(update(H).where(H.id == 1).values(base_id=record.id, base_hash=record.hash))
    return int(gone.rowcount or 0)


def lock_head(session: Session) -> Head:
    return Head(*session.execute(_HEAD.with_for_update()).one())
