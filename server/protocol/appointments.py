"""Wire models of appointments (预约): slots, bookings, the customer's view, check-in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from server.protocol.common import Id, Locale, Request

FIRST_YEAR, LAST_YEAR = 2000, 2999
APPOINTMENT_YEARS = (FIRST_YEAR, LAST_YEAR)
AppointmentState = Literal["booked", "checked_in", "cancelled", "missed"]
APPOINTMENT_EVENT_TYPES = (
    "appointment.booked", "appointment.cancelled", "appointment.checked_in",
    "appointment.missed",
)  # fmt: skip


class Slot(BaseModel):
    start: datetime
    end: datetime
    capacity: int
    available: int


class AppointmentCreate(Request):
    branch_id: Id
    service_id: Id
    start: datetime
    name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=32)
    locale: Locale | None = None

    @field_validator("start")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        """Years a hall books in (and whose times convert between zones without overflow)."""
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"start must lie between {FIRST_YEAR} and {LAST_YEAR}")
        return value


class Appointment(BaseModel):
    """As the customer who booked sees it (the answer to the booking, the lookup by
    public_id): no name, the phone masked."""

    id: int
    public_id: str | None
    code: str | None
    branch_id: int
    service_id: int
    start: datetime
    end: datetime
    state: AppointmentState
    ticket_id: int | None
    phone: str | None = None  # masked: "138****5678"
    locale: str | None = None
    checkin_opens_at: datetime | None = None
    checkin_closes_at: datetime | None = None
    # For the customer's page (/a/<public_id>): what and where, in the hall's words.
    service_name: dict[str, str] | None = None
    branch_name: str | None = None
    timezone: str | None = None


class StaffAppointment(Appointment):
    """As staff of the hall see it: with name and phone; `outside_hours` when the hall's hours
    changed after the booking and its slot is no longer inside them."""

    name: str | None = None
    business_date: date
    channel: str
    created_at: datetime
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None
    ticket_number: str | None = None
    outside_hours: bool = False


class CheckIn(Request):
    code: str = Field(min_length=1, max_length=32)
    kiosk_id: Id | None = None
    branch_id: Id | None = None  # staff of several halls: which hall's code
    locale: Locale | None = None


class BookableService(BaseModel):
    id: int
    code: str
    name: dict[str, str]
    capacity: int


class BookingInfo(BaseModel):
    """What the booking page needs of a hall: its name, zone, the days it books and the
    services that can be booked."""

    branch_id: int
    name: str
    names: dict[str, str]
    timezone: str
    locale: str
    today: date
    days_ahead: int
    slot_min: int
    early_min: int
    late_min: int
    personal_days: int  # name and phone are anonymised this many days after the slot
    services: list[BookableService]
