"""Wire forms of appointments: the customer's (no name, phone masked), staff's, the events'."""

from __future__ import annotations

from typing import Any, cast

from server import protocol as p
from server.appointments.domain import Window, masked
from server.appointments.models import Appointment
from server.core.models import Branch
from server.halls.hours import Schedule
from server.halls.models import Service


def window(row: Appointment, settings: p.BranchSettings, hours: Schedule | None = None,
           ) -> Window:  # fmt: skip
    """The booking's check-in window; in the hall's local time when `hours` are given."""
    start = hours.local(row.start) if hours is not None else row.start
    return Window.of(start, early_min=settings.appointment_early_min,
                     late_min=settings.appointment_late_min)  # fmt: skip


def customer_wire(row: Appointment, settings: p.BranchSettings, hours: Schedule,
                  names: tuple[Branch, Service] | None = None) -> p.Appointment:  # fmt: skip
    """For whoever holds the booking's public_id: the code to check in with, no name, the
    phone masked. Times are the hall's local times (what the customer reads)."""
    opens = window(row, settings, hours)
    return p.Appointment(
        id=row.id, public_id=row.public_id, code=row.code, branch_id=row.branch_id,
        service_id=row.service_id, start=hours.local(row.start), end=hours.local(row.end),
        state=cast(p.AppointmentState, row.state), ticket_id=row.ticket_id,
        phone=masked(row.phone), locale=row.locale, checkin_opens_at=opens.opens,
        checkin_closes_at=opens.closes, timezone=hours.timezone,
        branch_name=names[0].name if names else None,
        service_name=dict(names[1].name) if names else None,
    )  # fmt: skip


def staff_wire(
    row: Appointment,
    settings: p.BranchSettings,
    hours: Schedule,
    *,
    ticket_number: str | None,
    outside_hours: bool,
    keys: bool,
) -> p.StaffAppointment:
    """For staff of the hall: name and phone; the public_id (the customer's key to cancel)
    only with `keys` (managers and admins, as for tickets)."""
    wire = customer_wire(row, settings, hours)
    return p.StaffAppointment(
        **wire.model_dump(exclude={"public_id", "phone"}),
        public_id=row.public_id if keys else None, phone=row.phone, name=row.name,
        business_date=row.business_date, channel=row.channel, created_at=row.created_at,
        checked_in_at=row.checked_in_at and hours.local(row.checked_in_at),
        cancelled_at=row.cancelled_at and hours.local(row.cancelled_at),
        ticket_number=ticket_number, outside_hours=outside_hours,
    )  # fmt: skip


def event_data(row: Appointment) -> dict[str, Any]:
    """What the branch's stream says: every TV and counter page reads it, so never the name,
    the phone, the code or the public_id."""
    return {
        "id": row.id, "branch_id": row.branch_id, "service_id": row.service_id,
        "start": row.start.isoformat(), "end": row.end.isoformat(), "state": row.state,
        "ticket_id": row.ticket_id, "business_date": row.business_date.isoformat(),
        "channel": row.channel,
    }  # fmt: skip
