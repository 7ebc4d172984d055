"""Wire models of complaints (投诉) and the follow-up ledger (回访台账)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from server.protocol.common import Id, Request

ComplaintCategory = Literal["attitude", "efficiency", "error", "environment", "policy", "other"]
ComplaintState = Literal["open", "assigned", "resolved", "rejected"]
ComplaintChannel = Literal["mobile", "desk", "phone", "letter", "other"]
FollowUpReason = Literal["low_rating", "complaint", "manual"]
FollowUpState = Literal["open", "done"]

MAX_TEXT = 2000
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,22}[0-9]$")
EMAIL = re.compile(r"^[^@\s<>\"'()]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}$")


def _text(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("text may not be empty")
    return text


def _contact(value: str | None) -> str | None:
    """A phone number (digits, spaces, dashes, brackets, a leading +) or an e-mail address."""
    if value is None or not value.strip():
        return None
    contact = value.strip()
    if not (PHONE.match(contact) and sum(c.isdigit() for c in contact) >= 5) and not EMAIL.match(
        contact
    ):
        raise ValueError("contact is a phone number or an e-mail address")
    return contact


class PublicComplaintCreate(Request):
    """The customer's complaint or suggestion, from the mobile ticket page."""

    category: ComplaintCategory
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    contact: str | None = Field(None, max_length=100)

    _strip = field_validator("text")(_text)
    _check_contact = field_validator("contact")(_contact)


class ComplaintCreate(PublicComplaintCreate):
    """Staff record a complaint made by phone, by letter or at the desk."""

    branch_id: Id
    ticket_id: Id | None = None
    channel: ComplaintChannel = "desk"


class ComplaintUpdate(Request):
    assignee_id: Id | None = None
    state: ComplaintState | None = None
    resolution: str | None = Field(None, max_length=MAX_TEXT)
    upheld: bool | None = None


class Complaint(BaseModel):
    id: int
    branch_id: int
    ticket_id: int | None
    ticket_number: str | None = None
    clerk_id: int | None
    counter_id: int | None
    category: ComplaintCategory
    text: str
    contact: str | None
    channel: str
    state: ComplaintState
    assignee_id: int | None
    due_at: datetime
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    upheld: bool | None
    overdue: bool = False
    """Not answered (open or assigned) after `due_at`; or answered after it (`late`)."""
    late: bool = False


class ComplaintChange(BaseModel):
    """One line of a complaint's history: who did what, when."""

    ts: datetime
    user_id: int | None
    action: str  # created | assigned | resolved | rejected | updated
    from_state: ComplaintState | None
    to_state: ComplaintState
    assignee_id: int | None
    resolution: str | None
    upheld: bool | None


class ComplaintDetail(Complaint):
    history: list[ComplaintChange] = Field(default_factory=list)


class ComplaintReceipt(BaseModel):
    """What the customer is told: their complaint is recorded and by when it is answered."""

    id: int
    category: ComplaintCategory
    state: ComplaintState
    created_at: datetime
    due_at: datetime


class FollowUpCreate(Request):
    branch_id: Id
    ticket_id: Id | None = None
    complaint_id: Id | None = None
    due_at: datetime | None = None
    note: str | None = Field(None, max_length=MAX_TEXT)


class FollowUpUpdate(Request):
    state: Literal["done"] = "done"
    result: str = Field(min_length=1, max_length=MAX_TEXT)
    satisfied: bool | None = None

    _strip = field_validator("result")(_text)


class FollowUp(BaseModel):
    id: int
    branch_id: int
    ticket_id: int | None
    ticket_number: str | None = None
    complaint_id: int | None
    reason: FollowUpReason
    state: FollowUpState
    due_at: datetime
    created_at: datetime
    note: str | None
    result: str | None
    satisfied: bool | None
    done_by: int | None
    done_at: datetime | None
    overdue: bool = False
