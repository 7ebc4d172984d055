"""Pure domain rules, no database: states, numbering, hours, selection and the wait estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.core.errors import InvalidTransition
from server.halls.hours import Schedule
from server.protocol.hours import validate_opening_hours
from server.tickets.estimate import estimated_wait_s, mean_service_s
from server.tickets.numbering import number_for
from server.tickets.selection import Candidate, choose_next, effective_time
from server.tickets.states import TRANSITIONS, Action, TicketState, transition

pytestmark = pytest.mark.unit

S, A = TicketState, Action

# The diagram of DESIGN.md, written out again so the table is checked against it, not itself.
EXPECTED = {
    (S.WAITING, A.CALL): S.CALLED,
    (S.WAITING, A.CANCEL): S.CANCELLED,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.START): S.SERVING,
    (S.CALLED, A.COMPLETE): S.DONE,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.TRANSFER): S.WAITING,
    (S.CALLED, A.PARK): S.PARKED,
    (S.CALLED, A.CANCEL): S.CANCELLED,
    (S.SERVING, A.COMPLETE): S.DONE,
    (S.SERVING, A.TRANSFER): S.WAITING,
    (S.SERVING, A.PARK): S.PARKED,
    (S.PARKED, A.RESUME): S.CALLED,
    (S.PARKED, A.CANCEL): S.CANCELLED,
    (S.NO_SHOW, A.REQUEUE): S.WAITING,
}
ALL_PAIRS = [(state, action) for state in TicketState for action in Action]


# ---- ticket states -----------------------------------------------------------------------


def test_the_transition_table_matches_the_design_diagram() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_PAIRS])
def test_every_state_and_action_pair_moves_as_the_table_says_or_is_refused(
    state: TicketState, action: Action
) -> None:
    if (state, action) in EXPECTED:
        assert transition(state, action) is EXPECTED[(state, action)]
    else:
        with pytest.raises(InvalidTransition) as refused:
            transition(state, action)
        assert refused.value.code == "invalid_transition"
        assert state.value in refused.value.detail


@pytest.mark.parametrize("final", [S.DONE, S.CANCELLED])
def test_nothing_leaves_a_final_state(final: TicketState) -> None:
    for action in Action:
        with pytest.raises(InvalidTransition):
            transition(final, action)


# ---- numbering ---------------------------------------------------------------------------


def test_numbers_are_the_prefix_and_the_zero_padded_daily_count() -> None:
    assert number_for(1, prefix="A", start=1, end=999) == "A001"
    assert number_for(12, prefix="A", start=1, end=999) == "A012"
    assert number_for(999, prefix="A", start=1, end=999) == "A999"
    assert number_for(7, prefix="VIP", start=1, end=999) == "VIP007"


def test_the_padding_grows_with_a_wider_range() -> None:
    assert number_for(1, prefix="B", start=1, end=9999) == "B0001"
    assert number_for(5, prefix="B", start=1, end=99) == "B005"  # never fewer than 3 digits


def test_numbering_wraps_back_to_the_start_after_the_end_of_the_range() -> None:
    assert number_for(1000, prefix="A", start=1, end=999) == "A001"
    assert number_for(1001, prefix="A", start=1, end=999) == "A002"
    assert number_for(3, prefix="C", start=1, end=2) == "C001"


def test_numbering_starts_at_the_range_offset_and_wraps_to_it() -> None:
    assert number_for(1, prefix="D", start=100, end=199) == "D100"
    assert number_for(100, prefix="D", start=100, end=199) == "D199"
    assert number_for(101, prefix="D", start=100, end=199) == "D100"


def test_a_daily_count_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        number_for(0, prefix="A", start=1, end=999)


# ---- business date and opening hours ------------------------------------------------------

SHANGHAI = "Asia/Shanghai"  # UTC+8, no DST
VANCOUVER = "America/Vancouver"  # UTC-8 in winter, UTC-7 in summer


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("timezone", "local_midnight_utc", "new_date"),
    [
        (SHANGHAI, utc(2026, 1, 14, 16, 0), date(2026, 1, 15)),
        (VANCOUVER, utc(2026, 1, 15, 8, 0), date(2026, 1, 15)),  # PST
        (VANCOUVER, utc(2026, 7, 15, 7, 0), date(2026, 7, 15)),  # PDT
    ],
)
def test_the_business_date_turns_over_at_local_midnight(
    timezone: str, local_midnight_utc: datetime, new_date: date
) -> None:
    hours = Schedule(timezone=timezone)
    assert hours.business_date(local_midnight_utc - timedelta(seconds=1)) == new_date - timedelta(1)
    assert hours.business_date(local_midnight_utc) == new_date


def test_the_same_instant_is_a_different_business_date_in_shanghai_and_vancouver() -> None:
    instant = utc(2026, 1, 15, 2, 0)  # 10:00 in Shanghai, 18:00 the day before in Vancouver
    assert Schedule(timezone=SHANGHAI).business_date(instant) == date(2026, 1, 15)
    assert Schedule(timezone=VANCOUVER).business_date(instant) == date(2026, 1, 14)


def test_without_any_opening_hours_the_hall_issues_around_the_clock() -> None:
    hours = Schedule(timezone=SHANGHAI)
    for hour in range(24):
        assert hours.issuing_refusal(utc(2026, 1, 14, hour, 30)) is None


def test_a_holiday_closes_the_hall_even_without_opening_hours() -> None:
    hours = Schedule(timezone=SHANGHAI, holidays=frozenset({"2026-10-01"}))
    refusal = hours.issuing_refusal(utc(2026, 10, 1, 2, 0))  # 10:00 local
    assert refusal is not None and "holiday" in refusal
    assert hours.issuing_refusal(utc(2026, 10, 2, 2, 0)) is None


def test_a_holiday_is_the_local_date_not_the_utc_date() -> None:
    hours = Schedule(timezone=SHANGHAI, holidays=frozenset({"2026-10-01"}))
    assert hours.issuing_refusal(utc(2026, 9, 30, 16, 30)) is not None  # 00:30 on Oct 1 local
    assert hours.issuing_refusal(utc(2026, 9, 30, 15, 30)) is None  # 23:30 on Sep 30 local


WEEKDAY_HOURS = Schedule(
    timezone=SHANGHAI, opening_hours={"wed": [["08:30", "17:30"]]}, cutoff_min=15
)  # 2026-01-14 is a Wednesday


def local_sh(hour: int, minute: int, second: int = 0, day: int = 14) -> datetime:
    return utc(2026, 1, day, hour, minute, second) - timedelta(hours=8)


def test_issuing_opens_at_the_opening_time_in_local_time() -> None:
    assert WEEKDAY_HOURS.issuing_refusal(local_sh(8, 29, 59)) is not None
    assert WEEKDAY_HOURS.issuing_refusal(local_sh(8, 30)) is None


def test_issuing_stops_exactly_at_the_cutoff_before_closing() -> None:
    assert WEEKDAY_HOURS.issuing_refusal(local_sh(17, 14, 59)) is None
    refusal = WEEKDAY_HOURS.issuing_refusal(local_sh(17, 15))
    assert refusal is not None and "15 min" in refusal
    assert WEEKDAY_HOURS.issuing_refusal(local_sh(17, 30)) is not None
    assert WEEKDAY_HOURS.issuing_refusal(local_sh(20, 0)) is not None


def test_a_weekday_without_hours_is_closed_once_any_weekday_has_hours() -> None:
    refusal = WEEKDAY_HOURS.issuing_refusal(local_sh(10, 0, day=15))  # Thursday
    assert refusal is not None and refusal.startswith("the hall is closed today")


def test_a_lunch_break_between_two_intervals_is_closed() -> None:
    hours = Schedule(
        timezone=SHANGHAI, opening_hours={"wed": [["08:30", "12:00"], ["13:30", "17:00"]]}
    )
    assert hours.issuing_refusal(local_sh(11, 59)) is None
    assert hours.issuing_refusal(local_sh(12, 30)) is not None
    assert hours.issuing_refusal(local_sh(13, 30)) is None


def test_closing_at_24_00_means_the_end_of_the_day() -> None:
    hours = Schedule(timezone=SHANGHAI, opening_hours={"wed": [["20:00", "24:00"]]}, cutoff_min=10)
    assert hours.issuing_refusal(local_sh(23, 49, 59)) is None
    assert hours.issuing_refusal(local_sh(23, 50)) is not None
    assert hours.issuing_refusal(local_sh(0, 5, day=15)) is not None  # Thursday: no hours


def test_a_whole_day_from_00_00_to_24_00_is_open_without_a_cutoff() -> None:
    hours = Schedule(timezone=VANCOUVER, opening_hours={"wed": [["00:00", "24:00"]]})
    assert hours.issuing_refusal(utc(2026, 1, 14, 8, 0)) is None  # 00:00 Wednesday in Vancouver
    assert hours.issuing_refusal(utc(2026, 1, 15, 7, 59)) is None  # 23:59 Wednesday
    assert hours.issuing_refusal(utc(2026, 1, 15, 8, 0)) is not None  # Thursday


def test_opening_hours_are_read_in_the_branch_timezone() -> None:
    hours = Schedule(timezone=VANCOUVER, opening_hours={"wed": [["09:00", "17:00"]]})
    assert hours.issuing_refusal(utc(2026, 1, 14, 17, 0)) is None  # 09:00 PST
    assert hours.issuing_refusal(utc(2026, 1, 14, 9, 0)) is not None  # 01:00 PST


def test_valid_opening_hours_pass_validation() -> None:
    validate_opening_hours({"mon": [["08:30", "12:00"], ["13:00", "17:30"]], "sun": []})
    validate_opening_hours({"sat": [["00:00", "24:00"]]})


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"monday": [["08:00", "17:00"]]}, "unknown weekday"),
        ({"mon": [["08:00"]]}, "an interval is"),
        ({"mon": [["08:00", "12:00", "17:00"]]}, "an interval is"),
        ({"mon": [["8h", "17:00"]]}, "HH:MM"),
        ({"mon": [["08:00", "25:00"]]}, "HH:MM"),
        ({"mon": [["17:00", "08:00"]]}, "does not open before closing"),
        ({"mon": [["08:00", "08:00"]]}, "does not open before closing"),
        ({"mon": [["24:00", "24:00"]]}, "does not open before closing"),
    ],
)
def test_malformed_opening_hours_are_refused_with_a_reason(
    hours: dict[str, list[list[str]]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        validate_opening_hours(hours)


# ---- who is called next ------------------------------------------------------------------

T0 = utc(2026, 1, 14, 1, 0)


def candidate(ticket_id: int, priority: str, issued_min: float, boost: int = 15) -> Candidate:
    issued = T0 + timedelta(minutes=issued_min)
    return Candidate(ticket_id, priority, effective_time(issued, priority, boost_min=boost))


def test_a_normal_ticket_queues_at_its_issue_time() -> None:
    assert effective_time(T0, "normal", boost_min=15) == T0


@pytest.mark.parametrize("priority", ["priority", "appointment"])
def test_priority_classes_queue_earlier_by_the_bounded_boost(priority: str) -> None:
    assert effective_time(T0, priority, boost_min=15) == T0 - timedelta(minutes=15)


def test_a_negative_boost_counts_as_none() -> None:
    assert effective_time(T0, "priority", boost_min=-5) == T0


def test_a_priority_ticket_overtakes_a_normal_one_issued_less_than_the_boost_before() -> None:
    normal, priority = candidate(1, "normal", 0), candidate(2, "priority", 10)
    chosen = choose_next(
        first_normal=normal, first_priority=priority, interleave=0, normals_since_priority=0
    )
    assert chosen == priority


def test_a_priority_ticket_never_overtakes_a_normal_one_issued_more_than_the_boost_before() -> None:
    normal, priority = candidate(1, "normal", 0), candidate(2, "priority", 16)
    chosen = choose_next(
        first_normal=normal, first_priority=priority, interleave=0, normals_since_priority=0
    )
    assert chosen == normal


def test_equal_effective_times_are_broken_by_the_lower_ticket_id() -> None:
    normal, priority = candidate(7, "normal", 15), candidate(3, "priority", 30)
    assert normal.effective_at == priority.effective_at
    pick = choose_next(
        first_normal=normal, first_priority=priority, interleave=0, normals_since_priority=0
    )
    assert pick == priority
    normal, priority = candidate(3, "normal", 15), candidate(7, "priority", 30)
    pick = choose_next(
        first_normal=normal, first_priority=priority, interleave=0, normals_since_priority=0
    )
    assert pick == normal


def test_an_interleave_of_two_calls_one_priority_after_every_two_normals() -> None:
    normal, priority = candidate(1, "normal", 0), candidate(2, "priority", 1)
    picks = [
        choose_next(
            first_normal=normal, first_priority=priority, interleave=2, normals_since_priority=since
        )
        for since in (0, 1, 2, 3)
    ]
    assert picks == [normal, normal, priority, priority]


def test_whichever_queue_is_not_empty_is_called_regardless_of_interleave() -> None:
    normal, priority = candidate(1, "normal", 0), candidate(2, "priority", 1)
    for interleave in (0, 2):
        for since in (0, 5):
            kw = {"interleave": interleave, "normals_since_priority": since}
            assert choose_next(first_normal=None, first_priority=priority, **kw) == priority
            assert choose_next(first_normal=normal, first_priority=None, **kw) == normal
            assert choose_next(first_normal=None, first_priority=None, **kw) is None


# ---- estimated wait ----------------------------------------------------------------------


def test_the_mean_service_time_falls_back_to_the_configured_minutes() -> None:
    assert mean_service_s([], configured_min=5) == 300.0
    assert mean_service_s([0.0, -3.0], configured_min=2.5) == 150.0


def test_the_mean_service_time_is_the_mean_of_the_positive_recent_durations() -> None:
    assert mean_service_s([100.0, 200.0, 0.0, 300.0], configured_min=5) == 200.0


def test_the_next_in_line_waits_nothing() -> None:
    assert estimated_wait_s(0, mean_s=300.0, open_counters=3) == 0


def test_the_wait_is_people_ahead_times_mean_over_open_counters() -> None:
    assert estimated_wait_s(3, mean_s=300.0, open_counters=2) == 450
    assert estimated_wait_s(1, mean_s=100.0, open_counters=3) == 33


def test_with_no_open_counter_the_wait_is_estimated_as_for_one() -> None:
    assert estimated_wait_s(2, mean_s=300.0, open_counters=0) == 600
