"""Statistics queries: aggregates and whole-second histograms computed by the database.

The ticket's own columns hold its last queue segment (queued_at is when it entered its current
queue, called_at the first call since); earlier segments of transferred or requeued tickets
are read from their `ticket_event` rows (see server/stats/figures.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from server.auth.models import Device, User
from server.core.models import TicketEvent
from server.halls.models import Counter, Service
from server.stats.figures import LOW_RATING, SEGMENT_EVENTS, Scope, SegmentEvent, offset_changes
from server.tickets.domain import DAY_CLOSED, TicketRequeued, TicketTransferred
from server.tickets.models import Ticket


class ms_between(FunctionElement[int]):
    """Whole milliseconds from `b` to `a` (two UTC timestamp columns)."""

    type = BigInteger()
    inherit_cache = True
    name = "ms_between"


@compiles(ms_between, "sqlite")
def _ms_sqlite(element: ms_between, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday keeps milliseconds exactly (SQLite stores the instant as integer ms)
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(round((julianday({a}) - julianday({b})) * 86400000.0) AS INTEGER)"


@compiles(ms_between, "postgresql")
def _ms_postgresql(element: ms_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(round(date_part('epoch', {a} - {b}) * 1000) AS BIGINT)"


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def tune(session: Session) -> None:
    """PostgreSQL: no JIT for these queries (compiling cost 30–100 ms per query and saved less
    than that on a million rows, docs/benchmarks.md)."""
    if _dialect(session) == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _local_hour(session: Session, scope: Scope) -> ColumnElement[Any]:
    """Hour of day of the issue in the ticket's branch timezone."""
    if _dialect(session) == "postgresql":
        zone = case({b.id: b.timezone for b in scope.branches}, value=Ticket.branch_id,
                    else_="UTC")  # fmt: skip
        return cast(func.date_part("hour", func.timezone(zone, Ticket.issued_at)), Integer)
    # SQLite has no time zones: shift by the UTC offset in force at the issue instant.
    start, end = scope.utc_window()
    whens: list[tuple[ColumnElement[bool], Any]] = []
    for branch in scope.branches:
        for until, minutes in offset_changes(branch.timezone, start, end):
            limit = and_(Ticket.branch_id == branch.id, Ticket.issued_at < until)
            whens.append((limit, literal(f"{minutes:+d} minutes")))
    modifier = case(*whens, else_=literal("+0 minutes"))
    return cast(func.strftime("%H", Ticket.issued_at, modifier), Integer)


def group_key(session: Session, scope: Scope, group: str | None) -> ColumnElement[Any]:
    columns: dict[str, Any] = {
        "service": Ticket.service_id,
        "counter": Ticket.counter_id,
        "clerk": Ticket.clerk_id,
        "day": Ticket.business_date,
        "branch": Ticket.branch_id,
    }
    if group is None:
        return literal_column("0")
    if group == "hour":
        return _local_hour(session, scope)
    column: ColumnElement[Any] = columns[group]
    return column


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """The tickets of the scope's halls and business dates (the index on branch, date)."""
    if scope.ranges is not None:
        return or_(*[and_(Ticket.branch_id == branch_id, Ticket.business_date >= first,
                          Ticket.business_date <= last)
                     for branch_id, first, last in scope.ranges])  # fmt: skip
    return and_(
        Ticket.branch_id.in_(scope.branch_ids),
        Ticket.business_date >= scope.date_from,
        Ticket.business_date <= scope.date_to,
    )


def _waiting_now(scope: Scope) -> ColumnElement[bool]:
    by_today: dict[date, list[int]] = defaultdict(list)
    for branch in scope.branches:
        by_today[branch.today].append(branch.id)
    today = or_(*[and_(Ticket.branch_id.in_(ids), Ticket.business_date == day)
                  for day, ids in by_today.items()])  # fmt: skip
    return and_(Ticket.state == "waiting", today)


def stat_state() -> ColumnElement[Any]:
    """The ticket's state as statistics count it: `day_closed` for a ticket cancelled by the
    end-of-day close-out, apart from the customers' and staff's cancellations."""
    return case(
        (and_(Ticket.state == "cancelled", Ticket.outcome == DAY_CLOSED), literal(DAY_CLOSED)),
        else_=Ticket.state,
    )


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def rows(session: Session, query: Executable) -> Sequence[Row[*tuple[Any, ...]]]:
    """Plain rows of a query over columns: executed on the session's connection, without the
    ORM's per-row loading (~20 µs a row, which counts for thousands of rows)."""
    return session.connection().execute(query).all()


