"""Time at the counter, folded from the counters' changes (server/stats/counter_time.py)."""

from __future__ import annotations

import pytest

from server.stats.counter_time import CounterChange, counter_times

pytestmark = pytest.mark.unit
MIN = 60_000
DAY = 24 * 60 * MIN
WINDOWS = [("d1", 0, DAY), ("d2", DAY, 2 * DAY)]


def change(at_min: float, state: str, clerk: int | None = 7, ticket: int | None = None,
           counter: int = 1) -> CounterChange:  # fmt: skip
    return CounterChange(counter, round(at_min * MIN), state, clerk, ticket)


def test_open_paused_and_idle_time_of_one_day() -> None:
    changes = [
        change(60, "open"), change(70, "open", ticket=1), change(80, "open"),
        change(90, "paused"), change(100, "open"), change(120, "closed", clerk=None),
    ]  # fmt: skip
    assert counter_times(changes, WINDOWS, 2 * DAY) == {
        ("d1", 1, 7): [50 * MIN, 10 * MIN, 40 * MIN]
    }


def test_a_stretch_is_cut_at_midnight_and_a_counter_still_open_counts_until_now() -> None:
    changes = [change(23 * 60, "open", ticket=5), change(25 * 60, "open")]
    times = counter_times(changes, WINDOWS, DAY + 26 * 60 * MIN - DAY)  # now: 02:00 on d2
    assert times == {("d1", 1, 7): [60 * MIN, 0, 0], ("d2", 1, 7): [120 * MIN, 0, 60 * MIN]}


def test_each_counter_and_clerk_apart_and_a_change_before_the_window() -> None:
    changes = [
        change(-30, "open", clerk=8), change(30, "closed", clerk=None),  # from the day before
        change(10, "paused", clerk=9, counter=2), change(20, "closed", clerk=None, counter=2),
    ]  # fmt: skip
    assert counter_times(changes, WINDOWS[:1], DAY) == {
        ("d1", 1, 8): [30 * MIN, 0, 30 * MIN], ("d1", 2, 9): [0, 10 * MIN, 0]}  # fmt: skip
