"""Queries every domain shares: rows kept by the writer, idempotency keys, the event log.

Nothing here commits."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, insert, inspect, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from server.core.errors import NotFound
from server.core.models import Base, IdempotencyKey
from server.core.prepared import Prepared, batch, driver
from server.core.session_keys import MEMO, ROWS

T = TypeVar("T")


def get_or_404(session: Session, model: type[T], id_: int, what: str) -> T:
    row = session.get(model, id_)
    if row is None or getattr(row, "deleted", False):
        raise NotFound(f"{what} {id_} does not exist")
    return row


def memo(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per transaction: figures that many jobs of one group commit need
    (rows are kept by `row`)."""
    store: dict[Hashable, Any] = session.info.setdefault(MEMO, {})
    if key not in store:
        store[key] = compute()
    value: T = store[key]
    return value


def forget(session: Session, key: Hashable) -> None:
    """Drop one memoised figure: a write just changed what it was computed from."""
    store: dict[Hashable, Any] | None = session.info.get(MEMO)
    if store is not None:
        store.pop(key, None)


def forget_figures(session: Session) -> None:
    """Drop every memoised figure (a hall's set-up changed)."""
    session.info.pop(MEMO, None)


def row(session: Session, model: type[T], id_: int) -> T | None:
    """`session.get`, kept for the rest of the transaction — and, in the group committer's
    session, for as long as it is known to be current (server/core/writer.py). A row not found
    is not kept: it may be inserted next."""
    store = _kept(session)
    key = (model, id_)
    found: T | None = store.get(key)
    if found is None:
        found = session.get(model, id_)
        if found is not None:
            store[key] = found
    return found


_BY_ID: dict[type[Any], tuple[Prepared, list[str]]] = {}


def _by_id(model: type[Any]) -> tuple[Prepared, list[str]]:
    """The `Prepared` read of one row of `model` by id, and its columns' attribute names."""
    found = _BY_ID.get(model)
    if found is None:
        mapper = inspect(model)
        columns = list(mapper.local_table.c)
        names = [mapper.get_property_by_column(c).key for c in columns]
        read = Prepared(select(*columns).where(mapper.local_table.c.id == bindparam("id")))
        found = _BY_ID[model] = (read, names)
    return found


def rows_after(
    session: Session,
    first: Prepared,
    params: Mapping[str, Any],
    wanted: Sequence[tuple[type[Any], int]],
) -> list[Any]:
    """Run `first` (a lock: its result is not read), then read the rows `wanted` (model, id),
    in one round trip on PostgreSQL (pipeline mode). The server runs each statement after the
    one before, each with a snapshot of its own, so the rows are read once the lock is held.
    Each row found becomes the session's, as if `session.get` had loaded it (an instance the
    session has already is brought up to date, as `populate_existing` would), kept like
    `row`'s; a row not found is None. For rows whose columns need no result processing
    (integers, text, booleans, JSON on psycopg): `server.core.prepared`."""
    session.flush()  # as a query through the session would: its changes go first
    dialect = driver(session)[1]
    reads = [_by_id(model) for model, _ in wanted]
    for read, _ in reads:
        read.check_plain(dialect)
    with batch(session):
        first.execute(session, params).close()
        cursors = [
            read.execute(session, {"id": id_})
            for (read, _), (_, id_) in zip(reads, wanted, strict=True)
        ]
        fetched = [cursor.fetchone() for cursor in cursors]
    for cursor in cursors:
        cursor.close()
    store = _kept(session)
    out: list[Any] = []
    for (model, id_), (_, names), values in zip(wanted, reads, fetched, strict=True):
        if values is None:
            out.append(None)
            continue
        found = store[(model, id_)] = _adopt(session, model, dict(zip(names, values, strict=True)))
        out.append(found)
    return out


def _adopt(session: Session, model: type[T], values: dict[str, Any]) -> T:
    """A row read by hand, made the session's persistent instance of it."""
    key = session.identity_key(model, values["id"])
    known: T | None = session.identity_map.get(key)
    if known is not None:
        for name, value in values.items():
            set_committed_value(known, name, value)
        return known
    made = model(**values)
    make_transient_to_detached(made)
    session.add(made)
    return made


def _kept(session: Session) -> dict[Hashable, Any]:
    """What `row` and `served_by` keep (`writer.ROWS`)."""
    kept: dict[Hashable, Any] = session.info.setdefault(ROWS, {})
    return kept


# Plain Core statements on the tables (not ORM-enabled), compiled once (`Prepared`).
_BRANCH = Base.metadata.tables["branch"]
_INSERT_EVENTS = Prepared(insert(Base.metadata.tables["ticket_event"]))
_SET_LAST_SEQ = Prepared(
    update(_BRANCH).where(_BRANCH.c.id == bindparam("bid")).values(last_seq=bindparam("seq"))
)


_TAKE_SEQS = Prepared(
    update(_BRANCH)
    .where(_BRANCH.c.id == bindparam("bid"))
    .values(last_seq=_BRANCH.c.last_seq + bindparam("n"))
    .returning(_BRANCH.c.last_seq)
)


def take_seqs(session: Session, branch_id: int, count: int) -> int:
    """Advance the branch's `last_seq` by `count` and return the new value (the last of the
    seqs taken); the UPDATE locks the branch row until the transaction ends."""
    return int(_TAKE_SEQS.scalar(session, {"bid": branch_id, "n": count}))


def insert_events(session: Session, rows: list[dict[str, object]]) -> None:
    _INSERT_EVENTS.execute_many(session, rows)


def set_last_seq(session: Session, branch_id: int, seq: int) -> None:
    _SET_LAST_SEQ.execute(session, {"bid": branch_id, "seq": seq}).close()


def idempotency(session: Session, principal: str, key: str) -> IdempotencyKey | None:
    return session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.principal == principal, IdempotencyKey.key == key
        )
    ).first()


def purge_idempotency(session: Session, before: datetime) -> None:
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))
