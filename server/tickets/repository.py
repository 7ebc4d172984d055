"""Queries of tickets and queues. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from server.core.prepared import Prepared, batch, driver
from server.halls.models import Counter
from server.tickets.estimate import RECENT_WINDOW, WINDOW, Waiting
from server.tickets.models import ServiceDay, Ticket
from server.tickets.selection import PRIORITY_LANE

_RECENT_FINISHED = (
    select(Ticket.state, Ticket.finished_at, Ticket.started_at, Ticket.called_at)
    .where(
        Ticket.service_id == bindparam("service_id"),
        Ticket.state.in_(("done", "no_show")),
        Ticket.finished_at >= bindparam("since"),
    )
    .order_by(Ticket.finished_at.desc())
    .limit(2 * RECENT_WINDOW)
)

_ARRIVED = Prepared(
    select(func.count())
    .select_from(Ticket)
    .where(
        Ticket.branch_id == bindparam("branch_id"),
        Ticket.business_date == bindparam("day"),
        Ticket.issued_service_id == bindparam("service_id"),
        Ticket.priority != "appointment",
        Ticket.issued_at >= bindparam("since"),
    )
)  # fmt: skip


def walked_in_since(session: Session, branch_id: int, service_id: int, day: date,
                    since: datetime) -> int:  # fmt: skip
    """Tickets issued to a service since `since` on `day`, appointments' left out."""
    found = _ARRIVED.scalar(session, {"branch_id": branch_id, "day": day,
                                      "service_id": service_id, "since": since})  # fmt: skip
    return int(found or 0)


def recent_finished(
    session: Session, service_id: int, since: datetime
) -> tuple[list[float], list[float]]:
    """Of a service's tickets finished since `since`, newest first: the service times (s) of
    the last RECENT_WINDOW done (from the start, else the call), and how long each of the last
    RECENT_WINDOW done or no-show kept its counter (from the call). One query."""
    rows = (
        session.connection()
        .execute(_RECENT_FINISHED, {"service_id": service_id, "since": since})
        .all()
    )
    durations: list[float] = []
    turns: list[float] = []
    for state, finished, started, called in rows:
        if finished is None:
            continue
        began = started or called
        if state == "done" and began is not None and len(durations) < RECENT_WINDOW:
            durations.append((finished - began).total_seconds())
        if called is not None and len(turns) < RECENT_WINDOW:
            turns.append((finished - called).total_seconds())
    return durations, turns


