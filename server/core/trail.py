"""The audit trail's entry point for every domain: `uow.audit(kind=…, subject=…, data=…)`.

A domain notes what it changed on its unit of work; at `UnitOfWork.commit()` the notes of the
job, and one note per stream event it stored, are handed to the trail's sink (registered by
server/audit/ when it is imported), which appends them to the hash chain in the same
transaction (on SQLite the notes only: the events are sealed after the commit, and `settle`
brings them in before the trail is read). Nothing here knows the chain: core only carries the
notes, as it carries events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.models import Base

if TYPE_CHECKING:
    from server.core.context import Ctx
    from server.core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Note:
    """One thing to record: what happened (`kind`, e.g. "service.updated"), to what
    (`subject`, e.g. "service:4"), in which hall (None: the installation), and its facts
    (`data`: JSON-able; for a change {"old": …, "new": …}; never a password or token)."""

    kind: str
    subject: str
    data: dict[str, Any] = field(default_factory=dict)
    branch_id: int | None = None
    actor: str | None = None
    """"user", "device", "customer" or "system"; None: the unit of work's user or device."""
    actor_name: str | None = None
    user_id: int | None = None
    device_id: int | None = None


Sink = Callable[["UnitOfWork", list[Note], list[dict[str, Any]]], None]
"""(unit of work, its notes, its stored event rows) → append them to the trail."""
_sinks: list[Sink] = []


def register(sink: Sink) -> Sink:
    """Register the sink; it runs at the unit of work's commit inside a `prepared.batch`
    (PostgreSQL's pipeline mode): `Prepared` statements only."""
    if sink not in _sinks:
        _sinks.append(sink)
    return sink


def sinks() -> list[Sink]:
    return _sinks


_settlers: list[Callable[[Ctx], object]] = []


def settle_with(settler: Callable[[Ctx], object]) -> None:
    """Register what must run before the trail is read (server/audit: chain the events stored
    but not sealed yet, on SQLite)."""
    if settler not in _settlers:
        _settlers.append(settler)


def settle(ctx: Ctx) -> None:
    """Bring the trail up to date with what is stored, before reading it (a report's head)."""
    for settler in _settlers:
        settler(ctx)


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """{"old": …, "new": …} of the fields whose value differs (a change's audit data)."""
    keys = [k for k in new if old.get(k) != new.get(k)] + [k for k in old if k not in new]
    return {"old": {k: old.get(k) for k in keys}, "new": {k: new.get(k) for k in keys}}


def head_at(session: Session, until: datetime) -> tuple[int, str] | None:
    """(id, hash) of the trail's last record before `until`: what a day's report prints, so
    that a printed or mailed copy fixes the chain as it stood (None: no record yet). The
    table is server/audit's, read by name so that any report may print it."""
    records = Base.metadata.tables.get("audit_record")
    if records is None:
        return None
    query = (
        select(records.c.id, records.c.hash)
        .where(records.c.ts < until)
        .order_by(records.c.id.desc())
        .limit(1)
    )
    row = session.execute(query).first()
    return None if row is None else (int(row[0]), str(row[1]))
