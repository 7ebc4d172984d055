"""Domain events → stored event records, and reactions of other domains within the transaction.

Aggregates record typed, past-tense events (`TicketCalled`, `CounterUpdated`). When a domain's
repository saves an aggregate it hands each event to the unit of work (`UnitOfWork.publish`),
which turns it into the stream's record with the one serializer registered for its type, and
then runs the handlers other domains registered for it — in the same transaction, so a
rollback undoes both. A handler lets one domain react to another without importing it (the
counter frees its hand when its ticket is cancelled elsewhere).

Registration happens when the domain's module is imported; `server/app.py` imports them all.

A domain may also watch every stored record (`on_stored`): it runs at the unit of work's commit,
once the records have their seq, in the same transaction (webhooks write their outbox there).
What such a hook reads can be read first (`before_numbering`): on PostgreSQL the records take
their seqs under the branch row's lock, held until the commit, so a read done before is a
round trip less while that lock is held.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from server.core.unit_of_work import UnitOfWork

E = TypeVar("E")


@dataclass(frozen=True)
class Record:
    """One event as stored and sent: its branch stream, type, data and subjects."""

    branch_id: int
    type: str
    data: dict[str, Any]
    ticket_id: int | None = None
    counter_id: int | None = None


Serializer = Callable[["UnitOfWork", Any], Record]
Handler = Callable[["UnitOfWork", Any], None]
StoredHook = Callable[["UnitOfWork", list[dict[str, Any]]], None]
_serializers: dict[type, Serializer] = {}
_handlers: dict[type, list[Handler]] = {}
_stored_hooks: list[StoredHook] = []
_before_numbering: list[Callable[[UnitOfWork], None]] = []


def serializer(kind: type[E]) -> Callable[[Callable[[UnitOfWork, E], Record]], Serializer]:
    """Register the serializer of events of `kind` (and its subclasses)."""

    def register(function: Callable[[UnitOfWork, E], Record]) -> Serializer:
        if kind in _serializers:
            raise RuntimeError(f"{kind.__name__} already has a serializer")
        _serializers[kind] = function
        return function

    return register


def handler(kind: type[E]) -> Callable[[Callable[[UnitOfWork, E], None]], Handler]:
    """Register a reaction to events of `kind`, run in the transaction that recorded them."""

    def register(function: Callable[[UnitOfWork, E], None]) -> Handler:
        _handlers.setdefault(kind, []).append(function)
        return function

    return register


def has_serializer(kind: type) -> bool:
    return any(k in _serializers for k in kind.__mro__)


def serialize(uow: UnitOfWork, event: object) -> Record:
    for kind in type(event).__mro__:
        found = _serializers.get(kind)
        if found is not None:
            return found(uow, event)
    raise LookupError(f"no serializer for {type(event).__name__}: import its domain")


def handlers_of(event: object) -> list[Handler]:
    return [h for kind in type(event).__mro__ for h in _handlers.get(kind, ())]


def on_stored(hook: StoredHook) -> StoredHook:
    """Register `hook(uow, rows)`, run at commit with the numbered event rows (branch_id, seq,
    type, ts, data …) just written, in the same transaction. It runs inside a `prepared.batch`
    (PostgreSQL's pipeline mode): `Prepared` statements only, and what it needs to read first
    is read by a `before_numbering` hook."""
    _stored_hooks.append(hook)
    return hook


def stored_hooks() -> list[StoredHook]:
    return _stored_hooks


def before_numbering(hook: Callable[[UnitOfWork], None]) -> Callable[[UnitOfWork], None]:
    """Register `hook(uow)`, run at commit when there are records to store, before they take
    their seqs: read there what an `on_stored` hook will need (kept with `core_repo.memo`)."""
    _before_numbering.append(hook)
    return hook


def numbering_hooks() -> list[Callable[[UnitOfWork], None]]:
    return _before_numbering


def event_types() -> frozenset[str]:
    """The `type` of every event class that has a serializer (and of their subclasses): the
    event types of the stream, as registered by the domains imported so far."""

    def walk(kind: type) -> list[type]:
        found: list[type] = [kind]
        sub: type
        for sub in kind.__subclasses__():
            found.extend(walk(sub))
        return found

    found = {getattr(k, "type", None) for root in _serializers for k in walk(root)}
    return frozenset(t for t in found if isinstance(t, str))
