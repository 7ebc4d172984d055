"""Wire models of tickets: issuing, the ticket object, the public ticket page, ratings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from server.protocol.common import (
    Channel,
    Id,
    Locale,
    Priority,
    QueuePosition,
    Request,
    TicketStateName,
)

# ---- tickets ------------------------------------------------------------------------------


MAX_NOTE = 200  # reception's note for the clerks
MAX_PRIORITY_REASON = 100


class TicketCreate(Request):
    service_id: Id
    priority: Priority = "normal"
    channel: Channel | None = None
    kiosk_id: Id | None = None
    locale: Locale | None = None
    # Staff issuing for a customer (API.md, "Staff issuing and priority"): clerks, managers and
    # admins only. The note and the reason for a priority ticket are shown to clerks only.
    note: str | None = Field(None, max_length=MAX_NOTE)
    priority_reason: str | None = Field(None, max_length=MAX_PRIORITY_REASON)
    override_cutoff: bool = False


class Ticket(BaseModel):
    id: int
    public_id: str | None
    """The customer's key: only for the issuer, the kiosk's print job, managers and admins, and
    the rating screen of the counter that just completed it; null elsewhere (API.md, "Limits
    and privacy")."""
    branch_id: int
    service_id: int
    number: str
    business_date: date
    state: TicketStateName
    priority: Priority
    channel: str
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    counter_id: int | None
    clerk_id: int | None
    calls: int
    position: int | None
    estimated_wait_s: int | None
    outcome: str | None
    rating: int | None
    locale: str | None = None
    # While waiting: the open counters serving its service (0: no counter open, no estimate).
    open_counters: int | None = None
    # An appointment's ticket: the start of its slot (it queues as if issued then).
    appointment_start: datetime | None = None
    # Reception's note and the reason for its priority: for staff (clerks, managers, admins)
    # only; null in events, for devices and on every public endpoint.
    note: str | None = None
    priority_reason: str | None = None


class PublicTicket(BaseModel):
    number: str
    state: TicketStateName
    position: int | None
    estimated_wait_s: int | None
    service: dict[str, str]
    open_counters: int | None = None  # while waiting; 0: no counter open, no estimate
    counter: dict[str, Any] | None
    issued_at: datetime | None = None
    branch: str | None = None
    rated: bool = False  # the mobile page offers a rating once the ticket is done and not rated
    branch_id: int | None = None  # the hall's public page (/hall?branch=) and its hours


class CounterRef(BaseModel):
    id: int
    number: int
    name: str


class RequeueRequest(Request):
    position: QueuePosition = "back"


class RatingRequest(Request):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)
