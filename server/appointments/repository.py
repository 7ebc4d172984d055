"""Queries of appointments (nothing commits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server.appointments.domain import BOOKED, TAKING_A_PLACE
from server.appointments.models import Appointment
from server.tickets.models import Ticket


def taken(session: Session, service_id: int, start: datetime) -> int:
    """Places of one slot held by bookings (a cancelled one holds none)."""
    query = select(func.count()).where(
        Appointment.service_id == service_id, Appointment.start == start,
        Appointment.state.in_(TAKING_A_PLACE),
    )  # fmt: skip
    return int(session.scalar(query) or 0)


def taken_by_slot(session: Session, service_id: int, since: datetime, until: datetime,
                  ) -> dict[datetime, int]:  # fmt: skip
    """Places held per slot start within [since, until)."""
    within = (
        Appointment.service_id == service_id, Appointment.start >= since,
        Appointment.start < until, Appointment.state.in_(TAKING_A_PLACE),
    )  # fmt: skip
    query = select(Appointment.start, func.count()).where(*within).group_by(Appointment.start)
    return {start: int(n) for start, n in session.execute(query).all()}


def by_public_id(session: Session, public_id: str) -> Appointment | None:
    query = select(Appointment).where(Appointment.public_id == public_id)
    return session.scalars(query).one_or_none()


def by_code(session: Session, branch_ids: Sequence[int] | None, code: str) -> list[Appointment]:
    """The hall's bookings with this code: the live one first, then the latest finished."""
    query = select(Appointment).where(Appointment.code == code)
    if branch_ids is not None:
        query = query.where(Appointment.branch_id.in_(branch_ids))
    rows = session.scalars(query.order_by(Appointment.id.desc()).limit(50)).all()
    return sorted(rows, key=lambda row: row.state != BOOKED)


def code_live(session: Session, branch_id: int, code: str) -> bool:
    query = select(func.count()).where(
        Appointment.branch_id == branch_id, Appointment.live_code == code
    )
    return bool(session.scalar(query))


def by_phone(session: Session, branch_id: int, phone: str, since: datetime,
             ) -> list[Appointment]:  # fmt: skip
    """This phone's bookings of the hall made since `since`."""
    query = select(Appointment).where(
        Appointment.phone == phone, Appointment.created_at > since,
        Appointment.branch_id == branch_id,
    )  # fmt: skip
    return list(session.scalars(query.order_by(Appointment.created_at)).all())


def live_for_phone(session: Session, branch_id: int, phone: str) -> int:
    query = select(func.count()).where(
        Appointment.phone == phone, Appointment.branch_id == branch_id,
        Appointment.state == BOOKED,
    )  # fmt: skip
    return int(session.scalar(query) or 0)


def listed(
    session: Session,
    *,
    branch_ids: Sequence[int] | None,
    day: date | None,
    state: str | None,
    limit: int,
    offset: int,
) -> Sequence[tuple[Appointment, str | None]]:
    """Bookings with their ticket's number, by slot then booking."""
    query = select(Appointment, Ticket.number).outerjoin(Ticket, Ticket.id == Appointment.ticket_id)
    if branch_ids is not None:
        query = query.where(Appointment.branch_id.in_(branch_ids))
    if day is not None:
        query = query.where(Appointment.business_date == day)
    if state is not None:
        query = query.where(Appointment.state == state)
    query = query.order_by(Appointment.start, Appointment.id).limit(limit).offset(offset)
    return [(row, number) for row, number in session.execute(query).all()]


def booked_before(session: Session, before: datetime) -> Sequence[Appointment]:
    """Bookings still `booked` whose slot started before `before`: those a sweep looks at."""
    query = select(Appointment).where(Appointment.state == BOOKED, Appointment.start < before)
    return session.scalars(query.order_by(Appointment.id)).all()


def with_personal_data(session: Session, branch_id: int, ended_before: datetime,
                       ) -> Sequence[Appointment]:  # fmt: skip
    query = select(Appointment).where(
        Appointment.branch_id == branch_id, Appointment.end < ended_before,
        Appointment.state != BOOKED,
        or_(Appointment.name.is_not(None), Appointment.phone.is_not(None)),
    )  # fmt: skip
    return session.scalars(query).all()


def branches_with_personal_data(session: Session) -> Sequence[int]:
    query = select(Appointment.branch_id).where(
        or_(Appointment.name.is_not(None), Appointment.phone.is_not(None))
    )
    return session.scalars(query.distinct()).all()
