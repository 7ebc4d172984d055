"""Appending to the chain: a change's notes in its transaction (the sink of
server/core/trail.py), its stream events after the commit (`seal`).

Every append moves the head row. On PostgreSQL one statement per note does it all (`_PG`): it
moves the head (which locks its row), lets PostgreSQL hash the record after the head's old
hash, and inserts the record with that hash, so the appends of concurrent transactions take
turns at the very end of each (after the branch lock: no lock cycle) and ids and hashes form
one line. The statements go in the commit's pipeline: the chain adds no round trip. SQLite's
single writer needs no lock and has no round trip: the head is read, the records hashed here,
inserted, and the head updated. Both hash the same canonical text.

The stream events (most of what is recorded: every ticket's steps) are not appended in their
transaction but after it, by `seal`: every second (server/audit/sealer.py) and before the trail
is read (`settle`), it takes the events not in the chain yet and appends them in one batch: one
head read and update and a few pages for hundreds of records. In the transaction, on SQLite
each issue paid a record, its three index entries and the head's page in its own commit (+14 %
of an issue's CPU, docs/audit.md); on PostgreSQL every write transaction of the installation
queued for the head row's lock, and when the worker holding it waited for the GIL or a core,
all of them waited (docs/architecture.md, "Where the tail comes from"). Which events are not
in the chain yet: on SQLite those after the head's `sealed_event_id`, since its one writer
commits in id order; on PostgreSQL, whose ids are not in commit order, each hall's events after
its last sealed seq (`AuditSealed`), since a hall's events commit in seq order. The event log
is the durable source: a crash between a commit and its seal loses nothing, the next seal takes
it. The price, documented there: a record of an event follows the notes of its own
transaction, and for about a second an event is stored but not yet chained.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from server.audit.domain import Stored, canonical, data_text, tail, tail_of, ts_text
from server.audit.models import AuditHead, AuditRecord, AuditSealed
from server.auth import repository as auth_repo
from server.core import trail
from server.core.models import Branch, TicketEvent
from server.core.prepared import Prepared, driver
from server.core.trail import Note
from server.core.unit_of_work import UnitOfWork

CUSTOMER_EVENTS = frozenset({"ticket.rated", "ticket.cancelled", "ticket.issued"})
"""Done without a user or device, these are the customer's: a rating, a cancel or a ticket
through the public pages."""

_H = AuditHead.__table__
_R = AuditRecord.__table__
_READ_HEAD = Prepared(select(_H.c.last_id, _H.c.last_hash).where(_H.c.id == bindparam("one")))
_INSERT = Prepared(insert(_R))  # type: ignore[arg-type]
_SET_HEAD = Prepared(
    update(_H)  # type: ignore[arg-type]
    .where(_H.c.id == bindparam("one"))
    .values(last_id=bindparam("lid"), last_hash=bindparam("lh"))
)
_FIELDS = ("ts", "kind", "actor", "actor_name", "user_id", "device_id", "branch_id", "subject",
           "data")  # fmt: skip
_PG = Prepared(
    text(
        "WITH moved AS (UPDATE audit_head SET last_id = last_id + 1, last_hash = encode(sha256("
        "convert_to(last_hash || '[' || CAST(last_id + 1 AS text) || ',' || :rest, 'UTF8')),"
        " 'hex') WHERE id = 1 RETURNING last_id, last_hash) "
        f"INSERT INTO audit_record (id, {', '.join(_FIELDS)}, hash) "
        f"SELECT moved.last_id, {', '.join(':' + f for f in _FIELDS)}, moved.last_hash "
        # no head row: a NULL id, refused, rather than a record silently not written
        "FROM (SELECT 1) AS one LEFT JOIN moved ON true"
    ).bindparams(
        bindparam("rest", type_=_R.c.data.type),
        *(bindparam(f, type_=_R.c[f].type) for f in _FIELDS),
    )
)
"""One record: move the head, hash after its old hash (the canonical text is "[" id "," and
`tail`, see domain.py), insert."""


def _clean(text: str | None, size: int) -> str | None:
    return None if text is None else text.replace("\x00", "\ufffd")[:size]


def _actor(note: Note) -> str:
    if note.actor is not None:
        return note.actor
    if note.user_id is not None:
        return "user"
    return "device" if note.device_id is not None else "system"


def _event_note(row: dict[str, Any], name: str | None) -> Note:
    """The trail's note of one stored stream event (ticket, counter, print, config), done by
    the user or device named `name`."""
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
    as_ = "customer" if customer else None
    return Note(kind, subject, data, branch_id, as_, name, user_id, device_id)


def _row(now: datetime, note: Note) -> dict[str, Any]:
    """A record's fields but its id and hash (which the head decides)."""
    return {"ts": now, "kind": note.kind[:40], "actor": _actor(note),
            "actor_name": _clean(note.actor_name, 100), "user_id": note.user_id,
            "device_id": note.device_id, "branch_id": note.branch_id,
            "subject": _clean(note.subject, 60) or "", "data": data_text(note.data)}  # fmt: skip


