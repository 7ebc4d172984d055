"""Queries of a hall's set-up: branches, services, counters and the services they serve."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from server.core.models import Branch
from server.core.repository import _kept
from server.halls.models import Counter, CounterService, Service


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
    return served_by_each(session, [counter_id])[counter_id]


def served_by_each(session: Session, counter_ids: Sequence[int]) -> dict[int, list[int]]:
    """`served_by` of several counters, those not kept yet read in one query: on PostgreSQL
    each request has a session of its own, and a hall's estimates read every open counter's
    services (one round trip each, six for an issue in a hall of six counters)."""
    store = _kept(session)
    missing = [c for c in counter_ids if _services_key(c) not in store]
    if missing:
        for counter_id, ids in counter_service_ids(session, missing).items():
            store[_services_key(counter_id)] = ids
    return {c: list(store[_services_key(c)]) for c in counter_ids}  # the kept lists stay as read


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
