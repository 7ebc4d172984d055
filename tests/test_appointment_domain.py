"""The pure rules of appointments: moves, slots, the check-in window, codes, phone numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.appointments import domain
from server.core.errors import InvalidTransition, TooEarly, TooLate, ValidationFailed
from server.tickets.selection import appointment_time, in_priority_lane

T = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def test_only_a_booked_appointment_moves() -> None:
    for target in ("checked_in", "cancelled", "missed"):
        assert domain.move("booked", target) == target
        for final in ("checked_in", "cancelled", "missed"):
            with pytest.raises(InvalidTransition):
                domain.move(final, target)


def test_slots_cut_each_session_and_drop_a_short_rest() -> None:
    found = domain.slots([(at(0), at(100)), (at(120), at(150))], 30)
    assert found == [(at(0), at(30)), (at(30), at(60)), (at(60), at(90)), (at(120), at(150))]
    assert domain.slots([(at(0), at(20))], 30) == []


def test_the_window_opens_early_and_closes_late() -> None:
    window = domain.Window.of(T, early_min=30, late_min=15)
    with pytest.raises(TooEarly, match="01:30"):
        domain.check_in("booked", window, at(-31))
    assert domain.check_in("booked", window, at(-30)) == "checked_in"
    assert domain.check_in("booked", window, at(15)) == "checked_in"
    with pytest.raises(TooLate, match="normal ticket"):
        domain.check_in("booked", window, at(15.1))
    with pytest.raises(InvalidTransition):  # cancelled: never "too late"
        domain.check_in("cancelled", window, at(60))
    assert domain.cancel("booked", window, at(10)) == "cancelled"
    with pytest.raises(InvalidTransition):
        domain.cancel("booked", window, at(16))


def test_codes_come_from_an_unambiguous_alphabet_and_are_read_as_meant() -> None:
    codes = {domain.new_code(8) for _ in range(2000)}
    assert len(codes) == 2000
    assert set("".join(codes)) <= set(domain.ALPHABET)
    assert not set("ILOU") & set(domain.ALPHABET)
    assert domain.read_code(" ab-cd oil1 ") == "ABCD0111"


@pytest.mark.parametrize(("typed", "stored"), [
    ("138 0013 8000", "13800138000"), ("+86 (138) 0013-8000", "+8613800138000"),
    ("", None), (None, None), ("  ", None),
])  # fmt: skip
def test_phone_numbers_are_kept_as_digits(typed: str | None, stored: str | None) -> None:
    assert domain.read_phone(typed) == stored


ARABIC_DIGITS = "13800138\u0661\u0662\u0663"


@pytest.mark.parametrize("typed", ["12345", "1" * 16, "138-abc", "++8613800138000", ARABIC_DIGITS])
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed):
        domain.read_phone(typed)


def test_a_masked_phone_keeps_its_ends() -> None:
    assert domain.masked("13800138000") == "138****8000"
    assert domain.masked("123456") == "****56"
    assert domain.masked(None) is None


def test_an_appointment_queues_with_the_walk_ins_at_its_start() -> None:
    assert appointment_time(T) == T
    assert not in_priority_lane("appointment") and not in_priority_lane("normal")
    assert in_priority_lane("priority")


def test_a_missed_booking_is_too_late_not_a_wrong_move() -> None:
    window = domain.Window.of(T, early_min=30, late_min=15)
    with pytest.raises(TooLate):
        domain.check_in("missed", window, at(0))
