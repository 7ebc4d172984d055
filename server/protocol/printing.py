"""Wire models of print jobs and printer status."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from server.protocol.common import Id, Locale, Request
from server.protocol.tickets import Ticket

# ---- printing -----------------------------------------------------------------------------

PrintJobState = Literal["pending", "printed", "failed"]
Paper = Literal["ok", "near_end", "out"]


class PrintJob(BaseModel):
    """Everything a kiosk agent needs to render the ticket, in the ticket's language."""

    id: int
    branch_id: int
    kiosk_id: int
    ticket_id: int
    state: PrintJobState
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime  # still pending then: it expires, and is never printed
    locale: Locale
    ticket: Ticket
    branch_name: str
    service_name: dict[str, str]
    footer: str
    public_url: str | None
    """The mobile page of the ticket (its QR code): in the kiosk's own jobs and for managers
    and admins; null on the event stream and for clerks, like the ticket's public_id."""


class PrintResult(Request):
    ok: bool
    error: str | None = Field(None, max_length=500)


class PrinterStatusReport(Request):
    online: bool
    paper: Paper = "ok"
    detail: str | None = Field(None, max_length=500)


class PrinterStatus(BaseModel):
    online: bool
    paper: Paper
    detail: str | None
    reported_at: datetime


class Kiosk(BaseModel):
    id: int
    branch_id: int
    name: str
    printer: PrinterStatus | None
    pending_jobs: int


class ReprintRequest(Request):
    kiosk_id: Id
