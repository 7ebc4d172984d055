"""Queries of complaints and follow-ups (nothing commits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.auth.models import User, UserBranch
from server.complaints.domain import FINAL
from server.complaints.models import Complaint, ComplaintChange, FollowUp
from server.core.models import Branch
from server.tickets.models import Ticket


def complaints(
    session: Session,
    *,
    branch_ids: Sequence[int] | None,
    state: str | None,
    category: str | None,
    overdue_at: datetime | None,
    limit: int,
    offset: int,
) -> Sequence[tuple[Complaint, str | None]]:
    """Complaints with their ticket's number, newest first; `overdue_at`: only those still
    unanswered after their deadline at that moment."""
    query = select(Complaint, Ticket.number).outerjoin(Ticket, Ticket.id == Complaint.ticket_id)
    if branch_ids is not None:
        query = query.where(Complaint.branch_id.in_(branch_ids))
    if state is not None:
        query = query.where(Complaint.state == state)
    if category is not None:
        query = query.where(Complaint.category == category)
    if overdue_at is not None:
        query = query.where(Complaint.state.not_in(FINAL), Complaint.due_at < overdue_at)
    query = query.order_by(Complaint.id.desc()).limit(limit).offset(offset)
    return [(c, n) for c, n in session.execute(query).all()]


def history(session: Session, complaint_id: int) -> Sequence[ComplaintChange]:
    query = select(ComplaintChange).where(ComplaintChange.complaint_id == complaint_id)
    return session.scalars(query.order_by(ComplaintChange.id)).all()


def recent_for_ticket(session: Session, ticket_id: int, since: datetime) -> list[datetime]:
    """When this ticket's complaints of the window were made, oldest first."""
    query = (
        select(Complaint.created_at)
        .where(Complaint.ticket_id == ticket_id, Complaint.created_at > since)
        .order_by(Complaint.created_at)
    )
    return list(session.scalars(query).all())


def ticket_number(session: Session, ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    return session.scalar(select(Ticket.number).where(Ticket.id == ticket_id))


def staff_of_branch(session: Session, user_id: int, branch_id: int) -> bool:
    """Whether an active user may take a complaint of this branch (admins take any)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return False
    if user.role == "admin":
        return True
    link = select(func.count()).where(
        UserBranch.user_id == user_id, UserBranch.branch_id == branch_id
    )
    return bool(session.scalar(link))


def follow_ups(
    session: Session,
    *,
    branch_ids: Sequence[int] | None,
    state: str | None,
    limit: int,
    offset: int,
) -> Sequence[tuple[FollowUp, str | None]]:
    """The ledger: open tasks by due date first, then the done ones, newest first."""
    query = select(FollowUp, Ticket.number).outerjoin(Ticket, Ticket.id == FollowUp.ticket_id)
    if branch_ids is not None:
        query = query.where(FollowUp.branch_id.in_(branch_ids))
    if state is not None:
        query = query.where(FollowUp.state == state)
    query = query.order_by(FollowUp.state.desc(), FollowUp.due_at, FollowUp.id)
    return [(f, n) for f, n in session.execute(query.limit(limit).offset(offset)).all()]


def follow_up_for(session: Session, *, ticket_id: int | None, complaint_id: int | None,
                  reason: str) -> FollowUp | None:  # fmt: skip
    query = select(FollowUp).where(FollowUp.reason == reason)
    if complaint_id is not None:
        query = query.where(FollowUp.complaint_id == complaint_id)
    else:
        query = query.where(FollowUp.ticket_id == ticket_id)
    return session.scalars(query.limit(1)).first()


def time_zones(session: Session, branch_ids: Sequence[int] | None) -> dict[int, str]:
    query = select(Branch.id, Branch.timezone)
    if branch_ids is not None:
        query = query.where(Branch.id.in_(branch_ids))
    return {id_: zone for id_, zone in session.execute(query).all()}