def append(session: Session, now: datetime, notes: list[Note]) -> None:
    """Add `notes` to the chain after its head, in order."""
    if not notes:
        return
    rows = [_row(now, note) for note in notes]
    if driver(session)[1].name == "postgresql":
        # In the commit's pipeline (never a nested one: its exit would wait for the answer),
        # the chain sends with the events' insert, and adds no round trip of its own.
        _PG.execute_many(session, [{**row, "rest": tail(Stored(0, **row))} for row in rows])
        return
    found = _READ_HEAD.first(session, {"one": 1})
    if found is None:
        raise RuntimeError("the audit chain has no head row: run `hallq db upgrade`")
    last_id, last_hash = int(found[0]), str(found[1])
    for row in rows:
        last_id += 1
        row["id"] = last_id
        row["hash"] = last_hash = hashlib.sha256(
            (last_hash + canonical(Stored(**row))).encode()
        ).hexdigest()
    _INSERT.execute_many(session, rows)
    _SET_HEAD.execute(session, {"one": 1, "lid": last_id, "lh": last_hash}).close()


@trail.register
def record(uow: UnitOfWork, notes: list[Note], events: list[dict[str, Any]]) -> None:
    """The sink: the job's notes. Its stream events join the chain after the commit (`seal`)."""
    append(uow.session, uow.now, notes)


SEAL_BATCH = 2000
"""Events per seal job: one writer job stays short (~30 µs a record) while issuing waits."""

