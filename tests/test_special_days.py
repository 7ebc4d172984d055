"""Special days (`special_days`): the hours of one date override the weekday's hours and the
holidays, for issuing, the cut-off, `open_now` and when the hall opens next."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.halls.hours import Schedule

pytestmark = pytest.mark.unit

SHANGHAI = "Asia/Shanghai"
WEEK = {day: [["08:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in January 2026 in Shanghai (the 14th is a Wednesday, the 17th a Saturday)."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def hall(**special: list[list[str]]) -> Schedule:
    days = {f"2026-01-{key[1:]}": hours for key, hours in special.items()}
    return Schedule(timezone=SHANGHAI, opening_hours=WEEK, cutoff_min=20,
                    holidays=frozenset({"2026-01-15"}), special_days=days)  # fmt: skip


def test_the_hours_of_a_date() -> None:
    h = hall(d17=[["09:00", "12:00"]], d14=[], d15=[["08:30", "17:30"]])
    assert h.hours_of(date(2026, 1, 13)) == [["08:30", "17:30"]]  # a plain Tuesday
    assert h.hours_of(date(2026, 1, 14)) == []  # an extra closed day
    assert h.hours_of(date(2026, 1, 15)) == [["08:30", "17:30"]]  # a holiday made a working day
    assert h.hours_of(date(2026, 1, 16)) == [["08:30", "17:30"]]
    assert h.hours_of(date(2026, 1, 17)) == [["09:00", "12:00"]]  # an extra working Saturday
    assert h.hours_of(date(2026, 1, 18)) == []  # Sunday
    assert hall().hours_of(date(2026, 1, 15)) == []  # the holiday itself
    around = Schedule(timezone=SHANGHAI, special_days={"2026-01-14": []})
    assert around.hours_of(date(2026, 1, 13)) is None and around.hours_of(date(2026, 1, 14)) == []


def test_an_extra_working_day_issues_with_its_own_cutoff() -> None:
    h = hall(d17=[["09:00", "12:00"]])
    assert h.issuing_closed(at(17, 8, 59)) is not None
    assert h.issuing_closed(at(17, 9, 0)) is None and h.open_now(at(17, 9, 0))
    assert (h.issuing_closed(at(17, 11, 40)) or ("",))[0] == "cutoff"
    assert h.open_now(at(17, 11, 40))  # serving goes on after the cut-off
    assert not h.open_now(at(17, 12, 0))
    assert h.opens_at(at(16, 18, 0)) == at(17, 9, 0).astimezone(h.local(at(17, 9)).tzinfo)


def test_an_extra_closed_day_and_a_shortened_day() -> None:
    h = hall(d14=[], d16=[["08:30", "12:00"]])
    assert h.issuing_closed(at(14, 10)) == ("closed", "the hall is closed today")
    assert not h.open_now(at(14, 10))
    # the holiday (15th) and the closed day are skipped; the shortened Friday opens as usual
    assert h.local(h.opens_at(at(13, 18)) or at(1, 0)).strftime("%d %H:%M") == "16 08:30"
    assert (h.issuing_closed(at(16, 11, 45)) or ("",))[0] == "cutoff"
    assert h.issuing_closed(at(16, 13, 0)) == ("closed", "the hall is not open at this time")


def test_a_holiday_still_says_holiday_and_an_extended_day_stays_open() -> None:
    assert hall().issuing_closed(at(15, 10)) == ("holiday", "the hall is closed today (holiday)")
    late = hall(d13=[["08:30", "20:00"]])
    assert late.issuing_closed(at(13, 19, 0)) is None and late.open_now(at(13, 19, 30))


def test_the_special_days_ahead() -> None:
    h = hall(d13=[], d20=[["09:00", "12:00"]], d31=[])
    h2 = Schedule(timezone=SHANGHAI, special_days={**h.special_days, "2026-02-20": []})
    assert list(h2.special_days_ahead(date(2026, 1, 14), 30)) == ["2026-01-20", "2026-01-31"]
