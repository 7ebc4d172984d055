"""Queries of regions and of the live figures a board tile shows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from server.auth.models import UserRegion
from server.core.models import Branch, Region
from server.halls.models import Counter, Service
from server.tickets.models import Ticket


def regions(session: Session, ids: Sequence[int] | None = None) -> Sequence[Region]:
    query = select(Region).order_by(Region.id)
    if ids is not None:
        query = query.where(Region.id.in_(ids))
    return session.scalars(query).all()


def has_children(session: Session, region_id: int) -> bool:
    return (
        session.scalar(select(Region.id).where(Region.parent_id == region_id).limit(1)) is not None
    )


def has_branches(session: Session, region_id: int) -> bool:
    found = select(Branch.id).where(Branch.region_id == region_id).limit(1)
    return session.scalar(found) is not None


def rename_branches(session: Session, region_id: int, name: str) -> None:
    session.execute(update(Branch).where(Branch.region_id == region_id).values(region=name))


def forget_user_regions(session: Session, region_id: int) -> None:
    session.execute(delete(UserRegion).where(UserRegion.region_id == region_id))


def branches(session: Session, ids: Sequence[int]) -> Sequence[Branch]:
    return session.scalars(select(Branch).where(Branch.id.in_(ids)).order_by(Branch.id)).all()


def waiting(
    session: Session, branch_ids: Sequence[int], days: Sequence[date]
) -> dict[int, tuple[int, datetime | None]]:
    """Per branch: waiting tickets of those business dates and the earliest issue time."""
    query = (
        select(Ticket.branch_id, func.count(), func.min(Ticket.issued_at))
        .where(
            Ticket.branch_id.in_(branch_ids),
            Ticket.state == "waiting",
            Ticket.business_date.in_(sorted(set(days))),
        )
        .group_by(Ticket.branch_id)
    )
    return {int(b): (int(n), first) for b, n, first in session.execute(query)}


def open_counters(session: Session, branch_ids: Sequence[int]) -> dict[int, int]:
    query = (
        select(Counter.branch_id, func.count())
        .where(
            Counter.branch_id.in_(branch_ids), Counter.state == "open", Counter.deleted.is_(False)
        )
        .group_by(Counter.branch_id)
    )
    return {int(b): int(n) for b, n in session.execute(query)}


def longest_targets_s(session: Session, branch_ids: Sequence[int]) -> dict[int, int]:
    """Per branch: the longest target wait of its active services, in seconds."""
    query = (
        select(Service.branch_id, func.max(Service.target_wait_min))
        .where(
            Service.branch_id.in_(branch_ids), Service.active.is_(True),
            Service.deleted.is_(False),
        )
        .group_by(Service.branch_id)
    )  # fmt: skip
    return {int(b): int(m or 0) * 60 for b, m in session.execute(query)}
