"""Queries of print jobs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.tickets.models import PrintJob, Ticket


def print_jobs(
    session: Session,
    *,
    state: str | None,
    kiosk_id: int | None,
    branch_id: int | None,
    visible: Sequence[int] | None,
    limit: int,
    offset: int,
    ticket_id: int | None = None,
) -> Sequence[tuple[PrintJob, Ticket]]:
    """Print jobs with their tickets, oldest first; `visible`: the branches the reader may see."""
    query = select(PrintJob, Ticket).join(Ticket, Ticket.id == PrintJob.ticket_id)
    if state is not None:
        query = query.where(PrintJob.state == state)
    if kiosk_id is not None:
        query = query.where(PrintJob.kiosk_id == kiosk_id)
    if branch_id is not None:
        query = query.where(PrintJob.branch_id == branch_id)
    if ticket_id is not None:
        query = query.where(PrintJob.ticket_id == ticket_id)
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
