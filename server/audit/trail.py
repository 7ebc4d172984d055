"""Appending to the chain, in the transaction of the change (the sink of server/core/trail.py).

The head row is read and updated by every append. On PostgreSQL it is read FOR UPDATE: the
appends of concurrent transactions take turns at the very end of each (after the branch
lock, so no lock cycle), and ids and hashes form one line. SQLite's single writer needs no
lock. The statements are prepared (server/core/prepared.py): three per job, whatever it
records.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from server.audit.domain import Stored, canonical, data_text
from server.audit.models import AuditHead, AuditRecord
from server.core import trail
from server.core.prepared import Prepared
from server.core.trail import Note
from server.core.unit_of_work import UnitOfWork

CUSTOMER_EVENTS = frozenset({"ticket.rated", "ticket.cancelled", "ticket.issued"})
"""Done without a user or device, these are the customer's: a rating, a cancel or a ticket
through the public pages."""

_H = AuditHead.__table__
_R = AuditRecord.__table__
_READ_HEAD = Prepared(
    select(_H.c.last_id, _H.c.last_hash).where(_H.c.id == bindparam("one")).with_for_update()
)
_INSERT = Prepared(insert(_R))  # type: ignore[arg-type]
_SET_HEAD = Prepared(
    update(_H)  # type: ignore[arg-type]
    .where(_H.c.id == bindparam("one"))
    .values(last_id=bindparam("lid"), last_hash=bindparam("lh"))
)


def _clean(text: str | None, size: int) -> str | None:
    return None if text is None else text.replace("\x00", "\ufffd")[:size]


def _actor(note: Note) -> str:
    if note.actor is not None:
        return note.actor
    if note.user_id is not None:
        return "user"
    return "device" if note.device_id is not None else "system"


def event_note(uow: UnitOfWork, row: dict[str, Any]) -> Note:
    """The trail's note of one stored stream event (ticket, counter, print, config)."""
    kind = str(row["type"])
    ticket_id, counter_id, branch_id = row["ticket_id"], row["counter_id"], row["branch_id"]
    subject = (
        f"ticket:{ticket_id}" if ticket_id is not None
        else f"counter:{counter_id}" if counter_id is not None else f"branch:{branch_id}"
    )  # fmt: skip
    data = {"seq": row["seq"], "ticket_id": ticket_id, "counter_id": counter_id,
            "event": row["data"]}  # fmt: skip
    user_id, device_id = row["user_id"], row["device_id"]
    customer = user_id is None and device_id is None and kind in CUSTOMER_EVENTS
    event = row["data"]
    if isinstance(event, dict) and event.get("outcome") == "day_closed":
        customer = False  # the end-of-day close-out: the system's
    name = uow.actor.name if (user_id or device_id) else None
    as_ = "customer" if customer else None
    return Note(kind, subject, data, branch_id, as_, name, user_id, device_id)


def append(session: Session, now: datetime, notes: list[Note]) -> None:
    """Add `notes` to the chain after its head, in order."""
    if not notes:
        return
    found = _READ_HEAD.first(session, {"one": 1})
    if found is None:
        raise RuntimeError("the audit chain has no head row: run `hallq db upgrade`")
    last_id, last_hash = int(found[0]), str(found[1])
    rows = []
    for note in notes:
        last_id += 1
        record = Stored(
            id=last_id, ts=now, kind=note.kind[:40], actor=_actor(note),
            actor_name=_clean(note.actor_name, 100), user_id=note.user_id,
            device_id=note.device_id, branch_id=note.branch_id,
            subject=_clean(note.subject, 60) or "", data=data_text(note.data),
        )  # fmt: skip
        last_hash = hashlib.sha256((last_hash + canonical(record)).encode()).hexdigest()
        rows.append(
            {"id": record.id, "ts": now, "kind": record.kind, "actor": record.actor,
             "actor_name": record.actor_name, "user_id": record.user_id,
             "device_id": record.device_id, "branch_id": record.branch_id,
             "subject": record.subject, "data": record.data, "hash": last_hash}
        )  # fmt: skip
    _INSERT.execute_many(session, rows)
    _SET_HEAD.execute(session, {"one": 1, "lid": last_id, "lh": last_hash}).close()


@trail.register
def record(uow: UnitOfWork, notes: list[Note], events: list[dict[str, Any]]) -> None:
    """The sink: the job's stream events first (they happened in the change), then its notes."""
    append(uow.session, uow.now, [event_note(uow, row) for row in events] + notes)
