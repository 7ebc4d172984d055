"""Leases: a task that one process of an installation runs at a time (the alert evaluator,
the end-of-day close-out, the statistics rollup's catch-up) holds a named lease row, renews
it each round and takes it over once it has expired: on SQLite and PostgreSQL alike, across
workers and machines."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import String, update
from sqlalchemy.orm import Mapped, mapped_column

from server.core.models import Base
from server.core.unit_of_work import UnitOfWork


class Lease(Base):
    """Who runs a task now: one row per task name (the table is named after its first user)."""

    __tablename__ = "alert_lease"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


def holder_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take_lease(uow: UnitOfWork, holder: str, ttl_s: float, name: str) -> bool:
    """Hold or renew the lease `name` for `ttl_s`: True when this holder has it."""
    now = uow.now
    until = now + timedelta(seconds=ttl_s)
    taken = uow.session.execute(
        update(Lease)
        .where(Lease.name == name)
        .where((Lease.holder == holder) | (Lease.expires_at <= now))
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return True
    if uow.session.get(Lease, name) is None:  # the first round of a new database
        uow.session.add(Lease(name=name, holder=holder, expires_at=until))
        uow.session.flush()
        return True
    return False


def release_lease(uow: UnitOfWork, holder: str, name: str) -> None:
    """Give the lease up at shutdown: another process takes over at its next round."""
    uow.session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=uow.now)
        .execution_options(synchronize_session=False)
    )
