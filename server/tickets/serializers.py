"""The one serializer of ticket events: what the stream, the event log and webhooks carry.

`data` is the wire ticket as it is after the event, plus `from_state` (the state it left; null
for `ticket.issued`), so a display need not guess whether a ticket left the waiting line. Calls
name their counter; a transfer names the counter it left and the one it was sent to.
"""

from __future__ import annotations

from typing import Any

from server.core import repository as core_repo
from server.core.events import Record, serializer
from server.core.unit_of_work import UnitOfWork
from server.halls.models import Counter
from server.halls.views import counter_ref
from server.tickets.domain import (
    TicketCalled,
    TicketEvent,
    TicketIssued,
    TicketRecalled,
    TicketTransferred,
)
from server.tickets.store import Tickets
from server.tickets.views import ticket_wire


def _counter(uow: UnitOfWork, counter_id: int | None) -> dict[str, Any] | None:
    row = core_repo.row(uow.session, Counter, counter_id) if counter_id is not None else None
    return counter_ref(row) if row is not None else None


@serializer(TicketEvent)
def ticket_record(uow: UnitOfWork, event: TicketEvent) -> Record:
    tickets = uow.repo(Tickets)
    position = event.position if isinstance(event, TicketIssued) else None
    wire = ticket_wire(uow.session, tickets.row(event.ticket_id), uow.now, position)
    tickets.wires[event.ticket_id] = wire
    data = wire.model_dump(mode="json")
    data["from_state"] = event.from_state.value if event.from_state is not None else None
    if isinstance(event, TicketCalled | TicketRecalled):
        data["counter"] = _counter(uow, event.counter_id)
    elif isinstance(event, TicketTransferred):
        data["from_counter"] = _counter(uow, event.counter_id)
        data["to_counter"] = _counter(uow, event.to_counter_id)
    return Record(event.branch_id, event.type, data, event.ticket_id, event.counter_id)
