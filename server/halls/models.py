"""Tables of a hall's set-up: services, counters and the services each counter serves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


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
    # 限时办结: one service should take at most this long (None: no limit)
    max_service_min: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its tickets are priority tickets (elderly, disabled): migration 0010.
    priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bookings per appointment slot (0: not bookable): migration 0017.
    appointment_capacity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


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
