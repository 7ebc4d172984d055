"""Check-in: a booked customer's code, typed at the kiosk, scanned, or given to staff, becomes a
ticket of the booked service with priority and channel "appointment".

The ticket is issued by the tickets' own issuing (numbering, events, print job), and queues as
if issued at its slot's start (selection.appointment_time). Check-in is not refused by the
hall's hours, cut-off or daily quota: the booking was the promise; its window is the rule.
The branch is locked before the booking is read, so of two kiosks checking in one code at once
exactly one issues a ticket; the other finds it checked in (409 `invalid_transition`).
"""

from __future__ import annotations

from server import protocol as p
from server.appointments import domain
from server.appointments import repository as repo
from server.appointments.domain import AppointmentCheckedIn
from server.appointments.models import Appointment
from server.appointments.views import window
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import Conflict, NotFound
from server.core.unit_of_work import UnitOfWork
from server.halls.models import Service
from server.halls.settings import branch_settings
from server.halls.views import schedule
from server.tickets.selection import appointment_time
from server.tickets.service import queue_ticket

CHECKERS = ("admin", "manager", "clerk", "kiosk")


def _find(ctx: Ctx, uow: UnitOfWork, code: str, branch_id: int | None) -> Appointment:
    """The booking of this code in the caller's hall (a kiosk's own; staff: the hall given,
    else the one of their halls that has it)."""
    principal = ctx.principal
    if branch_id is not None:
        principal.require_branch(branch_id)
        halls: list[int] | None = [branch_id]
    else:
        halls = principal.visible_branches()
    if not code:
        raise NotFound("no appointment has that code")
    found = repo.by_code(uow.session, halls, code)
    if len({row.branch_id for row in found if row.state == domain.BOOKED}) > 1:
        raise Conflict("that code is booked in several of your halls: give branch_id")
    if not found:
        raise NotFound("no appointment has that code")
    return found[0]


def check_in(ctx: Ctx, uow: UnitOfWork, body: p.CheckIn) -> p.Ticket:
    """404 for an unknown code; 409 `too_early` / `too_late` outside the window;
    409 `invalid_transition` once checked in, cancelled or missed."""
    ctx.principal.require(CHECKERS, "checking in an appointment")
    row = _find(ctx, uow, domain.read_code(body.code), body.branch_id)
    branch = uow.lock_branch(row.branch_id)
    uow.reread(row)
    row.state = domain.check_in(
        row.state, window(row, branch_settings(branch), schedule(branch)), uow.now
    )
    service = core_repo.row(uow.session, Service, row.service_id)
    assert service is not None
    ticket = queue_ticket(
        ctx, uow, branch, service, day=row.business_date, priority="appointment",
        channel="appointment", locale=body.locale or row.locale, kiosk_id=body.kiosk_id,
        effective_at=appointment_time(row.start), appointment_start=row.start,
    )  # fmt: skip
    row.live_code, row.checked_in_at, row.ticket_id = None, uow.now, ticket.id
    uow.session.flush()
    uow.publish(AppointmentCheckedIn(row.id, row.branch_id, ticket.id))
    return ticket