def _instant(value: Any) -> datetime | None:
    """A date-time as the driver returns it (SQLite: text; PostgreSQL: aware) → aware UTC."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _when(value: Any) -> datetime:
    found = _instant(value)
    assert found is not None  # a waiting ticket's effective time is never null
    return found


# The forecast's two reads run on every issue that finds no forecast kept: compiled once and
# run on the cursor (`Prepared`), their few date-times converted here.
_QUEUE = Prepared(
    select(
        Ticket.id, Ticket.service_id, Ticket.priority, Ticket.effective_at,
        Ticket.target_counter_id,
    )
    .where(
        Ticket.branch_id == bindparam("branch_id"),
        Ticket.state == "waiting",
        Ticket.business_date == bindparam("day"),
    )
    .order_by(Ticket.effective_at, Ticket.id)
    .limit(WINDOW)
)  # fmt: skip


def queue_of(session: Session, branch_id: int, business_date: date) -> list[Waiting]:
    """The first WINDOW tickets waiting in a branch today, in queue order, as the forecast
    sees them."""
    cursor = _QUEUE.execute(session, {"branch_id": branch_id, "day": business_date})
    rows = cursor.fetchall()
    cursor.close()
    return [Waiting(i, s, p, _when(at), c) for i, s, p, at, c in rows]


_DESKS = Prepared(
    select(
        Counter.id, Counter.state, Counter.priority_interleave, Counter.normals_since_priority,
        Ticket.service_id, Ticket.called_at, Ticket.state,
    )
    .outerjoin(Ticket, Ticket.id == Counter.ticket_id)
    .where(
        Counter.branch_id == bindparam("branch_id"),
        Counter.state != "closed",  # open or paused
        Counter.deleted.is_(False),
    )
    .order_by(Counter.number)
)  # fmt: skip


def desks_of(session: Session, branch_id: int) -> list[tuple[Any, ...]]:
    """The open and paused counters of a branch: (id, state, interleave, normals since a
    priority one, and the service, first call and state of the ticket in hand, if any)."""
    cursor = _DESKS.execute(session, {"branch_id": branch_id})
    rows = cursor.fetchall()
    cursor.close()
    return [(c, st, i, n, s, _instant(at), ts) for c, st, i, n, s, at, ts in rows]


def waiting_tickets(session: Session, branch_id: int, business_date: date) -> Sequence[Ticket]:
    """All waiting tickets of the day in queue order."""
    return session.scalars(
        select(Ticket)
        .where(
            Ticket.branch_id == branch_id,
            Ticket.state == "waiting",
            Ticket.business_date == business_date,
        )
        .order_by(Ticket.effective_at, Ticket.id)
    ).all()


def _queue_head(priority: bool) -> Select[Any]:
    """The id of the first waiting ticket of one lane for a counter: its services, or
    transferred to it."""
    query = (
        select(Ticket.id)
        .where(
            Ticket.branch_id == bindparam("branch_id"),
            Ticket.state == "waiting",
            Ticket.business_date == bindparam("day"),
            (
                Ticket.service_id.in_(bindparam("service_ids", expanding=True))
                & Ticket.target_counter_id.is_(None)
            )
            | (Ticket.target_counter_id == bindparam("counter_id")),
        )
        .order_by(Ticket.effective_at, Ticket.id)
        .limit(1)
    )
    # the lanes of selection.in_priority_lane: appointments queue with the walk-ins
    if priority:
        return query.where(Ticket.priority == PRIORITY_LANE)
    return query.where(Ticket.priority != PRIORITY_LANE)


# Both lanes' heads in one statement: a call is one round trip fewer on PostgreSQL.
_QUEUE_HEADS = select(Ticket).where(
    Ticket.id.in_([_queue_head(False).scalar_subquery(), _queue_head(True).scalar_subquery()])
)


def queue_heads(
    session: Session,
    *,
    branch_id: int,
    business_date: date,
    service_ids: Sequence[int],
    counter_id: int,
) -> tuple[Ticket | None, Ticket | None]:
    """The first normal and the first priority ticket waiting for a counter: from its
    services, or transferred to it.

    The session is not flushed first: the caller's pending changes must not change who waits
    (call-next's only one is the ticket it completed), and its one flush at the commit then
    writes the counter once, not twice."""
    with session.no_autoflush:
        found = session.scalars(
            _QUEUE_HEADS,
            {"branch_id": branch_id, "day": business_date, "service_ids": list(service_ids),
             "counter_id": counter_id},
        ).all()  # fmt: skip
    normal = next((t for t in found if t.priority != PRIORITY_LANE), None)
    priority = next((t for t in found if t.priority == PRIORITY_LANE), None)
    return normal, priority


_TABLES = Ticket.metadata.tables  # Table objects, as Core statements want them
_SERVICE_DAY = _TABLES["service_day"].c
# Statements on the issuing path are plain Core on the tables (not ORM-enabled), compiled once
# and run on the DBAPI cursor (`Prepared`): a fraction of an ORM flush or a Core execute.
_ADVANCE_DAY = Prepared(
    update(_TABLES["service_day"])
    .where(
        _SERVICE_DAY.service_id == bindparam("sid"), _SERVICE_DAY.business_date == bindparam("day")
    )
    .values(issued=_SERVICE_DAY.issued + 1)
    .returning(_SERVICE_DAY.issued, _SERVICE_DAY.waiting)
)
_INSERT_TICKET = Prepared(insert(_TABLES["ticket"]).returning(_TABLES["ticket"].c.id))


def insert_ticket(session: Session, values: dict[str, object]) -> int:
    """Insert one ticket row (every column given); returns its id."""
    return int(_INSERT_TICKET.scalar(session, values))


_FIRST_OF_DAY = Prepared(
    pg_insert(_TABLES["service_day"])
    .values(service_id=bindparam("sid"), business_date=bindparam("day"), issued=1, waiting=0)
    .on_conflict_do_update(
        index_elements=[_SERVICE_DAY.service_id, _SERVICE_DAY.business_date],
        set_={"issued": _SERVICE_DAY.issued + 1},
    )
    .returning(_SERVICE_DAY.issued, _SERVICE_DAY.waiting)
)


_WAITING_IN_QUEUE = (
    select(func.count())
    .select_from(Ticket)
    .where(
        # branch_id is implied by service_id, but lets the queue index serve the count
        Ticket.branch_id == bindparam("branch_id"),
        Ticket.service_id == bindparam("service_id"),
        Ticket.business_date == bindparam("day"),
        Ticket.state == "waiting",
    )
)
_BEHIND = Prepared(_WAITING_IN_QUEUE.where(Ticket.effective_at > bindparam("at")))


def take_number(
    session: Session,
    *,
    branch_id: int,
    service_id: int,
    business_date: date,
    effective_at: datetime,
) -> tuple[int, int]:
    """Advance the day's ticket count of a service; returns the new count (the ticket's daily
    seq) and how many people wait ahead of a ticket queued at `effective_at`: everyone waiting
    in that queue, less those ordered after it (a priority ticket's boost; normally nobody),
    read from the queue index's tail instead of counting the whole queue.

    On PostgreSQL the count's row stays locked until the commit: the service's issues take
    turns from here, and both statements go in one round trip (the second runs once the first
    has its lock, so it sees the turn before's ticket). The first issue of a day is an upsert:
    two may race to create the row."""
    day = {"sid": service_id, "day": business_date}
    behind_of = {"branch_id": branch_id, "service_id": service_id, "day": business_date,
                 "at": effective_at}  # fmt: skip
    if driver(session)[1].name != "postgresql":
        issued, waiting = _advance(session, service_id, business_date)
        return issued, waiting - int(_BEHIND.scalar(session, behind_of) or 0)
    with batch(session):
        advanced = _ADVANCE_DAY.execute(session, day)
        counted = _BEHIND.execute(session, behind_of)
        found, behind = advanced.fetchone(), counted.fetchone()
        advanced.close()
        counted.close()
    if found is None:  # the day's first: counted again once the row is there, and locked
        found = _FIRST_OF_DAY.first(session, day)
        assert found is not None
        behind = (_BEHIND.scalar(session, behind_of),)
    return int(found[0]), int(found[1]) - int(behind[0] or 0)


def _advance(session: Session, service_id: int, business_date: date) -> tuple[int, int]:
    """SQLite: the day's new count and the people waiting in the queue before this ticket."""
    updated = _ADVANCE_DAY.first(session, {"sid": service_id, "day": business_date})
    if updated is not None:
        return int(updated[0]), int(updated[1])
    session.add(ServiceDay(service_id=service_id, business_date=business_date, issued=1, waiting=0))
    session.flush()
    return 1, 0


def issued_count(session: Session, service_id: int, business_date: date) -> int:
    row = session.get(ServiceDay, (service_id, business_date))
    return row.issued if row else 0


def tickets(
    session: Session,
    *,
    branch_ids: Sequence[int] | None,
    branch_id: int | None,
    state: str | None,
    service_id: int | None,
    business_date: date | None,
    limit: int,
    offset: int,
) -> Sequence[Ticket]:
    query = select(Ticket).order_by(Ticket.id)
    if branch_ids is not None:
        query = query.where(Ticket.branch_id.in_(branch_ids))
    if branch_id is not None:
        query = query.where(Ticket.branch_id == branch_id)
    if state is not None:
        query = query.where(Ticket.state == state)
    if service_id is not None:
        query = query.where(Ticket.service_id == service_id)
    if business_date is not None:
        query = query.where(Ticket.business_date == business_date)
    return session.scalars(query.limit(limit).offset(offset)).all()


def last_completed(
    session: Session, *, branch_id: int, counter_id: int, since_date: date, since: datetime
) -> Ticket | None:
    """The ticket completed last at a counter, if it finished at `since` or later."""
    query = (
        select(Ticket)
        .where(
            Ticket.branch_id == branch_id,
            Ticket.business_date >= since_date,
            Ticket.counter_id == counter_id,
            Ticket.state == "done",
            Ticket.finished_at >= since,
        )
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def ticket_by_public_id(session: Session, public_id: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.public_id == public_id)).one_or_none()


_POSITION = _WAITING_IN_QUEUE.where(
    or_(
        Ticket.effective_at < bindparam("at"),
        and_(Ticket.effective_at == bindparam("at"), Ticket.id < bindparam("id")),
    )
)


def position_in_queue(session: Session, ticket: Ticket) -> int:
    """People waiting ahead of `ticket` in its service's queue today."""
    ahead = session.connection().scalar(
        _POSITION,
        {"branch_id": ticket.branch_id, "service_id": ticket.service_id,
         "day": ticket.business_date, "at": ticket.effective_at, "id": ticket.id},
    )  # fmt: skip
    return int(ahead or 0)


def earliest_waiting(
    session: Session, *, service_id: int, business_date: date, other_than: int
) -> datetime | None:
    """Effective time of the first ticket waiting in a service's queue of the day, other than
    ticket `other_than`."""
    return session.scalar(
        select(func.min(Ticket.effective_at)).where(
            Ticket.service_id == service_id,
            Ticket.business_date == business_date,
            Ticket.state == "waiting",
            Ticket.id != other_than,
        )
    )


def tickets_by_id(session: Session, ids: Iterable[int]) -> Sequence[Ticket]:
    return session.scalars(select(Ticket).where(Ticket.id.in_(list(ids)))).all()
