"""Tables of alerts, the evaluator's lease, and when each device was last seen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class Alert(Base):
    """One condition, from its start (`raised_at`) to its end (`cleared_at`). While it lasts
    at most one row has its (branch, kind, key) with no `cleared_at`: the partial unique index
    holds that even if two evaluators ever ran at once."""

    __tablename__ = "alert"
    __table_args__ = (
        Index(
            "uq_alert_active",
            "branch_id",
            "kind",
            "key",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
        Index("ix_alert_branch_raised", "branch_id", "raised_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))  # the subject, e.g. "service:3"
    subject: Mapped[dict[str, Any]] = mapped_column(default=dict)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raised_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]
    acked_by: Mapped[int | None] = mapped_column(Integer)  # app_user.id


class DeviceSeen(Base):
    """When a device (kiosk, display: TV page, rating screen, agents) was last seen through
    a request or an open event stream."""

    __tablename__ = "device_seen"
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), primary_key=True)
    last_seen_at: Mapped[datetime]
