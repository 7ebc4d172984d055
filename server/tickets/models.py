"""Tables of tickets, per-service day counters, and the print jobs issued with tickets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class ServiceDay(Base):
    """Numbering row per (service, business date), advanced inside the issuing transaction."""

    __tablename__ = "service_day"
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    # Tickets waiting in this queue now; kept by triggers on `ticket` (migration 0007).
    waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        # Numbers are unique per the service that issued them: a transfer changes service_id.
        UniqueConstraint(
            "issued_service_id", "business_date", "daily_seq", name="uq_ticket_issued_number"
        ),
        Index("ix_ticket_queue", "branch_id", "state", "business_date", "effective_at"),
        # Recent service durations (estimates on every issue): no scan of the whole history.
        Index("ix_ticket_finished", "service_id", "state", "finished_at"),
        Index("ix_ticket_branch_date", "branch_id", "business_date"),  # statistics
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))  # the queue it is in now
    issued_service_id: Mapped[int] = mapped_column(Integer)  # the service that numbered it
    number: Mapped[str] = mapped_column(String(16))
    daily_seq: Mapped[int] = mapped_column(Integer)
    business_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16), default="kiosk")
    locale: Mapped[str | None] = mapped_column(String(8))
    kiosk_id: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime]
    queued_at: Mapped[datetime]  # entered its current queue (issue, transfer or requeue)
    effective_at: Mapped[datetime]  # order in the queue
    called_at: Mapped[datetime | None]  # first call since it last entered a queue
    last_called_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counter_id: Mapped[int | None] = mapped_column(Integer)
    clerk_id: Mapped[int | None] = mapped_column(Integer)
    target_counter_id: Mapped[int | None] = mapped_column(Integer)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # An appointment's ticket: its slot's start (migration 0017), shown on the counter page.
    appointment_start: Mapped[datetime | None]
    # Reception's note for the clerks (API.md, "Staff issuing"): staff only, never public.
    note: Mapped[str | None] = mapped_column(String(200))
    priority_reason: Mapped[str | None] = mapped_column(String(100))
    # The estimated waits given at issue (migration 0019): hallq's, and the naive one of
    # server/tickets/estimate.py, for GET /api/v1/stats/estimates. Null: no counter was open.
    issue_estimate_s: Mapped[int | None] = mapped_column(Integer)
    naive_estimate_s: Mapped[int | None] = mapped_column(Integer)


class PrintJob(Base):
    """A ticket to print at a kiosk: pending until the kiosk reports printed or failed."""

    __tablename__ = "print_job"
    __table_args__ = (Index("ix_print_job_kiosk_state", "kiosk_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("device.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
