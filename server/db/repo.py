"""Queries. Services call these; nothing here commits."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from server.db.models import (
    AuthToken,
    Branch,
    Counter,
    CounterService,
    Device,
    IdempotencyKey,
    PrintJob,
    Service,
    ServiceDay,
    Ticket,
    TicketEvent,
    User,
    UserBranch,
)
from server.db.prepared import Prepared
from server.db.writer import MEMO, ROWS
from server.domain.errors import NotFound
from server.domain.estimate import RECENT_WINDOW

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


def row(session: Session, model: type[T], id_: int) -> T | None:
    """`session.get`, kept for the rest of the transaction — and, in the group committer's
    session, for as long as it is known to be current (server/db/writer.py). A row not found
    is not kept: it may be inserted next."""
    store = _kept(session)
    key = (model, id_)
    found: T | None = store.get(key)
    if found is None:
        found = session.get(model, id_)
        if found is not None:
            store[key] = found
    return found


def _kept(session: Session) -> dict[Hashable, Any]:
    """What `row` and `served_by` keep (`writer.ROWS`)."""
    kept: dict[Hashable, Any] = session.info.setdefault(ROWS, {})
    return kept


def _services_key(counter_id: int) -> Hashable:
    return (CounterService, "of", counter_id)


def branches(session: Session, ids: Sequence[int] | None = None) -> Sequence[Branch]:
    query = select(Branch).order_by(Branch.id)
    if ids is not None:
        query = query.where(Branch.id.in_(ids))
    return session.scalars(query).all()


def services(session: Session, branch_id: int | None) -> Sequence[Service]:
    query = select(Service).where(Service.deleted.is_(False)).order_by(Service.id)
    if branch_id is not None:
        query = query.where(Service.branch_id == branch_id)
    return session.scalars(query).all()


def counters(session: Session, branch_id: int | None) -> Sequence[Counter]:
    query = select(Counter).where(Counter.deleted.is_(False)).order_by(Counter.number)
    if branch_id is not None:
        query = query.where(Counter.branch_id == branch_id)
    return session.scalars(query).all()


_COUNTER_SERVICES = (
    select(CounterService.counter_id, CounterService.service_id)
    .where(CounterService.counter_id.in_(bindparam("ids", expanding=True)))
    .order_by(CounterService.counter_id, CounterService.position)
)


def counter_service_ids(session: Session, counter_ids: Sequence[int]) -> dict[int, list[int]]:
    session.flush()
    rows = session.connection().execute(_COUNTER_SERVICES, {"ids": list(counter_ids)}).all()
    result: dict[int, list[int]] = {cid: [] for cid in counter_ids}
    for counter_id, service_id in rows:
        result[counter_id].append(service_id)
    return result


def served_by(session: Session, counter_id: int) -> list[int]:
    """One counter's service ids in its order, kept like `row` (`set_counter_services`
    forgets them)."""
    store = _kept(session)
    key = _services_key(counter_id)
    if key not in store:
        store[key] = counter_service_ids(session, [counter_id])[counter_id]
    ids: list[int] = store[key]
    return list(ids)  # the kept list stays as read


def set_counter_services(session: Session, counter_id: int, service_ids: Sequence[int]) -> None:
    _kept(session).pop(_services_key(counter_id), None)
    session.execute(delete(CounterService).where(CounterService.counter_id == counter_id))
    for position, service_id in enumerate(service_ids):
        session.add(CounterService(counter_id=counter_id, service_id=service_id, position=position))


# The statements on the issuing path are built once: building a SQLAlchemy expression costs
# more Python time than running the (cached) compiled statement on SQLite.
_OPEN_COUNTERS = (
    select(CounterService.service_id, func.count())
    .join(Counter, Counter.id == CounterService.counter_id)
    .where(
        Counter.branch_id == bindparam("branch_id"),
        Counter.state == "open",
        Counter.deleted.is_(False),
    )
    .group_by(CounterService.service_id)
)


def open_counters_by_service(session: Session, branch_id: int) -> dict[int, int]:
    rows = session.connection().execute(_OPEN_COUNTERS, {"branch_id": branch_id}).all()
    return {service_id: int(n) for service_id, n in rows}


_RECENT_DURATIONS = (
    select(Ticket.finished_at, Ticket.started_at, Ticket.called_at)
    .where(
        Ticket.service_id == bindparam("service_id"),
        Ticket.state == "done",
        Ticket.finished_at >= bindparam("since"),
    )
    .order_by(Ticket.finished_at.desc())
    .limit(RECENT_WINDOW)
)


def recent_service_durations(
    session: Session, service_ids: Sequence[int], since: datetime
) -> dict[int, list[float]]:
    """Durations (s) of the last RECENT_WINDOW finished tickets per service since `since`."""
    result: dict[int, list[float]] = {}
    for service_id in service_ids:
        rows = (
            session.connection()
            .execute(_RECENT_DURATIONS, {"service_id": service_id, "since": since})
            .all()
        )
        durations = []
        for finished, started, called in rows:
            began = started or called
            if finished is not None and began is not None:
                durations.append((finished - began).total_seconds())
        result[service_id] = durations
    return result


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
    query = (
        select(Ticket)
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
    if priority:
        return query.where(Ticket.priority != "normal")
    return query.where(Ticket.priority == "normal")


_QUEUE_HEADS = {flag: _queue_head(flag) for flag in (True, False)}


def queue_head(
    session: Session,
    *,
    branch_id: int,
    business_date: date,
    service_ids: Sequence[int],
    counter_id: int,
    priority: bool,
) -> Ticket | None:
    """The first waiting ticket for a counter: its services, or transferred to it.

    The session is not flushed first: the caller's pending changes must not change who waits
    (call-next's only one is the ticket it completed), and its one flush at the commit then
    writes the counter once, not twice."""
    with session.no_autoflush:
        return session.scalars(
            _QUEUE_HEADS[priority],
            {"branch_id": branch_id, "day": business_date, "service_ids": list(service_ids),
             "counter_id": counter_id},
        ).first()  # fmt: skip


_TABLES = Ticket.metadata.tables
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
_INSERT_EVENTS = Prepared(insert(_TABLES["ticket_event"]))
_SET_LAST_SEQ = Prepared(
    update(_TABLES["branch"])
    .where(_TABLES["branch"].c.id == bindparam("bid"))
    .values(last_seq=bindparam("seq"))
)


def insert_ticket(session: Session, values: dict[str, object]) -> int:
    """Insert one ticket row (every column given); returns its id."""
    return int(_INSERT_TICKET.scalar(session, values))


def insert_events(session: Session, rows: list[dict[str, object]]) -> None:
    _INSERT_EVENTS.execute_many(session, rows)


def set_last_seq(session: Session, branch_id: int, seq: int) -> None:
    _SET_LAST_SEQ.execute(session, {"bid": branch_id, "seq": seq}).close()


def advance_service_day(session: Session, service_id: int, business_date: date) -> tuple[int, int]:
    """Advance the day's ticket count of a service (inside the write lock); returns the new
    count and how many tickets wait in that queue (before the one being issued)."""
    updated = _ADVANCE_DAY.first(session, {"sid": service_id, "day": business_date})
    if updated is not None:
        return int(updated[0]), int(updated[1])
    session.add(ServiceDay(service_id=service_id, business_date=business_date, issued=1, waiting=0))
    session.flush()
    return 1, 0


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


def position_of_new(session: Session, ticket: Ticket, waiting_before: int) -> int:
    """People ahead of a ticket just queued: everyone who waited before it, less those ordered
    after it (a priority ticket's boost; normally nobody), read from the queue index's tail
    instead of counting the whole queue."""
    behind = _BEHIND.scalar(
        session,
        {"branch_id": ticket.branch_id, "service_id": ticket.service_id,
         "day": ticket.business_date, "at": ticket.effective_at},
    )  # fmt: skip
    return waiting_before - int(behind or 0)


def issued_count(session: Session, service_id: int, business_date: date) -> int:
    row = session.get(ServiceDay, (service_id, business_date))
    return row.issued if row else 0


def recent_calls(session: Session, branch_id: int, limit: int = 8) -> Sequence[TicketEvent]:
    return session.scalars(
        select(TicketEvent)
        .where(
            TicketEvent.branch_id == branch_id,
            TicketEvent.type.in_(("ticket.called", "ticket.recalled")),
        )
        .order_by(TicketEvent.seq.desc())
        .limit(limit)
    ).all()


def events_after(
    session: Session, branch_id: int, after: int, upto: int | None = None
) -> Sequence[TicketEvent]:
    query = (
        select(TicketEvent)
        .where(TicketEvent.branch_id == branch_id, TicketEvent.seq > after)
        .order_by(TicketEvent.seq)
    )
    if upto is not None:
        query = query.where(TicketEvent.seq <= upto)
    return session.scalars(query).all()


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


def ticket_by_public_id(session: Session, public_id: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.public_id == public_id)).one_or_none()


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def user_branch_ids(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(UserBranch.branch_id)
            .where(UserBranch.user_id == user_id)
            .order_by(UserBranch.branch_id)
        )
    )


def set_user_branches(session: Session, user_id: int, branch_ids: Sequence[int]) -> None:
    session.execute(delete(UserBranch).where(UserBranch.user_id == user_id))
    for branch_id in sorted(set(branch_ids)):
        session.add(UserBranch(user_id=user_id, branch_id=branch_id))


def users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.id)).all()


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def token(session: Session, token_hash: str) -> AuthToken | None:
    return session.scalars(select(AuthToken).where(AuthToken.token_hash == token_hash)).first()


def device_by_token(session: Session, token_hash: str) -> Device | None:
    return session.scalars(select(Device).where(Device.token_hash == token_hash)).first()


def devices(session: Session, branch_ids: Sequence[int] | None) -> Sequence[Device]:
    query = select(Device).order_by(Device.id)
    if branch_ids is not None:
        query = query.where(Device.branch_id.in_(branch_ids))
    return session.scalars(query).all()


def print_jobs(
    session: Session,
    *,
    state: str | None,
    kiosk_id: int | None,
    branch_id: int | None,
    visible: Sequence[int] | None,
    limit: int,
    offset: int,
) -> Sequence[tuple[PrintJob, Ticket]]:
    """Print jobs with their tickets, oldest first; `visible`: the branches the reader may see."""
    query = select(PrintJob, Ticket).join(Ticket, Ticket.id == PrintJob.ticket_id)
    if state is not None:
        query = query.where(PrintJob.state == state)
    if kiosk_id is not None:
        query = query.where(PrintJob.kiosk_id == kiosk_id)
    if branch_id is not None:
        query = query.where(PrintJob.branch_id == branch_id)
    if visible is not None:
        query = query.where(PrintJob.branch_id.in_(visible))
    rows = session.execute(query.order_by(PrintJob.id).limit(limit).offset(offset)).all()
    return [(job, ticket) for job, ticket in rows]


def pending_print_jobs(session: Session) -> dict[int, int]:
    """Pending print jobs per kiosk id."""
    rows = session.execute(
        select(PrintJob.kiosk_id, func.count())
        .where(PrintJob.state == "pending")
        .group_by(PrintJob.kiosk_id)
    ).all()
    return {kiosk_id: int(n) for kiosk_id, n in rows}


def idempotency(session: Session, principal: str, key: str) -> IdempotencyKey | None:
    return session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.principal == principal, IdempotencyKey.key == key
        )
    ).first()


def purge_idempotency(session: Session, before: datetime) -> None:
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))


def purge_tokens(session: Session, now: datetime) -> None:
    session.execute(delete(AuthToken).where(AuthToken.expires_at < now - timedelta(days=1)))


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


def earliest_waiting(session: Session, ticket: Ticket) -> datetime | None:
    """Effective time of the first other ticket waiting in `ticket`'s service queue today."""
    return session.scalar(
        select(func.min(Ticket.effective_at)).where(
            Ticket.service_id == ticket.service_id,
            Ticket.business_date == ticket.business_date,
            Ticket.state == "waiting",
            Ticket.id != ticket.id,
        )
    )


def tickets_by_id(session: Session, ids: Iterable[int]) -> Sequence[Ticket]:
    return session.scalars(select(Ticket).where(Ticket.id.in_(list(ids)))).all()
