"""How appointment events are stored and sent (without name, phone, code or public_id)."""

from __future__ import annotations

from server.appointments.domain import AppointmentEvent
from server.appointments.models import Appointment
from server.appointments.views import event_data
from server.core.events import Record, serializer
from server.core.unit_of_work import UnitOfWork


@serializer(AppointmentEvent)
def appointment_record(uow: UnitOfWork, event: AppointmentEvent) -> Record:
    row = uow.session.get(Appointment, event.appointment_id)
    assert row is not None  # the event's own appointment, written by the change
    return Record(event.branch_id, event.type, event_data(row), event.ticket_id)
