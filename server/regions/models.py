"""Inspections (巡视): a region's visit to one of its halls, with a checklist score."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class Inspection(Base):
    __tablename__ = "inspection"
    __table_args__ = (Index("ix_inspection_branch_date", "branch_id", "date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    date: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    findings: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    inspector_name: Mapped[str] = mapped_column(String(100), default="")
