"""The tables. Every ticket state change also appends a `ticket_event` row (the audit log)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.db.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Branch(Base):
    __tablename__ = "branch"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(100))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Service(Base):
    __tablename__ = "service"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(3))
    name: Mapped[dict[str, Any]] = mapped_column(default=dict)
    start_number: Mapped[int] = mapped_column(Integer, default=1)
    end_number: Mapped[int] = mapped_column(Integer, default=999)
    target_wait_min: Mapped[int] = mapped_column(Integer, default=15)
    service_min: Mapped[float] = mapped_column(default=5.0)
    daily_quota: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class ServiceDay(Base):
    """Numbering row per (service, business date), advanced inside the issuing transaction."""

    __tablename__ = "service_day"
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    # Tickets waiting in this queue now; kept by triggers on `ticket` (migration 0007).
    waiting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Counter(Base):
    __tablename__ = "counter"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(16), default="closed")
    pause_reason: Mapped[str | None] = mapped_column(String(200))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    priority_interleave: Mapped[int | None] = mapped_column(Integer)
    normals_since_priority: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class CounterService(Base):
    __tablename__ = "counter_service"
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class UserBranch(Base):
    __tablename__ = "user_branch"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), primary_key=True)


class Device(Base):
    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # A kiosk's last reported printer status (null until it reports).
    printer_online: Mapped[bool | None] = mapped_column(Boolean)
    printer_paper: Mapped[str | None] = mapped_column(String(16))
    printer_detail: Mapped[str | None] = mapped_column(String(500))
    printer_reported_at: Mapped[datetime | None]


class AuthToken(Base):
    __tablename__ = "auth_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


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


class TicketEvent(Base):
    """Append-only: the event stream's source and the audit log (who, when, which counter)."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        UniqueConstraint("branch_id", "seq", name="uq_event_seq"),
        # statistics: the transfers and requeues of a period (waits per queue segment)
        Index("ix_ticket_event_branch_type_ts", "branch_id", "type", "ts"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    ts: Mapped[datetime]
    ticket_id: Mapped[int | None] = mapped_column(Integer, index=True)
    counter_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    device_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("principal", "key", name="uq_idempotency"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)


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


class StatsRollup(Base):
    """Statistics of one closed period (day, month, year) of a hall, one row per group key of
    each dimension, histograms encoded by server/domain/histogram.py. The `total` row (key 0)
    marks the period: built when `ready`, claimed by a builder at `built_at` otherwise.
    Triggers (migration 0006) delete a period's rows when one of its tickets changes."""

    __tablename__ = "stats_rollup"
    __table_args__ = (
        Index("ix_stats_rollup_marker", "branch_id", "dimension", "period", "first_day"),
    )
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(5), primary_key=True)  # day | month | year
    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    # total | service | counter | clerk | hour
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    group_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # -1: none (not called)
    ready: Mapped[bool] = mapped_column(Boolean, default=False)
    built_at: Mapped[datetime]
    issued: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    no_show: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    called: Mapped[int] = mapped_column(Integer, default=0)
    within: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_max_ms: Mapped[int | None] = mapped_column(BigInteger)
    service_n: Mapped[int] = mapped_column(Integer, default=0)
    service_sum_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    rating_n: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    wait_hist: Mapped[bytes | None] = mapped_column(LargeBinary)
    service_hist: Mapped[bytes | None] = mapped_column(LargeBinary)
