"""Queries of the ratings list and the clerk appraisal (the figures come from server/stats)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, select
from sqlalchemy.orm import Session

from server.auth.models import User, UserBranch
from server.core.models import TicketEvent
from server.stats import repository as repo_stats
from server.stats.figures import Scope
from server.tickets.domain import TicketRated, TicketTransferred
from server.tickets.models import Ticket


def transfers_by_clerk(
    session: Session, branch_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int | None, int]:
    """{user id: tickets transferred} between two instants (the index on branch, type, ts)."""
    query = (
        select(TicketEvent.user_id, func.count())
        .where(
            TicketEvent.branch_id.in_(branch_ids),
            TicketEvent.type == TicketTransferred.type,
            TicketEvent.ts >= since,
            TicketEvent.ts < until,
        )
        .group_by(TicketEvent.user_id)
    )
    return {user_id: int(n) for user_id, n in repo_stats.rows(session, query)}


def clerks_of(session: Session, branch_ids: Sequence[int]) -> dict[int, str]:
    """{id: username} of the active clerks assigned to these halls."""
    query = (
        select(User.id, User.username)
        .join(UserBranch, UserBranch.user_id == User.id)
        .where(UserBranch.branch_id.in_(branch_ids), User.role == "clerk", User.active.is_(True))
    )
    return {uid: name for uid, name in repo_stats.rows(session, query)}


@dataclass(frozen=True)
class RatingFilter:
    max_score: int | None = None
    service_id: int | None = None
    counter_id: int | None = None
    clerk_id: int | None = None


def ratings(
    session: Session, scope: Scope, where: RatingFilter, *, limit: int, offset: int
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Rated tickets of the scope, newest first, with their comment and when they were rated."""
    rated = and_(TicketEvent.ticket_id == Ticket.id, TicketEvent.type == TicketRated.type)
    query = (
        select(
            Ticket.id.label("ticket_id"),
            Ticket.number,
            Ticket.branch_id,
            Ticket.business_date,
            Ticket.service_id,
            Ticket.counter_id,
            Ticket.clerk_id,
            Ticket.rating.label("score"),
            Ticket.rating_comment.label("comment"),
            TicketEvent.ts.label("rated_at"),
        )
        .outerjoin(TicketEvent, rated)
        .where(repo_stats.in_scope(scope), Ticket.rating.is_not(None))
    )
    if where.max_score is not None:
        query = query.where(Ticket.rating <= where.max_score)
    for column, value in (
        (Ticket.service_id, where.service_id),
        (Ticket.counter_id, where.counter_id),
        (Ticket.clerk_id, where.clerk_id),
    ):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(Ticket.id.desc()).limit(limit).offset(offset)
    return repo_stats.rows(session, query)
