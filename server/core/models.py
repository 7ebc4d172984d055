"""ORM base and the rows every transaction touches: the branch (lock and event seq), the event
log, idempotency keys. Each domain declares its own tables in its `models.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.core.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Region(Base):
    """A node of the hall hierarchy (branch company, head office …): any depth. It lives here,
    beside the branch, because the principal's scope (server/auth) and every region-scoped
    statistic read the tree, and server/regions builds on both."""

    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Branch(Base):
    __tablename__ = "branch"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    # The name of the branch's region (kept equal to region.name by server/regions and
    # server/halls); `region_id` is the branch's place in the tree.
    region: Mapped[str | None] = mapped_column(String(100))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


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


class Installation(Base):
    """This database's identity: one row, a random id made at its first start. Clients that
    remember things per server (the kiosk agent's printed jobs) key that memory by it, so a
    new database behind the same address starts clean."""

    __tablename__ = "installation"
    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    uuid: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]
