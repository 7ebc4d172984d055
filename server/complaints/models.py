"""Tables of complaints, each complaint's history, and follow-up tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class Complaint(Base):
    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_branch_state_due", "branch_id", "state", "due_at"),
        Index("ix_complaint_ticket", "ticket_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    clerk_id: Mapped[int | None] = mapped_column(Integer)
    counter_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(Integer)  # the staff member who entered it
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    upheld: Mapped[bool | None] = mapped_column(Boolean)


class ComplaintChange(Base):
    """Append-only: every change of a complaint, for its history."""

    __tablename__ = "complaint_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    ts: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    resolution: Mapped[str | None] = mapped_column(Text)
    upheld: Mapped[bool | None] = mapped_column(Boolean)


class FollowUp(Base):
    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_branch_state_due", "branch_id", "state", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    reason: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    done_by: Mapped[int | None] = mapped_column(Integer)
    done_at: Mapped[datetime | None]
