"""Wire models of counter actions."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from server.protocol.common import Id, QueuePosition, Request
from server.protocol.halls import Counter
from server.protocol.tickets import Ticket

# ---- counter actions ----------------------------------------------------------------------


class PauseRequest(Request):
    reason: str = Field("", max_length=200)


class CallNextRequest(Request):
    complete_current: bool = False


class CallRequest(Request):
    ticket_id: Id
    complete_current: bool = False


class CompleteRequest(Request):
    outcome: str | None = Field(None, max_length=200)


class TransferRequest(Request):
    service_id: Id | None = None
    counter_id: Id | None = None
    position: QueuePosition = "original"

    @model_validator(mode="after")
    def _one_target(self) -> TransferRequest:
        if (self.service_id is None) == (self.counter_id is None):
            raise ValueError("give exactly one of service_id and counter_id")
        return self


class ResumeRequest(Request):
    ticket_id: Id
    complete_current: bool = False


class CounterActionResult(BaseModel):
    counter: Counter
    ticket: Ticket | None
