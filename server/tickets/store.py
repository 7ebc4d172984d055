"""`Tickets`: the unit of work's repository of Ticket aggregates.

It loads a ticket row as an aggregate (one object per ticket per transaction), and saves the
aggregate back: the changed fields to the row, then each recorded event to the unit of work.
The serializer (server/tickets/serializers.py) keeps the wire ticket it built for the last event,
so the answer to the request reuses it instead of computing position and estimate again.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

from server import protocol as p
from server.core.errors import NotFound
from server.core.unit_of_work import UnitOfWork
from server.tickets import figures
from server.tickets import repository as tickets_repo
from server.tickets.domain import Ticket
from server.tickets.models import Ticket as TicketRow
from server.tickets.selection import placed_at
from server.tickets.states import TicketState
from server.tickets.views import ticket_wire

FINISHED = (TicketState.DONE, TicketState.NO_SHOW)  # the recent turns of the service change
FIELDS = tuple(f.name for f in fields(Ticket) if f.name != "events")
CHANGEABLE = tuple(
    name
    for name in FIELDS
    if name not in ("id", "branch_id", "number", "business_date", "priority")
)


def to_aggregate(row: TicketRow) -> Ticket:
    values = {name: getattr(row, name) for name in FIELDS}
    values["state"] = TicketState(row.state)
    return Ticket(**values)


class Tickets:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._rows: dict[int, TicketRow] = {}
        self._tickets: dict[int, Ticket] = {}
        self.wires: dict[int, p.Ticket] = {}
        """The wire ticket of each ticket's last event (its state at the save)."""

    def get(self, ticket_id: int) -> Ticket | None:
        found = self._tickets.get(ticket_id)
        if found is None:
            row = self.uow.session.get(TicketRow, ticket_id)
            if row is None:
                return None
            found = self.track(row)
        return found

    def get_in(self, ticket_id: int, branch_id: int) -> Ticket:
        """A ticket of `branch_id`, or NotFound."""
        ticket = self.get(ticket_id)
        if ticket is None or ticket.branch_id != branch_id:
            raise NotFound(f"ticket {ticket_id} does not exist in this branch")
        return ticket

    def track(self, row: TicketRow) -> Ticket:
        """The aggregate of a row this transaction loaded or inserted."""
        ticket = to_aggregate(row)
        self._rows[row.id] = row
        self._tickets[row.id] = ticket
        return ticket

    def adopt(self, ticket: Ticket, row: TicketRow) -> None:
        """Track a ticket made here (issued) with the row inserted for it."""
        self._rows[ticket.id], self._tickets[ticket.id] = row, ticket

    def queue_heads(
        self, *, branch_id: int, business_date: date, service_ids: list[int], counter_id: int
    ) -> tuple[Ticket | None, Ticket | None]:
        """The first normal and the first priority ticket waiting for a counter today: from
        its services, or transferred to that counter."""
        normal, priority = tickets_repo.queue_heads(
            self.uow.session, branch_id=branch_id, business_date=business_date,
            service_ids=service_ids, counter_id=counter_id,
        )  # fmt: skip
        return (
            self.track(normal) if normal is not None else None,
            self.track(priority) if priority is not None else None,
        )

    def placement(self, ticket: Ticket, position: str, service_id: int) -> datetime:
        """Where `ticket` queues on its return to `service_id`'s queue (transfer, requeue):
        `original`, `front` or `back` (the queue is read only for the front)."""
        first = None
        if position == "front":
            first = tickets_repo.earliest_waiting(
                self.uow.session, service_id=service_id, business_date=ticket.business_date,
                other_than=ticket.id,
            )  # fmt: skip
        return placed_at(position, original=ticket.effective_at, now=self.uow.now,
                         first_waiting=first)  # fmt: skip

    def row(self, ticket_id: int) -> TicketRow:
        return self._rows[ticket_id]

    def save(self, ticket: Ticket) -> None:
        """Write the aggregate's fields to its row, then publish what it recorded."""
        row = self._rows[ticket.id]
        if ticket.state in FINISHED and row.state != ticket.state:
            figures.service_finished(self.uow.session, ticket.service_id)
        changed = False
        for name in CHANGEABLE:
            value = getattr(ticket, name)
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if changed:
            figures.queue_changed(self.uow.session, ticket.branch_id)
        for event in ticket.pull_events():
            self.uow.publish(event)

    def wire(self, ticket: Ticket) -> p.Ticket:
        """The wire ticket as of its last saved event (else built now)."""
        found = self.wires.get(ticket.id)
        if found is None:
            found = ticket_wire(self.uow.session, self._rows[ticket.id], self.uow.now)
        return found
