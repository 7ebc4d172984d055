"""Webhooks and their outbox of deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class Webhook(Base):
    """A receiver of one hall's events (`branch_id`), of every hall in a region's subtree
    (`region_id`: halls added to it later included), or of every hall's (neither: admins only).
    `secret_sealed` is the secret sealed with the server's key (server/webhooks/sealing.py):
    the dispatcher opens it to sign; no endpoint ever returns it."""

    __tablename__ = "webhook"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    format: Mapped[str] = mapped_column(String(16))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_sealed: Mapped[str] = mapped_column(String(400))
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    """The outbox: one row per (webhook, event), written in the event's transaction. Due while
    `next_attempt_at` is set; a dispatcher claims a row by moving `next_attempt_at` past the
    attempt's timeout (a lease), then records the answer. `data` is null for a stored event
    (read from `ticket_event` by branch and seq) and holds the body of a test message."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "next_attempt_at"),
        Index("ix_webhook_delivery_webhook", "webhook_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
