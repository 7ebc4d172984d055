"""The Counter aggregate, without a database."""

from __future__ import annotations

import pytest

from server.core.errors import Conflict, CounterNotOpen
from server.counters.domain import Counter, CounterUpdated


def desk(**fields: object) -> Counter:
    return Counter(id=3, branch_id=1, number=3, **fields)  # type: ignore[arg-type]


def test_opening_staffs_the_desk_and_tells_the_hall() -> None:
    counter = desk()
    counter.open(11)
    assert (counter.state, counter.clerk_id) == ("open", 11)
    assert counter.pull_events() == [CounterUpdated(3, 1)]


def test_nobody_takes_over_a_desk_with_another_clerks_ticket_in_hand() -> None:
    counter = desk(state="open", clerk_id=11, ticket_id=70)
    with pytest.raises(Conflict):
        counter.open(12)
    with pytest.raises(Conflict):
        counter.check_operator(12)
    counter.check_operator(11)
    counter.open(11)  # the same clerk again: fine
    assert counter.clerk_id == 11


def test_a_desk_pauses_and_closes_only_with_empty_hands() -> None:
    counter = desk(state="open", clerk_id=11, ticket_id=70)
    for move in (lambda: counter.pause("lunch"), counter.close):
        with pytest.raises(Conflict):
            move()
    counter.release()
    counter.pause("lunch")
    assert (counter.state, counter.pause_reason) == ("paused", "lunch")
    counter.close()
    assert (counter.state, counter.clerk_id, counter.pause_reason) == ("closed", None, None)
    with pytest.raises(CounterNotOpen):
        counter.pause("")
    with pytest.raises(CounterNotOpen):
        counter.require_open()


def test_taking_from_the_queue_moves_the_interleave_rhythm_and_resuming_does_not() -> None:
    counter = desk(state="open")
    counter.take(1, priority="normal")
    counter.take(2, priority="normal")
    assert counter.normals_since_priority == 2
    counter.take(3)  # a resumed ticket
    assert counter.normals_since_priority == 2
    counter.take(4, priority="priority")
    assert counter.normals_since_priority == 0 and counter.ticket_id == 4


def test_a_desk_setting_of_interleave_overrides_the_halls() -> None:
    assert desk().interleave(2) == 2
    assert desk(priority_interleave=0).interleave(2) == 0
