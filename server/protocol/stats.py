"""Wire models of statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

# ---- statistics and audit (manager) ---------------------------------------------------------

StatsGroup = Literal["service", "counter", "clerk", "hour", "day", "branch"]


class WaitFigures(BaseModel):
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None


class ServiceFigures(BaseModel):
    mean: float | None
    median: float | None
    p90: float | None


class RatingFigures(BaseModel):
    mean: float | None
    count: int


class StatsSummary(BaseModel):
    """Seconds; `called` counts the waits measured (a transferred ticket waits once per queue)."""

    issued: int
    served: int
    no_show: int
    cancelled: int
    waiting_now: int
    called: int
    wait_s: WaitFigures
    service_s: ServiceFigures
    sla_pct: float | None
    rating: RatingFigures


class StatsRow(StatsSummary):
    key: int | str | None  # service/counter/clerk/branch id, hour 0-23, day "YYYY-MM-DD"
    label: str


class AuditEntry(BaseModel):
    """One `ticket_event` row: who (user or device) did what, when, at which counter."""

    id: int
    seq: int
    branch_id: int
    ts: datetime
    type: str
    ticket_id: int | None
    number: str | None
    counter_id: int | None
    counter_number: int | None
    user_id: int | None
    username: str | None
    device_id: int | None
    device_name: str | None
    actor: Literal["user", "device", "customer", "system"]
    """Who acted: the user, the device, the customer (a public rating, cancel or ticket) or the
    server itself (e.g. a print job that expired)."""
    detail: str | None
    to_service_id: int | None = None
    """A transfer: the queue (service) the ticket went to, its name by locale, and the counter
    when it was sent to one."""
    to_service_name: dict[str, str] | None = None
    to_counter_number: int | None = None


class StatsBucket(BaseModel):
    """Waits with from_s ≤ wait < to_s (to_s null: no upper bound)."""

    from_s: int
    to_s: int | None
    count: int