def _once(session: Session, rows: Select[Any]) -> Subquery:
    """Per-ticket values as a subquery, each expression evaluated once per row: on SQLite a
    LIMIT keeps the subquery from being flattened into the aggregate (which would recompute
    julianday() for every use)."""
    return (rows.limit(-1) if _dialect(session) == "sqlite" else rows).subquery()


def _service_ms() -> ColumnElement[Any]:
    """A served ticket's service time (ms): from start, or from the call if never started."""
    began = func.coalesce(Ticket.started_at, Ticket.called_at)
    return case((Ticket.state == "done", ms_between(Ticket.finished_at, began)), else_=None)


def _wait_ms() -> ColumnElement[Any]:
    """The last queue segment (ms) of a called ticket."""
    return ms_between(Ticket.called_at, Ticket.queued_at)


_TARGET_MS = Service.target_wait_min * 60_000


def ticket_figures(session: Session, scope: Scope, group: str | None) -> Sequence[Row[Any]]:
    """Per (group key, whole seconds of service): counts by outcome, service times, ratings."""
    t = _once(
        session,
        select(
            group_key(session, scope, group).label("g"),
            _service_ms().label("svc"),
            stat_state().label("state"),
            case((_waiting_now(scope), 1), else_=0).label("waiting"),
            Ticket.rating.label("rating"),
            Service.max_service_min.label("limit_min"),
        )
        .outerjoin(Service, Service.id == Ticket.service_id)
        .where(in_scope(scope)),
    )
    query = select(
        t.c.g.label("g_key"),
        (t.c.svc // 1000).label("g_sec"),
        func.count().label("issued"),
        _count_if(t.c.state == "done").label("served"),
        _count_if(t.c.state == "no_show").label("no_show"),
        _count_if(t.c.state == "cancelled").label("cancelled"),
        _count_if(t.c.state == DAY_CLOSED).label("day_closed"),
        func.sum(t.c.waiting).label("waiting_now"),
        func.count(t.c.svc).label("service_n"),
        func.coalesce(func.sum(t.c.svc), 0).label("service_sum_ms"),
        func.count(t.c.rating).label("rating_n"),
        func.coalesce(func.sum(t.c.rating), 0).label("rating_sum"),
        _count_if(t.c.rating <= LOW_RATING).label("rating_low"),
        _count_if(t.c.svc > t.c.limit_min * 60_000).label("over_limit"),
    ).group_by(literal_column("g_key"), literal_column("g_sec"))
    return rows(session, query)


def wait_figures(session: Session, scope: Scope, group: str | None) -> Sequence[Row[Any]]:
    """Per (group key, whole seconds of wait): the last queue segment of every called ticket."""
    t = _once(
        session,
        select(
            group_key(session, scope, group).label("g"),
            _wait_ms().label("w"),
            _TARGET_MS.label("target"),
        )
        .join(Service, Service.id == Ticket.service_id)
        .where(in_scope(scope), Ticket.called_at.is_not(None)),
    )
    query = select(
        t.c.g.label("g_key"),
        (t.c.w // 1000).label("g_sec"),
        func.count().label("n"),
        func.sum(t.c.w).label("sum_ms"),
        func.max(t.c.w).label("max_ms"),
        _count_if(t.c.w <= t.c.target).label("within"),
    ).group_by(literal_column("g_key"), literal_column("g_sec"))
    return rows(session, query)


@dataclass(frozen=True)
class MovedTicket:
    """A ticket that was transferred or requeued: its earlier waits come from its events."""

    key: Any  # the ticket's group key (day, branch, hour groups)
    events: list[SegmentEvent] = field(default_factory=list)
    day: date | None = None  # the business date, when asked per day


TICKET_LEVEL_GROUPS = ("hour", "day", "branch")


def moved_tickets(
    session: Session, scope: Scope, group: str | None, *, per_day: bool = False
) -> dict[int, MovedTicket]:
    """Tickets of the scope with a transfer or requeue, and their segment events in order
    (with `per_day`, also each ticket's business date)."""
    start, _ = scope.utc_window()
    moved = select(TicketEvent.ticket_id).where(
        TicketEvent.branch_id.in_(scope.branch_ids),
        TicketEvent.type.in_((TicketTransferred.type, TicketRequeued.type)),
        TicketEvent.ts >= start,  # no event of a ticket precedes its issue
    )
    key = group_key(session, scope, group if group in TICKET_LEVEL_GROUPS else None)
    query = (
        select(
            TicketEvent.ticket_id,
            TicketEvent.type,
            ms_between(TicketEvent.ts, Ticket.issued_at),
            TicketEvent.counter_id,
            TicketEvent.data["service_id"].as_integer(),
            TicketEvent.data["clerk_id"].as_integer(),
            key,
            *((Ticket.business_date,) if per_day else ()),
        )
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.ticket_id.in_(moved),
            TicketEvent.type.in_(SEGMENT_EVENTS),
            in_scope(scope),
        )
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    )
    result: dict[int, MovedTicket] = {}
    for ticket_id, type_, at_ms, counter_id, service_id, clerk_id, g, *day in rows(session, query):
        ticket = result.get(ticket_id)
        if ticket is None:
            ticket = result[ticket_id] = MovedTicket(g, day=day[0] if day else None)
        ticket.events.append(SegmentEvent(type_, at_ms, service_id, counter_id, clerk_id))
    return result


def ticket_facts(session: Session, scope: Scope) -> Sequence[Row[*tuple[Any, ...]]]:
    """One row per ticket of the scope, with the values the aggregates above group by and sum
    (the same expressions): what a day's rollup is made of."""
    columns = (
        Ticket.business_date, Ticket.service_id, Ticket.counter_id, Ticket.clerk_id,
        _local_hour(session, scope).label("hour"), stat_state().label("state"), Ticket.rating,
        _service_ms().label("service_ms"), _wait_ms().label("wait_ms"),
        Service.target_wait_min.label("target_min"), Service.max_service_min.label("limit_min"),
    )  # fmt: skip
    query = select(*columns).outerjoin(Service, Service.id == Ticket.service_id)
    return rows(session, query.where(in_scope(scope)))


def service_targets(session: Session, branch_ids: Sequence[int]) -> dict[int, int]:
    """Target wait minutes of every service of these branches (deleted ones too)."""
    rows = session.execute(
        select(Service.id, Service.target_wait_min).where(Service.branch_id.in_(branch_ids))
    )
    return {service_id: target for service_id, target in rows}


EXPORT_COLUMNS = (
    Ticket.id, Ticket.number, Ticket.branch_id, Ticket.business_date, Ticket.service_id,
    Ticket.priority, Ticket.channel, Ticket.state, Ticket.issued_at, Ticket.queued_at,
    Ticket.called_at, Ticket.started_at, Ticket.finished_at, Ticket.counter_id,
    Ticket.clerk_id, Ticket.calls, Ticket.rating, Ticket.outcome, Service.target_wait_min,
    Ticket.appointment_start,
)  # fmt: skip


def ticket_rows(session: Session, scope: Scope) -> Iterator[Row[Any]]:
    """Every ticket of the scope with its service's target, by id, streamed."""
    if not scope.branches:
        return iter(())
    query = (
        select(*EXPORT_COLUMNS)
        .join(Service, Service.id == Ticket.service_id)
        .where(in_scope(scope))
        .order_by(Ticket.id)
        .execution_options(yield_per=2000)
    )
    return iter(session.execute(query))


def service_names(session: Session, branch_ids: Sequence[int]) -> dict[int, tuple[int, Any, str]]:
    """{id: (branch_id, name by locale, code)} of every service of these branches."""
    query = select(Service.id, Service.branch_id, Service.name, Service.code)
    rows = session.execute(query.where(Service.branch_id.in_(branch_ids)))
    return {sid: (bid, name, code) for sid, bid, name, code in rows}


def counter_names(session: Session, branch_ids: Sequence[int]) -> dict[int, tuple[int, int, str]]:
    """{id: (branch_id, number, name)} of every counter of these branches."""
    query = select(Counter.id, Counter.branch_id, Counter.number, Counter.name)
    rows = session.execute(query.where(Counter.branch_id.in_(branch_ids)))
    return {cid: (bid, number, name) for cid, bid, number, name in rows}


def usernames(session: Session) -> dict[int, str]:
    return {uid: name for uid, name in session.execute(select(User.id, User.username))}


def device_names(session: Session) -> dict[int, str]:
    return {did: name for did, name in session.execute(select(Device.id, Device.name))}


def ticket_numbers(session: Session, ticket_ids: set[int]) -> dict[int, str]:
    """{id: number} of these tickets (print rows carry the job, not the number)."""
    if not ticket_ids:
        return {}
    query = select(Ticket.id, Ticket.number).where(Ticket.id.in_(sorted(ticket_ids)))
    return {tid: number for tid, number in session.execute(query)}


def ticket_count(session: Session, scope: Scope) -> int:
    if not scope.branches:
        return 0
    return int(session.scalar(select(func.count()).where(in_scope(scope))) or 0)
