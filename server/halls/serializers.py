"""How the set-up's events are stored and sent: `counter.updated` carries the desk's wire
object as it is now; `config.updated` names what changed."""

from __future__ import annotations

from server.core import repository as core_repo
from server.core.events import Record, serializer
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.events import ConfigUpdated, CounterUpdated
from server.halls.models import Counter
from server.halls.views import counter_wire


@serializer(CounterUpdated)
def counter_updated(uow: UnitOfWork, event: CounterUpdated) -> Record:
    counter = core_repo.row(uow.session, Counter, event.counter_id)
    assert counter is not None  # the event's own desk, loaded by the change
    ids = halls_repo.served_by(uow.session, counter.id)
    data = counter_wire(counter, ids).model_dump(mode="json")
    return Record(event.branch_id, event.type, data, counter_id=counter.id)


@serializer(ConfigUpdated)
def config_updated(uow: UnitOfWork, event: ConfigUpdated) -> Record:
    return Record(event.branch_id, event.type, {"what": event.what, "id": event.id})
