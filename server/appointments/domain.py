"""The rules of appointments (pure): states and moves, slots, the check-in window, codes,
phone numbers, and the events.

A booking is `booked` until it is checked in (`checked_in`: a ticket was issued), cancelled
(`cancelled`: its place is free again) or its check-in window closes (`missed`). Only a
booked one moves; the other three are final.

The check-in window of a slot opens `early` minutes before its start and closes `late` minutes
after it. A slot may be booked while its window is still open.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from server.core.errors import InvalidTransition, TooEarly, TooLate, ValidationFailed

BOOKED, CHECKED_IN, CANCELLED, MISSED = "booked", "checked_in", "cancelled", "missed"
MOVES: dict[str, frozenset[str]] = {
    BOOKED: frozenset({CHECKED_IN, CANCELLED, MISSED}),
    CHECKED_IN: frozenset(),
    CANCELLED: frozenset(),
    MISSED: frozenset(),
}
TAKING_A_PLACE = (BOOKED, CHECKED_IN, MISSED)
"""States that hold a place of their slot (a cancelled booking frees it)."""

# Crockford's base 32: digits and capitals without I, L, O and U. What a customer types for a
# look-alike is read as the letter meant (O → 0, I and L → 1), so no code is mistyped into
# another one.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 32**8 ≈ 10**12 codes
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def move(state: str, target: str) -> str:
    """The state after a move, or InvalidTransition."""
    if target not in MOVES[state]:
        raise InvalidTransition(f"the appointment is {state.replace('_', ' ')}")
    return target


def new_code(length: int) -> str:
    """A check-in code drawn from the system's random source: no code says anything about
    another one."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def read_code(typed: str) -> str:
    """The code a customer or a scanner typed, as stored: capitals, no spaces or dashes,
    look-alikes read as meant."""
    return re.sub(r"[\s\-]", "", typed).upper().translate(_READ_AS)


_PHONE = re.compile(r"^\+?[0-9]{6,15}$")


def read_phone(typed: str | None) -> str | None:
    """A phone number without spaces, dashes, dots and brackets; 6 to 15 digits with an
    optional leading +, or ValidationFailed."""
    if typed is None or not typed.strip():
        return None
    phone = re.sub(r"[\s\-().]", "", typed)
    if not _PHONE.match(phone):
        raise ValidationFailed("phone: 6 to 15 digits, optionally with a leading +")
    return phone


def masked(phone: str | None) -> str | None:
    """Enough for the customer to recognise their number, not enough to call it."""
    if not phone:
        return phone
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]


def slots(sessions: Iterable[tuple[datetime, datetime]], minutes: int,
          ) -> list[tuple[datetime, datetime]]:  # fmt: skip
    """A day's slots: each session cut into `minutes` from its opening; a remainder shorter
    than a slot is not offered."""
    length = timedelta(minutes=minutes)
    found = []
    for opens, closes in sessions:
        start = opens
        while start + length <= closes:
            found.append((start, start + length))
            start += length
    return found


@dataclass(frozen=True)
class Window:
    """When an appointment may be checked in."""

    opens: datetime
    closes: datetime

    @classmethod
    def of(cls, start: datetime, *, early_min: int, late_min: int) -> Window:
        return cls(start - timedelta(minutes=early_min), start + timedelta(minutes=late_min))

    def check(self, now: datetime) -> None:
        """TooEarly or TooLate, each saying when (in the window's own time zone: give it the
        hall's local times) or what to do instead."""
        if now < self.opens:
            raise TooEarly(f"check-in opens at {self.opens:%H:%M} ({self.opens:%Y-%m-%d})")
        if now > self.closes:
            raise TooLate(
                f"check-in closed at {self.closes:%H:%M} ({self.closes:%Y-%m-%d}); "
                "please take a normal ticket"
            )

    def closed(self, now: datetime) -> bool:
        return now > self.closes


def check_in(state: str, window: Window, now: datetime) -> str:
    """Check a check-in: the move first (a cancelled one is not "too late"), then the time. A
    missed booking is too late, as it was before the sweep marked it."""
    if state == MISSED:
        window.check(window.closes + timedelta(microseconds=1))
    target = move(state, CHECKED_IN)
    window.check(now)
    return target


def cancel(state: str, window: Window, now: datetime) -> str:
    target = move(state, CANCELLED)
    if window.closed(now):
        raise InvalidTransition("the appointment's check-in window has closed")
    return target


@dataclass(frozen=True)
class AppointmentEvent:
    type: ClassVar[str] = "appointment.booked"
    appointment_id: int
    branch_id: int
    ticket_id: int | None = None


@dataclass(frozen=True)
class AppointmentBooked(AppointmentEvent):
    type: ClassVar[str] = "appointment.booked"


@dataclass(frozen=True)
class AppointmentCancelled(AppointmentEvent):
    type: ClassVar[str] = "appointment.cancelled"


@dataclass(frozen=True)
class AppointmentCheckedIn(AppointmentEvent):
    type: ClassVar[str] = "appointment.checked_in"


@dataclass(frozen=True)
class AppointmentMissed(AppointmentEvent):
    type: ClassVar[str] = "appointment.missed"
