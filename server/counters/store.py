"""`Counters`: the unit of work's repository of Counter aggregates, and their event.

Counter rows are read through the writer's kept rows (`core_repo.row`): call-next reads its
counter on every call. Saving writes the changed fields back and publishes one
`counter.updated` (serialized by server/halls/serializers.py), however many changes the use
case made.
"""

from __future__ import annotations

from dataclasses import fields

import server.halls.serializers  # noqa: F401  (registers the serializer of counter.updated)
from server import protocol as p
from server.core import repository as core_repo
from server.core.errors import Conflict
from server.core.events import handler
from server.core.unit_of_work import UnitOfWork
from server.counters.domain import Counter
from server.halls import repository as halls_repo
from server.halls.events import CounterUpdated
from server.halls.models import Counter as CounterRow
from server.halls.views import counter_wire
from server.tickets import figures
from server.tickets.domain import TicketCancelled

FIELDS = tuple(f.name for f in fields(Counter) if f.name != "events")
CHANGEABLE = tuple(n for n in FIELDS if n not in ("id", "branch_id", "number"))


def _branch_key(counter_id: int) -> tuple[str, int]:
    """Where `Database.lasting` keeps the counter's branch."""
    return ("counter.branch_id", counter_id)


class Counters:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._rows: dict[int, CounterRow] = {}
        self._counters: dict[int, Counter] = {}

    def get(self, counter_id: int) -> Counter | None:
        """The counter (not deleted), or None."""
        found = self._counters.get(counter_id)
        if found is None:
            row = core_repo.row(self.uow.session, CounterRow, counter_id)
            if row is None or row.deleted:
                return None
            found = Counter(**{name: getattr(row, name) for name in FIELDS})
            self._rows[counter_id], self._counters[counter_id] = row, found
        return found

    def branch_of(self, counter_id: int) -> int | None:
        """The counter's branch (None: no such counter), from memory once this process has
        read it (`Database.lasting`): a counter never moves to another hall, so an action on
        PostgreSQL takes the branch's lock before it reads the counter, once, not after and
        again (`locked` checks it)."""
        key = _branch_key(counter_id)
        known: int | None = self.uow.db.lasting.get(key)
        if known is None:
            counter = self.get(counter_id)
            if counter is None:
                return None
            known = self.uow.db.lasting[key] = counter.branch_id
        return known

    def locked(self, counter_id: int, branch_id: int) -> Counter | None:
        """The counter as stored under its branch's queue lock (taken here): read once after
        the lock, or read before it and again after (SQLite: its rows are current)."""
        if counter_id in self._counters:  # read before: by `branch_of`
            self.uow.lock_branch(branch_id)
            return self.reread(self._counters[counter_id])
        self.uow.lock_branch(branch_id, rows=[(CounterRow, counter_id)])
        counter = self.get(counter_id)
        if counter is not None and counter.branch_id != branch_id:  # a database restored
            self.uow.db.lasting.pop(_branch_key(counter_id), None)
            raise Conflict(f"counter {counter_id} was moved to another hall: try again")
        return counter

    def reread(self, counter: Counter) -> Counter:
        """The counter as stored now (after the branch lock, on PostgreSQL)."""
        row = self._rows[counter.id]
        self.uow.reread(row)
        for name in CHANGEABLE:
            setattr(counter, name, getattr(row, name))
        return counter

    def save(self, counter: Counter) -> None:
        """Write the changed fields to the row; one `counter.updated` if anything changed."""
        row = self._rows[counter.id]
        if row.state != counter.state:
            figures.counters_changed(self.uow.session, counter.branch_id)
        changed = False
        for name in CHANGEABLE:
            value = getattr(counter, name)
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if changed:
            figures.queue_changed(self.uow.session, counter.branch_id)
        if counter.pull_events():
            self.uow.publish(CounterUpdated(counter.id, counter.branch_id))

    def services(self, counter: Counter) -> list[int]:
        """The service ids the counter calls from, in its order."""
        return halls_repo.served_by(self.uow.session, counter.id)

    def wire(self, counter: Counter) -> p.Counter:
        return counter_wire(self._rows[counter.id], self.services(counter))


@handler(TicketCancelled)
def free_the_hand(uow: UnitOfWork, event: TicketCancelled) -> None:
    """A ticket cancelled while in hand (by staff or the day's end) leaves its counter free."""
    if event.released_counter_id is None:
        return
    counters = uow.repo(Counters)
    counter = counters.get(event.released_counter_id)
    if counter is not None and counter.ticket_id == event.ticket_id:
        counter.release()
        counters.save(counter)
