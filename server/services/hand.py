"""The ticket in a counter's hand, and the `counter.updated` event."""

from __future__ import annotations

from server.db import repo
from server.db.models import Counter, Ticket
from server.db.unit_of_work import UnitOfWork
from server.services.views import counter_wire


def record_counter(uow: UnitOfWork, counter: Counter) -> None:
    """Record `counter.updated` with the counter's wire object."""
    ids = repo.served_by(uow.session, counter.id)
    uow.record(
        counter.branch_id,
        "counter.updated",
        counter_wire(counter, ids).model_dump(mode="json"),
        counter_id=counter.id,
    )


def release_counter(uow: UnitOfWork, ticket: Ticket) -> None:
    """Free the counter holding `ticket` in hand (the ticket left it some other way)."""
    if ticket.counter_id is None:
        return
    counter = uow.session.get(Counter, ticket.counter_id)
    if counter is not None and counter.ticket_id == ticket.id:
        counter.ticket_id = None
        record_counter(uow, counter)