_E = TicketEvent.__table__
# SQLite's sealer works straight on the driver's cursor: the rows as stored (the
# time as SQLite keeps it, the event's JSON text) with no result processing, which was a third
# of a record's cost, and the time written back as read.
_READ_UNSEALED = (
    "SELECT id, branch_id, seq, type, ts, ticket_id, counter_id, user_id, device_id, data "
    "FROM ticket_event WHERE id > (SELECT sealed_event_id FROM audit_head WHERE id = 1) "
    "ORDER BY id LIMIT ?"
)
_WRITE_RECORDS = (
    "INSERT INTO audit_record (id, ts, kind, actor, actor_name, user_id, device_id, branch_id, "
    "subject, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_WRITE_HEAD = "UPDATE audit_head SET last_id = ?, last_hash = ?, sealed_event_id = ? WHERE id = 1"
_STORED_TS = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
"""How SQLAlchemy keeps a UTC time in SQLite (naive, microseconds): `ts_text` but for T and Z."""


def unsealed(session: Session) -> bool:
    """Whether any stored event is not in the chain yet (a cheap read)."""
    if driver(session)[1].name == "postgresql":
        return session.execute(_PG_LAGGING.limit(1)).first() is not None
    last = session.scalar(select(func.max(_E.c.id)))
    sealed = session.scalar(select(_H.c.sealed_event_id).where(_H.c.id == 1))
    return last is not None and sealed is not None and last > sealed


def seal(session: Session, limit: int | None = None, *, wait: bool = True) -> int:
    """As one write job: append the next `limit` stored events that are not in the chain yet;
    returns how many. Each record is what the commit's sink would have made of the event, but
    for the actor's name, read now (a user or device renamed or deleted in the second between
    gives today's name or none). SQLite: in id order, which is commit order. PostgreSQL with
    `wait=False`: 0 at once when another transaction holds the head (another process's seal)."""
    if driver(session)[1].name == "postgresql":
        return _seal_pg(session, limit or SEAL_BATCH, wait)
    cursor = driver(session)[0].cursor()
    try:
        events = cursor.execute(_READ_UNSEALED, (limit or SEAL_BATCH,)).fetchall()
        if not events:
            return 0
        head = cursor.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
        if head is None:
            raise RuntimeError("the audit chain has no head row: run `hallq db upgrade`")
        names = _names(session, events)
        last_id, last_hash = int(head[0]), str(head[1])
        rows = []
        for e in events:
            last_id += 1
            record = _sealed(e, json.loads(e[9]), names)
            ts = _ts_text(e[4])
            canonical = f"[{last_id},{tail_of(ts, *record)}"
            last_hash = hashlib.sha256((last_hash + canonical).encode()).hexdigest()
            rows.append((last_id, e[4], *record, last_hash))
        cursor.executemany(_WRITE_RECORDS, rows)
        cursor.execute(_WRITE_HEAD, (last_id, last_hash, events[-1][0]))
    finally:
        cursor.close()
    return len(events)


_S = AuditSealed.__table__
_B = Branch.__table__
_LAST = func.coalesce(_S.c.seq, 0)
_MARKS = _B.outerjoin(_S, _S.c.branch_id == _B.c.id)
_PG_LAGGING = select(_B.c.id).select_from(_MARKS).where(_B.c.last_seq > _LAST)
"""The halls with an event committed after their last one in the chain (`last_seq` is set in
the events' transaction): one read of the branch rows, none of the events, when none lag."""
_PG_HEAD = select(_H.c.last_id, _H.c.last_hash).where(_H.c.id == 1).with_for_update()
_PG_HEAD_FREE = _PG_HEAD.with_for_update(skip_locked=True)
_PG_UNSEALED = (
    select(_E.c.id, _E.c.branch_id, _E.c.seq, _E.c.type, _E.c.ts, _E.c.ticket_id,
           _E.c.counter_id, _E.c.user_id, _E.c.device_id, _E.c.data)
    .select_from(_MARKS.join(_E, (_E.c.branch_id == _B.c.id) & (_E.c.seq > _LAST)))
    .where(_B.c.last_seq > _LAST)
    .order_by(_E.c.id)
    .limit(bindparam("n"))
)  # fmt: skip
"""A hall's events are numbered and stored under its branch row's lock, so within a hall id
order is seq order: the first `n` by id are, per hall, the next ones after its last sealed."""


def _seal_pg(session: Session, limit: int, wait: bool) -> int:
    """PostgreSQL: the head row locked first (the sealers of several processes and the notes'
    appends take turns; each reads the halls' progress after the one before it committed),
    then each hall's events after its last sealed seq. An event whose transaction commits
    after a later id was sealed is still after its hall's mark: taken by the next seal."""
    head = session.execute(_PG_HEAD if wait else _PG_HEAD_FREE).first()
    if head is None and not wait:
        return 0  # held: by the seal of another process (or a note's append, for a moment)
    if head is None:
        raise RuntimeError("the audit chain has no head row: run `hallq db upgrade`")
    events = session.execute(_PG_UNSEALED, {"n": limit}).all()
    if not events:
        return 0
    names = _names(session, events)
    last_id, last_hash = int(head[0]), str(head[1])
    rows, marks = [], {}
    for e in events:
        last_id += 1
        record = zip(_FIELDS[1:], _sealed(e, e[9], names), strict=True)
        row = {"id": last_id, "ts": e[4], **dict(record)}
        row["hash"] = last_hash = hashlib.sha256(
            (last_hash + canonical(Stored(**row))).encode()
        ).hexdigest()
        rows.append(row)
        marks[e[1]] = e[2]
    _INSERT.execute_many(session, rows)
    _SET_HEAD.execute(session, {"one": 1, "lid": last_id, "lh": last_hash}).close()
    upsert = pg_insert(_S).values(  # type: ignore[arg-type]
        [{"branch_id": b, "seq": q} for b, q in marks.items()]
    )
    session.execute(
        upsert.on_conflict_do_update(index_elements=[_S.c.branch_id],
                                     set_={"seq": upsert.excluded.seq})
    )  # fmt: skip
    return len(events)


def _names(session: Session, events: Sequence[Any]) -> dict[tuple[str, int], str]:
    """The usernames and device names of the events' actors, as they are now."""
    users = auth_repo.usernames(session, (e[7] for e in events if e[7] is not None))
    devices = auth_repo.device_names(session, (e[8] for e in events if e[8] is not None))
    return {**{("user", i): n for i, n in users.items()},
            **{("device", i): n for i, n in devices.items()}}  # fmt: skip


def _sealed(e: Any, event: Any, names: dict[tuple[str, int], str]) -> tuple[Any, ...]:
    """(kind, actor, actor_name, user_id, device_id, branch_id, subject, data) of an event row
    (id, branch_id, seq, type, ts, ticket_id, counter_id, user_id, device_id, data) whose data
    is `event`, parsed."""
    user_id, device_id = e[7], e[8]
    name = (
        names.get(("user", user_id)) if user_id is not None
        else names.get(("device", device_id)) if device_id is not None else None
    )  # fmt: skip
    row = {"type": e[3], "ticket_id": e[5], "counter_id": e[6], "branch_id": e[1],
           "seq": e[2], "user_id": user_id, "device_id": device_id,
           "data": event}  # fmt: skip
    note = _event_note(row, name)
    return (note.kind[:40], _actor(note), _clean(note.actor_name, 100), user_id, device_id,
            note.branch_id, _clean(note.subject, 60) or "", data_text(note.data))  # fmt: skip


def _ts_text(stored: str) -> str:
    if _STORED_TS.fullmatch(stored):
        return stored.replace(" ", "T") + "Z"
    return ts_text(datetime.fromisoformat(stored).replace(tzinfo=UTC))
