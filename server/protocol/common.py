"""Wire models shared by every domain: locales, ids, the request base, the error body.

Requests forbid unknown fields, so a typo is a 422 `validation_error`, not silently ignored."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Locale = Literal["zh-CN", "zh-TW", "en"]
LOCALES: tuple[Locale, ...] = ("zh-CN", "zh-TW", "en")
Role = Literal["admin", "manager", "clerk"]
DeviceKind = Literal["kiosk", "display"]
TicketStateName = Literal["waiting", "called", "serving", "parked", "done", "no_show", "cancelled"]
Priority = Literal["normal", "priority", "appointment"]
Channel = Literal["kiosk", "web", "counter", "api", "appointment", "reception"]
CounterState = Literal["closed", "open", "paused"]
QueuePosition = Literal["original", "front", "back"]
Names = dict[Locale, Annotated[str, Field(min_length=1, max_length=200)]]
Id = Annotated[int, Field(ge=1, le=2**62)]
EVENT_TYPES = (
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.completed",
    "ticket.no_show", "ticket.requeued", "ticket.transferred", "ticket.parked",
    "ticket.cancelled", "counter.updated", "print.requested", "print.completed",
    "print.failed", "printer.status", "complaint.created", "complaint.updated",
    "follow_up.created", "follow_up.updated",
)  # fmt: skip


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    error: str
    detail: str


class Health(BaseModel):
    status: str
    database: str
    bus: str
    version: str
    # This database's identity (made at its first start): another id behind the same address
    # is another database, whatever its job or ticket ids say.
    installation: str | None = None
