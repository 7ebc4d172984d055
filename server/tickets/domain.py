"""The Ticket aggregate: every change of a ticket, as one method per transition.

Pure: no database, no web, no clock (time is passed in). Each method checks the transition
table (`states.py`), sets every field the transition changes, and records one past-tense event
saying what happened and from which state. The unit of work stores and publishes the events;
the tickets' repository copies the fields back to the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from server.core.errors import InvalidTransition
from server.tickets.states import IN_HAND, Action, TicketState, transition

S = TicketState
DAY_CLOSED = "day_closed"  # the outcome of a ticket cancelled by the end-of-day close-out


@dataclass(frozen=True)
class TicketEvent:
    """Something that happened to a ticket; `type` is the stream's event type."""

    type: ClassVar[str]
    ticket_id: int
    branch_id: int
    from_state: TicketState | None

    @property
    def counter_id(self) -> int | None:
        """The counter the event happened at, if any (stored with the event)."""
        return None


@dataclass(frozen=True)
class AtCounter(TicketEvent):
    at_counter_id: int | None

    @property
    def counter_id(self) -> int | None:
        return self.at_counter_id


@dataclass(frozen=True)
class TicketIssued(TicketEvent):
    type = "ticket.issued"
    position: int
    """People ahead in its queue when it was issued."""


@dataclass(frozen=True)
class TicketCalled(AtCounter):
    type = "ticket.called"


@dataclass(frozen=True)
class TicketRecalled(AtCounter):
    type = "ticket.recalled"


@dataclass(frozen=True)
class TicketStarted(AtCounter):
    type = "ticket.started"


@dataclass(frozen=True)
class TicketCompleted(AtCounter):
    type = "ticket.completed"


@dataclass(frozen=True)
class TicketNoShow(AtCounter):
    type = "ticket.no_show"


@dataclass(frozen=True)
class TicketParked(AtCounter):
    type = "ticket.parked"


@dataclass(frozen=True)
class TicketTransferred(AtCounter):
    type = "ticket.transferred"
    to_counter_id: int | None


@dataclass(frozen=True)
class TicketRequeued(TicketEvent):
    type = "ticket.requeued"


@dataclass(frozen=True)
class TicketCancelled(TicketEvent):
    type = "ticket.cancelled"
    released_counter_id: int | None
    """The counter that had it in hand, and must now let go of it."""


@dataclass(frozen=True)
class TicketRated(AtCounter):
    type = "ticket.rated"


