"""When issuing opens next: lunch breaks, cut-offs per session, closed days and holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.halls.hours import Schedule

pytestmark = pytest.mark.unit

SHANGHAI = "Asia/Shanghai"
LUNCH = {
    day: [["08:30", "12:00"], ["13:30", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
HALL = Schedule(timezone=SHANGHAI, opening_hours=LUNCH, cutoff_min=20)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in January 2026 in Shanghai (the 14th is a Wednesday)."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def local(opens: datetime | None) -> str:
    assert opens is not None
    return opens.strftime("%a %d %H:%M")


def test_the_morning_cutoff_is_not_the_end_of_the_day() -> None:
    assert HALL.issuing_closed(at(14, 11, 39)) is None
    code, _ = HALL.issuing_closed(at(14, 11, 40)) or ("", "")
    assert code == "cutoff"
    assert local(HALL.opens_at(at(14, 11, 40))) == "Wed 14 13:30"
    refusal = HALL.issuing_refusal(at(14, 11, 40))
    assert refusal is not None and "12:00" in refusal and "2026-01-14 13:30" in refusal


def test_the_lunch_break_says_the_afternoon_session() -> None:
    assert HALL.issuing_closed(at(14, 12, 30)) == ("closed", "the hall is not open at this time")
    assert local(HALL.opens_at(at(14, 12, 30))) == "Wed 14 13:30"
    assert HALL.opens_at(at(14, 13, 30)) is None  # open: nothing to announce
    assert HALL.issuing_closed(at(14, 13, 30)) is None


def test_the_cutoff_applies_before_the_afternoon_close_too() -> None:
    assert HALL.issuing_closed(at(14, 16, 39)) is None
    assert (HALL.issuing_closed(at(14, 16, 40)) or ("",))[0] == "cutoff"
    assert local(HALL.opens_at(at(14, 16, 40))) == "Thu 15 08:30"


def test_before_opening_it_is_this_morning_and_after_closing_tomorrow() -> None:
    assert local(HALL.opens_at(at(14, 7, 0))) == "Wed 14 08:30"
    assert local(HALL.opens_at(at(14, 20, 0))) == "Thu 15 08:30"


def test_a_weekend_and_holidays_are_skipped_to_the_next_open_day() -> None:
    assert local(HALL.opens_at(at(16, 18, 0))) == "Mon 19 08:30"  # Friday evening
    assert local(HALL.opens_at(at(17, 10, 0))) == "Mon 19 08:30"  # Saturday
    holidays = Schedule(timezone=SHANGHAI, opening_hours=LUNCH, cutoff_min=20,
                        holidays=frozenset({"2026-01-19", "2026-01-20"}))  # fmt: skip
    assert local(holidays.opens_at(at(16, 18, 0))) == "Wed 21 08:30"
    assert (holidays.issuing_closed(at(19, 10, 0)) or ("",))[0] == "holiday"


def test_a_session_shorter_than_the_cutoff_never_opens_for_issuing() -> None:
    short = Schedule(timezone=SHANGHAI, cutoff_min=30,
                     opening_hours={"wed": [["08:30", "08:50"], ["14:00", "17:00"]]})  # fmt: skip
    assert local(short.opens_at(at(14, 7, 0))) == "Wed 14 14:00"


def test_touching_sessions_are_one_session_with_one_cutoff() -> None:
    joined = Schedule(timezone=SHANGHAI, cutoff_min=15,
                      opening_hours={"wed": [["12:00", "17:00"], ["08:00", "12:00"]]})  # fmt: skip
    assert joined.issuing_closed(at(14, 11, 50)) is None
    assert (joined.issuing_closed(at(14, 16, 45)) or ("",))[0] == "cutoff"


def test_a_hall_without_hours_opens_after_a_holiday_at_midnight() -> None:
    hours = Schedule(timezone=SHANGHAI, holidays=frozenset({"2026-01-14"}))
    assert hours.opens_at(at(14, 10, 0)) == at(15, 0, 0)
    assert hours.opens_at(at(15, 10, 0)) is None


def test_a_hall_that_never_opens_has_no_next_opening() -> None:
    never = Schedule(timezone=SHANGHAI, opening_hours={"wed": [["08:30", "08:40"]]}, cutoff_min=15)
    assert never.opens_at(at(14, 7, 0)) is None
