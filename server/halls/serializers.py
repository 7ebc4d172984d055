"""The `counter.updated` event."""

from __future__ import annotations

from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.models import Counter
from server.halls.views import counter_wire


def record_counter(uow: UnitOfWork, counter: Counter) -> None:
    """Record `counter.updated` with the counter's wire object."""
    ids = halls_repo.served_by(uow.session, counter.id)
    uow.record(
        counter.branch_id,
        "counter.updated",
        counter_wire(counter, ids).model_dump(mode="json"),
        counter_id=counter.id,
    )
