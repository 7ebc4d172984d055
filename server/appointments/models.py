"""The table of appointments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class Appointment(Base):
    __tablename__ = "appointment"
    __table_args__ = (
        UniqueConstraint("public_id", name="uq_appointment_public_id"),
        # The codes of a hall's live bookings are unique; a finished booking's code is null here.
        UniqueConstraint("branch_id", "live_code", name="uq_appointment_live_code"),
        Index("ix_appointment_slot", "service_id", "start", "state"),
        Index("ix_appointment_branch_date", "branch_id", "business_date", "state"),
        Index("ix_appointment_code", "branch_id", "code"),
        Index("ix_appointment_phone", "phone", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(16))
    live_code: Mapped[str | None] = mapped_column(String(16))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    business_date: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime]
    end: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))  # web | staff
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(Integer)
    checked_in_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    missed_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
