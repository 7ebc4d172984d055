"""The trail's tables: the records (append-only, hash-chained) and the chain's head row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base


class AuditRecord(Base):
    """One record. `data` is stored as the canonical JSON text that was hashed, so the hash
    is checked against exactly what is stored. No foreign keys: a record outlives what it
    names (a deleted device, a purged ticket)."""

    __tablename__ = "audit_record"
    __table_args__ = (
        Index("ix_audit_branch_id", "branch_id", "id"),
        Index("ix_audit_ts", "ts"),
        Index("ix_audit_subject", "subject"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ts: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(10))
    actor_name: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(Integer)
    device_id: Mapped[int | None] = mapped_column(Integer)
    branch_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(60))
    data: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row (id 1): the last record's id and hash, and where the chain starts (`base_*`:
    genesis, or the record a purge cut at). Every append locks it: one chain, one order."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    base_id: Mapped[int] = mapped_column(Integer)
    base_hash: Mapped[str] = mapped_column(String(64))
    sealed_event_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """SQLite: the last `ticket_event` the sealer added to the chain (server/audit/trail.py)."""


class AuditSealed(Base):
    """PostgreSQL: per hall, the seq of its last event in the chain (server/audit/trail.py
    `seal`). A hall's events commit in seq order (its branch row is locked from numbering to
    commit), so every event of a hall up to a committed seq is committed too: the sealer takes
    each hall's events after this seq, and misses none that commits late. A hall with no row
    has none in the chain. SQLite's sealer uses `AuditHead.sealed_event_id` instead (its one
    writer commits in id order) and leaves this table empty. No foreign key: like a record, it
    outlives what it names."""

    __tablename__ = "audit_sealed"
    branch_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