@dataclass
class Ticket:
    """A ticket's changeable state. Identity, number and issue details never change."""

    id: int
    branch_id: int
    service_id: int
    number: str
    business_date: date
    state: TicketState
    priority: str
    queued_at: datetime
    effective_at: datetime
    called_at: datetime | None = None
    last_called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counter_id: int | None = None
    clerk_id: int | None = None
    target_counter_id: int | None = None
    calls: int = 0
    outcome: str | None = None
    rating: int | None = None
    rating_comment: str | None = None
    events: list[TicketEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def issued(
        cls,
        *,
        id: int,
        branch_id: int,
        service_id: int,
        number: str,
        business_date: date,
        priority: str,
        now: datetime,
        effective_at: datetime,
        position: int,
    ) -> Ticket:
        """A ticket just numbered and queued, `position` people ahead of it."""
        ticket = cls(
            id=id, branch_id=branch_id, service_id=service_id, number=number,
            business_date=business_date, state=S.WAITING, priority=priority, queued_at=now,
            effective_at=effective_at,
        )  # fmt: skip
        ticket.events.append(TicketIssued(id, branch_id, None, position))
        return ticket

    @property
    def in_hand(self) -> bool:
        return self.state in IN_HAND

    def _move(self, action: Action) -> TicketState:
        """Apply `action` to the state; returns the state it left."""
        before = self.state
        self.state = transition(before, action)
        return before

    def call(self, *, counter_id: int, clerk_id: int | None, now: datetime) -> None:
        """Called to a counter: from the queue, or back from parked (resume)."""
        before = self._move(Action.RESUME if self.state is S.PARKED else Action.CALL)
        self.counter_id, self.clerk_id, self.target_counter_id = counter_id, clerk_id, None
        self.called_at = self.called_at or now
        self.last_called_at = now
        self.calls += 1
        self.events.append(TicketCalled(self.id, self.branch_id, before, counter_id))

    def recall(self, now: datetime) -> None:
        """Announced again; the customer has not come yet."""
        before = self._move(Action.RECALL)
        self.calls += 1
        self.last_called_at = now
        self.events.append(TicketRecalled(self.id, self.branch_id, before, self.counter_id))

    def start(self, now: datetime) -> None:
        """The customer arrived at the counter."""
        before = self._move(Action.START)
        self.started_at = now
        self.events.append(TicketStarted(self.id, self.branch_id, before, self.counter_id))

    def complete(self, now: datetime, outcome: str | None = None) -> None:
        before = self._move(Action.COMPLETE)
        self.finished_at, self.outcome = now, outcome
        self.events.append(TicketCompleted(self.id, self.branch_id, before, self.counter_id))

    def no_show(self, now: datetime) -> None:
        before = self._move(Action.NO_SHOW)
        self.finished_at = now
        self.events.append(TicketNoShow(self.id, self.branch_id, before, self.counter_id))

    def park(self) -> None:
        """Set aside at its counter (the customer fetches a document); `call` resumes it."""
        before = self._move(Action.PARK)
        self.events.append(TicketParked(self.id, self.branch_id, before, self.counter_id))

    def transfer(
        self,
        *,
        now: datetime,
        effective_at: datetime,
        service_id: int,
        counter_id: int | None = None,
    ) -> None:
        """Back to waiting: in `service_id`'s queue, or for one counter only (`counter_id`)."""
        at = self.counter_id
        before = self._move(Action.TRANSFER)
        self._back_to_waiting(now, effective_at)
        self.service_id, self.target_counter_id = service_id, counter_id
        self.events.append(TicketTransferred(self.id, self.branch_id, before, at, counter_id))

    def requeue(self, *, now: datetime, effective_at: datetime) -> None:
        """A no-show who turned up after all goes back to the queue."""
        before = self._move(Action.REQUEUE)
        self._back_to_waiting(now, effective_at)
        self.events.append(TicketRequeued(self.id, self.branch_id, before))

    def _back_to_waiting(self, now: datetime, effective_at: datetime) -> None:
        """What every return to a queue resets: the ticket starts over at its new place."""
        self.queued_at, self.effective_at = now, effective_at
        self.counter_id = self.clerk_id = self.target_counter_id = None
        self.called_at = self.last_called_at = self.started_at = self.finished_at = None
        self.calls = 0

    def cancel(self, now: datetime, *, by_customer: bool = False) -> None:
        """Given up (staff, or the customer from the mobile page while not at a counter)."""
        if by_customer and self.state not in (S.WAITING, S.PARKED):
            raise InvalidTransition(f"{self.number} is {self.state} and can no longer be cancelled")
        held = self.counter_id if self.in_hand else None
        before = self._move(Action.CANCEL)
        self.finished_at = now
        self.events.append(TicketCancelled(self.id, self.branch_id, before, held))

    def close_day(self, now: datetime) -> None:
        """Left over at the end of its business day (waiting, called or parked): cancelled
        with the outcome `day_closed`, counted apart from the customers' cancellations."""
        held = self.counter_id if self.in_hand else None
        before = self._move(Action.CANCEL)
        self.finished_at, self.outcome = now, DAY_CLOSED
        self.events.append(TicketCancelled(self.id, self.branch_id, before, held))

    def rate(self, score: int, comment: str | None) -> None:
        """The customer's score: once, after the ticket is done."""
        if self.state is not S.DONE:
            raise InvalidTransition(f"{self.number} can be rated once it is done")
        if self.rating is not None:
            raise InvalidTransition(f"{self.number} has already been rated")
        self.rating, self.rating_comment = score, comment
        self.events.append(TicketRated(self.id, self.branch_id, self.state, self.counter_id))

    def pull_events(self) -> list[TicketEvent]:
        """The events recorded since the last pull, oldest first."""
        events, self.events = self.events, []
        return events
