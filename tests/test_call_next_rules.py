"""Call-next's rules, run through the real service function on in-memory repositories: who is
called, in what order, and what the hall is told — in milliseconds, with no database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from server import protocol as p
from server.core.context import Ctx, Principal
from server.core.errors import Conflict, CounterNotOpen
from server.counters import service
from server.counters.domain import Counter
from server.tickets.domain import Ticket
from server.tickets.states import TicketState
from tests.fakes import T0, FakeUnitOfWork

DAY = date(2026, 12, 7)
CLERK = Principal(kind="clerk", user_id=11, branch_ids=frozenset({1}))


def ctx() -> Ctx:
    return Ctx(db=None, settings=None, clock=lambda: T0, publisher=None, principal=CLERK)  # type: ignore[arg-type]


def hall(**settings: Any) -> FakeUnitOfWork:
    uow = FakeUnitOfWork(settings=settings)
    uow.counters.counters[1] = Counter(id=1, branch_id=1, number=1, state="open", clerk_id=11)
    uow.counters.served[1] = [10, 20]
    return uow


def waiting(uow: FakeUnitOfWork, id_: int, minutes: float, *, service_id: int = 10,
            priority: str = "normal", target: int | None = None) -> Ticket:  # fmt: skip
    at = T0 - timedelta(minutes=minutes)
    ticket = Ticket(id=id_, branch_id=1, service_id=service_id, number=f"A{id_:03d}",
                    business_date=DAY, state=TicketState.WAITING, priority=priority,
                    queued_at=at, effective_at=at, target_counter_id=target)  # fmt: skip
    uow.tickets.tickets[id_] = ticket
    return ticket


def call_next(uow: FakeUnitOfWork, complete_current: bool = False) -> int | None:
    body = p.CallNextRequest(complete_current=complete_current)
    result = service.call_next(ctx(), uow, 1, body)  # type: ignore[arg-type]
    return result.ticket.id if result.ticket else None


def test_the_longest_waiting_ticket_of_the_counters_services_is_called_first() -> None:
    uow = hall()
    waiting(uow, 1, 5)
    waiting(uow, 2, 9, service_id=20)
    waiting(uow, 3, 20, service_id=30)  # a service this counter does not serve
    assert call_next(uow) == 2
    assert uow.types() == ["ticket.called", "counter.updated"]
    assert uow.counters.counters[1].ticket_id == 2


def test_a_ticket_transferred_to_one_counter_is_called_only_there() -> None:
    uow = hall()
    waiting(uow, 1, 5)
    waiting(uow, 2, 9, service_id=30, target=2)
    waiting(uow, 3, 7, service_id=30, target=1)
    assert call_next(uow) == 3


def test_with_an_interleave_every_nth_call_takes_a_priority_ticket() -> None:
    uow = hall(priority_interleave=2)
    for id_ in range(1, 5):
        waiting(uow, id_, 10 - id_)
    waiting(uow, 9, 1, priority="priority")
    order = [call_next(uow, complete_current=True) for _ in range(4)]
    assert order == [1, 2, 9, 3]


def test_a_priority_ticket_goes_first_only_within_its_boost() -> None:
    uow = hall()
    waiting(uow, 1, 5)
    boosted = waiting(uow, 2, 1, priority="priority")
    boosted.effective_at = T0 - timedelta(minutes=6)  # issued 1 min ago, boosted by 5 min
    assert call_next(uow) == 2


def test_a_ticket_in_hand_is_completed_first_only_when_asked() -> None:
    uow = hall()
    waiting(uow, 1, 9)
    waiting(uow, 2, 5)
    call_next(uow)
    with pytest.raises(Conflict):
        call_next(uow)
    uow.published.clear()
    assert call_next(uow, complete_current=True) == 2
    assert uow.tickets.tickets[1].state is TicketState.DONE
    assert uow.types() == ["ticket.completed", "ticket.called", "counter.updated"]


def test_nobody_waiting_calls_nobody_and_a_closed_counter_refuses_to_call() -> None:
    uow = hall()
    assert call_next(uow) is None and uow.types() == []
    uow.counters.counters[1].state = "closed"
    with pytest.raises(CounterNotOpen):
        call_next(uow)


def test_a_clerk_cannot_call_at_a_desk_another_clerk_staffs() -> None:
    uow = hall()
    uow.counters.counters[1].clerk_id = 12
    waiting(uow, 1, 5)
    with pytest.raises(Conflict):
        call_next(uow)
    assert uow.tickets.tickets[1].state is TicketState.WAITING
