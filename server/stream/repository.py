"""Queries of the event log for replay and the recent calls."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.models import TicketEvent
from server.tickets.domain import TicketCalled, TicketRecalled

CALLS = (TicketCalled.type, TicketRecalled.type)


def recent_calls(session: Session, branch_id: int, limit: int = 8) -> Sequence[TicketEvent]:
    return session.scalars(
        select(TicketEvent)
        .where(
            TicketEvent.branch_id == branch_id,
            TicketEvent.type.in_(CALLS),
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
