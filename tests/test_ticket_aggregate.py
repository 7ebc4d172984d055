"""The Ticket aggregate, without a database: each transition sets its fields and records one
event that says what happened and from which state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from server.core.errors import InvalidTransition
from server.tickets.domain import (
    Ticket,
    TicketCalled,
    TicketCancelled,
    TicketCompleted,
    TicketIssued,
    TicketParked,
    TicketRated,
    TicketRecalled,
    TicketRequeued,
    TicketTransferred,
)
from server.tickets.states import TicketState as S

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def issued(position: int = 0) -> Ticket:
    return Ticket.issued(
        id=7, branch_id=1, service_id=2, number="A007", business_date=date(2026, 12, 7),
        priority="normal", now=T0, effective_at=T0, position=position,
    )  # fmt: skip


def called(at: int = 3) -> Ticket:
    ticket = issued()
    ticket.call(counter_id=at, clerk_id=11, now=T0 + timedelta(minutes=5))
    ticket.pull_events()
    return ticket


def test_an_issued_ticket_waits_and_says_how_many_are_ahead() -> None:
    ticket = issued(position=4)
    assert ticket.state is S.WAITING
    assert ticket.pull_events() == [TicketIssued(7, 1, None, 4)]
    assert ticket.pull_events() == []


def test_a_call_from_the_queue_records_the_counter_and_the_state_it_left() -> None:
    ticket = issued()
    ticket.pull_events()
    ticket.call(counter_id=3, clerk_id=11, now=T0 + timedelta(minutes=5))
    assert (ticket.state, ticket.counter_id, ticket.clerk_id, ticket.calls) == (S.CALLED, 3, 11, 1)
    assert ticket.called_at == ticket.last_called_at == T0 + timedelta(minutes=5)
    assert ticket.pull_events() == [TicketCalled(7, 1, S.WAITING, 3)]


def test_a_recall_counts_the_call_but_keeps_the_first_call_time() -> None:
    ticket = called()
    ticket.recall(T0 + timedelta(minutes=6))
    assert (ticket.calls, ticket.called_at) == (2, T0 + timedelta(minutes=5))
    assert ticket.last_called_at == T0 + timedelta(minutes=6)
    assert ticket.pull_events() == [TicketRecalled(7, 1, S.CALLED, 3)]


def test_resuming_a_parked_ticket_is_a_call_from_parked() -> None:
    ticket = called()
    ticket.park()
    assert ticket.pull_events() == [TicketParked(7, 1, S.CALLED, 3)]
    ticket.call(counter_id=4, clerk_id=12, now=T0 + timedelta(minutes=9))
    assert ticket.state is S.CALLED and ticket.called_at == T0 + timedelta(minutes=5)
    assert ticket.pull_events() == [TicketCalled(7, 1, S.PARKED, 4)]


def test_completing_records_the_outcome_at_the_counter() -> None:
    ticket = called()
    ticket.start(T0 + timedelta(minutes=6))
    ticket.complete(T0 + timedelta(minutes=10), "ok")
    assert (ticket.state, ticket.outcome, ticket.finished_at) == (
        S.DONE, "ok", T0 + timedelta(minutes=10),
    )  # fmt: skip
    assert ticket.pull_events()[-1] == TicketCompleted(7, 1, S.SERVING, 3)


@pytest.mark.parametrize("how", ["transfer", "requeue"])
def test_every_return_to_a_queue_starts_the_ticket_over(how: str) -> None:
    """Transfer and requeue reset the same fields (they once reset different ones)."""
    ticket = called()
    ticket.recall(T0 + timedelta(minutes=6))
    back = T0 + timedelta(minutes=20)
    if how == "transfer":
        ticket.transfer(now=back, effective_at=T0, service_id=5)
    else:
        ticket.no_show(T0 + timedelta(minutes=8))
        ticket.requeue(now=back, effective_at=back)
    assert ticket.state is S.WAITING and ticket.queued_at == back
    assert (ticket.counter_id, ticket.clerk_id, ticket.calls) == (None, None, 0)
    assert ticket.called_at is ticket.last_called_at is ticket.started_at is None
    assert ticket.finished_at is None


def test_a_transfer_names_the_counter_it_left_and_where_it_goes() -> None:
    ticket = called()
    ticket.transfer(now=T0, effective_at=T0, service_id=2, counter_id=9)
    assert (ticket.service_id, ticket.target_counter_id) == (2, 9)
    assert ticket.pull_events() == [TicketTransferred(7, 1, S.CALLED, 3, 9)]


def test_a_requeue_is_recorded_from_no_show() -> None:
    ticket = called()
    ticket.no_show(T0)
    ticket.pull_events()
    ticket.requeue(now=T0, effective_at=T0)
    assert ticket.pull_events() == [TicketRequeued(7, 1, S.NO_SHOW)]


def test_cancelling_a_ticket_in_hand_frees_its_counter() -> None:
    ticket = called()
    ticket.cancel(T0)
    assert ticket.pull_events() == [TicketCancelled(7, 1, S.CALLED, 3)]
    waiting = issued()
    waiting.pull_events()
    waiting.cancel(T0)
    assert waiting.pull_events() == [TicketCancelled(7, 1, S.WAITING, None)]


def test_a_customer_cannot_cancel_at_the_counter() -> None:
    ticket = called()
    with pytest.raises(InvalidTransition):
        ticket.cancel(T0, by_customer=True)
    assert ticket.state is S.CALLED and ticket.pull_events() == []


def test_a_rating_comes_once_and_only_after_the_service() -> None:
    ticket = called()
    with pytest.raises(InvalidTransition):
        ticket.rate(5, None)
    ticket.complete(T0)
    ticket.pull_events()
    ticket.rate(4, "quick")
    assert (ticket.rating, ticket.rating_comment) == (4, "quick")
    assert ticket.pull_events() == [TicketRated(7, 1, S.DONE, 3)]
    with pytest.raises(InvalidTransition):
        ticket.rate(1, None)


def test_an_illegal_move_changes_nothing_and_records_nothing() -> None:
    ticket = issued()
    ticket.pull_events()
    for move in (ticket.recall, ticket.start, ticket.no_show):
        with pytest.raises(InvalidTransition):
            move(T0)
    assert ticket.state is S.WAITING and ticket.calls == 0 and ticket.pull_events() == []
