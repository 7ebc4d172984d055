"""In-memory stand-ins for the unit of work and the repositories, for service tests that need
no database: the same methods the services call, over lists of aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from server import protocol as p
from server.counters.domain import Counter
from server.counters.store import Counters
from server.tickets.domain import Ticket
from server.tickets.states import TicketState
from server.tickets.store import Tickets

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class FakeTickets:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.tickets: dict[int, Ticket] = {}

    def get(self, ticket_id: int) -> Ticket | None:
        return self.tickets.get(ticket_id)

    def get_in(self, ticket_id: int, branch_id: int) -> Ticket:
        ticket = self.tickets[ticket_id]
        assert ticket.branch_id == branch_id
        return ticket

    def queue_heads(
        self, *, branch_id: int, business_date: date, service_ids: list[int], counter_id: int
    ) -> tuple[Ticket | None, Ticket | None]:
        def queued(t: Ticket) -> bool:
            ours = t.service_id in service_ids and t.target_counter_id is None
            return (
                t.branch_id == branch_id and t.business_date == business_date
                and t.state is TicketState.WAITING
                and (ours or t.target_counter_id == counter_id)
            )  # fmt: skip

        line = sorted(filter(queued, self.tickets.values()), key=lambda t: (t.effective_at, t.id))
        normal = next((t for t in line if t.priority == "normal"), None)
        return normal, next((t for t in line if t.priority != "normal"), None)

    def row(self, ticket_id: int) -> SimpleNamespace:
        """The stored row, as far as the answer reads it: the customer's key."""
        return SimpleNamespace(public_id=f"key-{ticket_id}", note=None, priority_reason=None)

    def save(self, ticket: Ticket) -> None:
        self.uow.published.extend(ticket.pull_events())

    def wire(self, ticket: Ticket) -> p.Ticket:
        return p.Ticket(
            id=ticket.id, public_id="", branch_id=ticket.branch_id, service_id=ticket.service_id,
            number=ticket.number, business_date=ticket.business_date,
            state=ticket.state.value, priority=ticket.priority, channel="kiosk",  # type: ignore[arg-type]
            issued_at=T0, called_at=ticket.called_at, started_at=ticket.started_at,
            finished_at=ticket.finished_at, counter_id=ticket.counter_id,
            clerk_id=ticket.clerk_id, calls=ticket.calls, position=None, estimated_wait_s=None,
            outcome=ticket.outcome, rating=ticket.rating,
        )  # fmt: skip


class FakeCounters:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.counters: dict[int, Counter] = {}
        self.served: dict[int, list[int]] = {}

    def get(self, counter_id: int) -> Counter | None:
        return self.counters.get(counter_id)

    def branch_of(self, counter_id: int) -> int | None:
        found = self.counters.get(counter_id)
        return None if found is None else found.branch_id

    def locked(self, counter_id: int, branch_id: int) -> Counter | None:
        self.uow.lock_branch(branch_id)
        return self.counters.get(counter_id)

    def services(self, counter: Counter) -> list[int]:
        return self.served[counter.id]

    def save(self, counter: Counter) -> None:
        if counter.pull_events():
            self.uow.published.append(("counter.updated", counter.id))

    def wire(self, counter: Counter) -> p.Counter:
        return p.Counter(
            id=counter.id, branch_id=counter.branch_id, number=counter.number, name="",
            service_ids=self.served[counter.id], state=counter.state,  # type: ignore[arg-type]
            pause_reason=counter.pause_reason, clerk_id=counter.clerk_id,
            ticket_id=counter.ticket_id,
        )  # fmt: skip


@dataclass
class FakeUnitOfWork:
    now: datetime = T0
    settings: dict[str, Any] = field(default_factory=dict)
    published: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tickets = FakeTickets(self)
        self.counters = FakeCounters(self)
        self.branch = SimpleNamespace(id=1, timezone="Asia/Shanghai", settings=self.settings)

    def repo(self, kind: Any) -> Any:
        return {Tickets: self.tickets, Counters: self.counters}[kind]

    def lock_branch(self, branch_id: int) -> Any:
        assert branch_id == self.branch.id
        return self.branch

    def types(self) -> list[str]:
        """What was published, as event types, in order."""
        return [e[0] if isinstance(e, tuple) else e.type for e in self.published]
