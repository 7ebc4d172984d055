"""hallq's forecast of the queue (server/tickets/estimate.py), pure: the rules of call-next
played forward with each service's usual turn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.tickets.estimate import (
    NEW,
    Desk,
    Waiting,
    behind_arrivals,
    forecast,
    remaining_s,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def waiting(id_: int, service: int, minute: float, priority: str = "normal",
            counter: int | None = None) -> Waiting:  # fmt: skip
    return Waiting(id_, service, priority, T0 + timedelta(minutes=minute), counter)


def test_one_counter_calls_one_after_another() -> None:
    queue = [waiting(i, 1, i) for i in range(1, 4)]
    assert forecast([Desk(1, (1,), 0.0)], queue, {1: 300.0}).calls == {1: 0.0, 2: 300.0, 3: 600.0}


def test_a_counter_shared_with_another_service_counts_only_when_free_for_it() -> None:
    # counter 1 serves A only, counter 2 serves A and B; B's tickets came first
    queue = [waiting(1, 2, 0), waiting(2, 2, 1), waiting(3, 1, 2), waiting(4, 1, 3)]
    desks = [Desk(1, (1,), 120.0), Desk(2, (1, 2), 0.0)]
    calls = forecast(desks, queue, {1: 300.0, 2: 600.0}).calls
    # counter 2 takes both B tickets (0 s, 600 s); counter 1 frees at 120 s and serves A alone
    assert calls == {1: 0.0, 2: 600.0, 3: 120.0, 4: 420.0}


def test_a_priority_ticket_ahead_is_counted_where_call_next_puts_it() -> None:
    queue = [waiting(1, 1, 0), waiting(2, 1, -5, "priority"), waiting(NEW, 1, 1)]
    calls = forecast([Desk(1, (1,), 60.0)], queue, {1: 300.0}).calls
    assert calls == {2: 60.0, 1: 360.0, NEW: 660.0}
    # with an interleave of 2, two normal tickets go before the priority one
    calls = forecast([Desk(1, (1,), 0.0, interleave=2)], queue, {1: 300.0}).calls
    assert calls == {1: 0.0, NEW: 300.0, 2: 600.0}


def test_an_appointment_is_played_in_the_walk_ins_lane_as_call_next_does() -> None:
    # an interleave of 1: a walk-in, the priority ticket, then the walk-ins' lane in order of
    # effective time, the appointment (queued at its slot) among them and counted as one
    queue = [waiting(1, 1, 0), waiting(2, 1, 1, "appointment"), waiting(4, 1, 2),
             waiting(3, 1, -5, "priority")]  # fmt: skip
    calls = forecast([Desk(1, (1,), 0.0, interleave=1)], queue, {1: 300.0}).calls
    assert calls == {1: 0.0, 3: 300.0, 2: 600.0, 4: 900.0}


def test_a_ticket_sent_to_one_counter_waits_for_that_counter() -> None:
    queue = [waiting(1, 1, 0, counter=2), waiting(2, 1, 1)]
    calls = forecast([Desk(1, (1,), 0.0), Desk(2, (1,), 500.0)], queue, {1: 300.0}).calls
    assert calls == {2: 0.0, 1: 500.0}


def test_nobody_calls_a_service_no_desk_serves() -> None:
    assert forecast([Desk(1, (1,), 0.0)], [waiting(1, 2, 0)], {2: 60.0}).calls == {}


def test_what_is_left_of_a_turn_never_drops_to_nothing() -> None:
    assert remaining_s(300.0, 100.0) == 200.0
    assert remaining_s(300.0, 900.0) == pytest.approx(105.0)


def test_a_new_ticket_is_placed_behind_the_queue_and_keeps_its_desk_busy() -> None:
    queue = [waiting(1, 1, 0), waiting(2, 1, 1)]
    fc = forecast([Desk(1, (1,), 0.0), Desk(2, (1,), 100.0)], queue, {1: 300.0})
    assert fc.calls == {1: 0.0, 2: 100.0}
    assert fc.after(waiting(3, 1, 2), 2, 2, keep=True) == 300.0  # desk 1, after ticket 1
    assert fc.after(waiting(4, 1, 3), 3, 2, keep=True) == 400.0  # desk 2, after ticket 2
    assert fc.calls[3] == 300.0 and fc.calls[4] == 400.0


def test_behind_a_window_the_rest_goes_at_the_open_counters_rate() -> None:
    queue = [waiting(1, 1, 0), waiting(2, 1, 1)]  # the first two of a longer queue
    fc = forecast([Desk(1, (1,), 0.0)], queue, {1: 300.0}, complete=False)
    # 10 people ahead, 2 of them in the window: 8 more × 300 s on one counter after 600 s
    assert fc.after(waiting(99, 1, 50), 10, 1, keep=False) == 600.0 + 8 * 300.0
    # each ticket issued behind it is one more person back
    assert fc.after(waiting(100, 1, 51), 10, 1, keep=True) == 600.0 + 8 * 300.0
    assert fc.after(waiting(101, 1, 52), 11, 1, keep=True) == 600.0 + 9 * 300.0


def test_walk_ins_before_an_early_appointments_slot_go_ahead_while_it_waits() -> None:
    # one walk-in a minute, a turn of 4 minutes, 2 counters: 2 s of waiting per second
    fast = {"arrivals_per_s": 1 / 60, "turn_s": 240.0, "counters": 2}
    assert behind_arrivals(0.0, 600.0, **fast) == 0.0  # a free counter calls it at once
    assert behind_arrivals(300.0, 0.0, **fast) == 300.0  # its slot has begun: nobody else
    # load 2: it waits until its slot (600 s) and everyone who came meanwhile is served first
    assert behind_arrivals(300.0, 600.0, **fast) == 300.0 + 2 * 600.0
    # one walk-in every 4 minutes (load 0.5): called in 100 s becomes 200 s, before the slot
    slow = {"arrivals_per_s": 1 / 240, "turn_s": 240.0, "counters": 2}
    assert behind_arrivals(100.0, 600.0, **slow) == pytest.approx(200.0)
    assert behind_arrivals(400.0, 600.0, **slow) == pytest.approx(400.0 + 0.5 * 600.0)
