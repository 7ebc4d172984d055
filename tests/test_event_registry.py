"""Every event a domain records has its serializer, and the reactions between domains are
registered, once the app is assembled: a missing one would fail a request (LookupError) or
leave a counter holding a cancelled ticket."""

from __future__ import annotations

import pytest

import server.app  # noqa: F401  (the assembly: imports every domain)
from server.core.events import handlers_of, has_serializer, serialize
from server.halls.events import ConfigUpdated, CounterUpdated
from server.printing.service import PrinterStatusChanged
from server.tickets import domain
from server.tickets.printjobs import PrintJobEvent
from server.tickets.states import TicketState

pytestmark = pytest.mark.unit


def event_classes() -> list[type]:
    def leaves(root: type) -> list[type]:
        subs = root.__subclasses__()
        return [c for s in subs for c in leaves(s)] if subs else [root]

    return [
        *leaves(domain.TicketEvent), *leaves(PrintJobEvent),
        CounterUpdated, ConfigUpdated, PrinterStatusChanged,
    ]  # fmt: skip


def test_every_event_class_has_a_serializer_and_a_type_of_the_stream() -> None:
    for kind in event_classes():
        assert has_serializer(kind), f"{kind.__name__} has no serializer"
        assert kind.type.count(".") == 1, kind


def test_a_cancelled_ticket_frees_its_counter_through_a_registered_handler() -> None:
    event = domain.TicketCancelled(1, 1, TicketState.CALLED, 3)
    assert [h.__name__ for h in handlers_of(event)] == ["free_the_hand"]


def test_an_event_without_a_serializer_is_refused_by_name() -> None:
    class Unknown:
        type = "x.y"

    with pytest.raises(LookupError, match="Unknown"):
        serialize(None, Unknown())  # type: ignore[arg-type]
