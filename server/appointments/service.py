"""Booking, looking up and cancelling appointments, and the staff's list.

A booking locks its hall's row before it counts the places of its slot (`lock_branch`): on
PostgreSQL every process's booking of the hall waits there, and on SQLite the one writer holds
every write anyway, so of two customers booking the last place exactly one gets it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

import server.appointments.serializers  # noqa: F401  (registers the events' serializer)
from server import protocol as p
from server.appointments import domain
from server.appointments import repository as repo
from server.appointments.domain import AppointmentBooked, AppointmentCancelled
from server.appointments.models import Appointment
from server.appointments.views import customer_wire, staff_wire, window
from server.core import repository as core_repo
from server.core.context import Ctx, Principal
from server.core.errors import (
    NotFound,
    RateLimited,
    SlotFull,
    SlotUnavailable,
    Unauthorized,
    ValidationFailed,
)
from server.core.models import Branch
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.hours import Schedule
from server.halls.models import Service
from server.halls.settings import branch_settings
from server.halls.views import bookable, schedule

STAFF = ("admin", "manager", "clerk")
KEY_HOLDERS = ("admin", "manager")
PER_PHONE_LIVE = 3
"""Bookings one phone number may hold at once in a hall (booked, not yet checked in)."""
PER_PHONE_DAY = 6
"""Bookings one phone number may make in a hall within a day, cancelled ones included: nobody
books out a day by booking and cancelling."""
CODE_ATTEMPTS = 20


def may_book(principal: Principal, branch: Branch) -> None:
    """Anyone when the hall books online (`public_booking`); its staff always; 401 for an
    anonymous caller otherwise, 403 for a device or another hall's staff."""
    if branch_settings(branch).public_booking:
        return
    if principal.kind == "anonymous":
        raise Unauthorized("this hall takes bookings at its desk only; log in as staff")
    principal.require(STAFF, "booking an appointment")
    principal.require_branch(branch.id)


def day_slots(hours: Schedule, settings: p.BranchSettings, day: date,
              ) -> list[tuple[datetime, datetime]]:  # fmt: skip
    """The slots of a date inside its opening hours."""
    return domain.slots(hours.sessions_on(day), settings.appointment_slot_min)


def open_for_booking(hours: Schedule, settings: p.BranchSettings, start: datetime,
                     now: datetime) -> bool:  # fmt: skip
    """Whether a slot starting at `start` may be booked now: within `appointment_days_ahead`
    and its check-in window not closed."""
    day = hours.business_date(start)
    today = hours.business_date(now)
    if not today <= day <= today + timedelta(days=settings.appointment_days_ahead):
        return False
    late = timedelta(minutes=settings.appointment_late_min)
    return now <= start + late


def _branch_and_service(session: Session, principal: Principal, branch_id: int,
                        service_id: int) -> tuple[Branch, Service]:  # fmt: skip
    """The hall, once the caller may book there (no service of a closed hall is probed), and
    its service."""
    branch = core_repo.row(session, Branch, branch_id)
    if branch is None:
        raise NotFound(f"branch {branch_id} does not exist")
    may_book(principal, branch)
    service = core_repo.row(session, Service, service_id)
    if service is None or service.deleted or service.branch_id != branch_id:
        raise NotFound(f"service {service_id} does not exist in branch {branch_id}")
    return branch, service


def slots(ctx: Ctx, branch_id: int, service_id: int, day: date) -> list[p.Slot]:
    """A service's slots of one date with the places still free (none where it cannot be
    booked now: past, or further ahead than the hall books)."""
    now = ctx.clock()
    with ctx.db.read() as session:
        branch, service = _branch_and_service(session, ctx.principal, branch_id, service_id)
        if not bookable(service):
            return []
        settings = branch_settings(branch)
        hours = schedule(branch)
        found = day_slots(hours, settings, day)
        if not found:
            return []
        held = repo.taken_by_slot(session, service.id, found[0][0], found[-1][1])
        capacity = service.appointment_capacity

        def free(start: datetime) -> int:
            if not open_for_booking(hours, settings, start, now):
                return 0
            return max(0, capacity - held.get(start, 0))

        return [p.Slot(start=s, end=e, capacity=capacity, available=free(s)) for s, e in found]


def booking_info(ctx: Ctx, branch_id: int) -> p.BookingInfo:
    """The booking page's hall: name, zone, days and the services that can be booked."""
    now = ctx.clock()
    with ctx.db.read() as session:
        branch = core_repo.row(session, Branch, branch_id)
        if branch is None:
            raise NotFound(f"branch {branch_id} does not exist")
        may_book(ctx.principal, branch)
        settings = branch_settings(branch)
        services = [
            p.BookableService(
                id=s.id, code=s.code, name=dict(s.name), capacity=s.appointment_capacity
            )
            for s in halls_repo.services(session, branch.id)
            if bookable(s)
        ]
        return p.BookingInfo(
            branch_id=branch.id, name=branch.name, names=dict(settings.hall_names),
            timezone=branch.timezone, locale=branch.locale,
            today=schedule(branch).business_date(now), days_ahead=settings.appointment_days_ahead,
            slot_min=settings.appointment_slot_min, early_min=settings.appointment_early_min,
            late_min=settings.appointment_late_min,
            personal_days=settings.appointment_personal_days, services=services,
        )  # fmt: skip


def _phone_limits(uow: UnitOfWork, branch_id: int, phone: str) -> None:
    if repo.live_for_phone(uow.session, branch_id, phone) >= PER_PHONE_LIVE:
        raise RateLimited(
            f"this phone number already holds {PER_PHONE_LIVE} bookings; cancel one first",
            retry_after_s=3600,
        )
    day_ago = uow.now - timedelta(days=1)
    recent = repo.by_phone(uow.session, branch_id, phone, day_ago)
    if len(recent) >= PER_PHONE_DAY:
        wait = recent[0].created_at + timedelta(days=1) - uow.now
        raise RateLimited(
            f"this phone number made {PER_PHONE_DAY} bookings within a day; try again later",
            retry_after_s=max(1, int(wait.total_seconds()) + 1),
        )


def _new_code(uow: UnitOfWork, branch_id: int) -> str:
    """A code no live booking of the hall holds (the branch is locked: it stays so)."""
    for _ in range(CODE_ATTEMPTS):
        code = domain.new_code(domain.CODE_LENGTH)
        if not repo.code_live(uow.session, branch_id, code):
            return code
    raise RuntimeError("no free check-in code found")  # 32^8 codes: never with sane use


def book(ctx: Ctx, uow: UnitOfWork, body: p.AppointmentCreate) -> p.Appointment:
    """Book a place in a slot: 409 `slot_unavailable` for a slot that is not offered now,
    409 `slot_full` when its places are taken."""
    if body.start.tzinfo is None:
        raise ValidationFailed("start: give the time with its offset (ISO 8601)")
    phone = domain.read_phone(body.phone)
    name = (body.name or "").strip() or None
    branch, service = _branch_and_service(uow.session, ctx.principal, body.branch_id,
                                          body.service_id)  # fmt: skip
    branch = uow.lock_branch(branch.id)
    uow.reread(service)
    if not bookable(service):
        raise SlotUnavailable(f"service {service.code} cannot be booked")
    settings = branch_settings(branch)
    hours = schedule(branch)
    start = body.start
    slot = next((s for s in day_slots(hours, settings, hours.business_date(start))
                 if s[0] == start), None)  # fmt: skip
    if slot is None:
        raise SlotUnavailable("no slot starts at that time (the hall is closed, or not a slot)")
    if not open_for_booking(hours, settings, slot[0], uow.now):
        raise SlotUnavailable("that slot cannot be booked now (past, or too far ahead)")
    if phone is not None:
        _phone_limits(uow, branch.id, phone)
    if repo.taken(uow.session, service.id, slot[0]) >= service.appointment_capacity:
        raise SlotFull("every place of that slot is taken")
    channel = "web" if ctx.principal.kind == "anonymous" else "staff"
    row = _insert(uow, branch, service, slot, name=name, phone=phone,
                  locale=body.locale or branch.locale, channel=channel)  # fmt: skip
    return customer_wire(row, settings, hours, (branch, service))


def _insert(uow: UnitOfWork, branch: Branch, service: Service, slot: tuple[datetime, datetime],
            *, name: str | None, phone: str | None, locale: str, channel: str,
            ) -> Appointment:  # fmt: skip
    code = _new_code(uow, branch.id)
    row = Appointment(
        public_id=secrets.token_urlsafe(12), code=code, live_code=code, branch_id=branch.id,
        service_id=service.id, business_date=schedule(branch).business_date(slot[0]),
        start=slot[0], end=slot[1], state=domain.BOOKED, name=name, phone=phone, locale=locale,
        channel=channel, created_at=uow.now, created_by=uow.actor.user_id,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    uow.publish(AppointmentBooked(row.id, branch.id))
    return row


def seed_demo(ctx: Ctx, customers: Sequence[tuple[str, str]]) -> int:
    """Bookings of the demo hall (`make run`): its first bookable service, one customer (name,
    phone) per slot from the first one still open for check-in today; how many were made."""

    def seed(uow: UnitOfWork) -> int:
        branch = uow.lock_branch(1)
        service = next((s for s in halls_repo.services(uow.session, branch.id) if bookable(s)),
                       None)  # fmt: skip
        if service is None:
            return 0
        settings, hours = branch_settings(branch), schedule(branch)
        today = [s for s in day_slots(hours, settings, hours.business_date(uow.now))
                 if open_for_booking(hours, settings, s[0], uow.now)]  # fmt: skip
        for slot, (name, phone) in zip(today, customers, strict=False):
            _insert(uow, branch, service, slot, name=name, phone=phone, locale=branch.locale,
                    channel="staff")  # fmt: skip
        return min(len(today), len(customers))

    return write(ctx, seed)


def lookup(ctx: Ctx, public_id: str) -> p.Appointment:
    """The customer's booking by its public_id (the key of the link they were given)."""
    with ctx.db.read() as session:
        row = repo.by_public_id(session, public_id)
        if row is None:
            raise NotFound("no such appointment")
        branch = core_repo.row(session, Branch, row.branch_id)
        assert branch is not None
        service = core_repo.row(session, Service, row.service_id)
        assert service is not None
        return customer_wire(row, branch_settings(branch), schedule(branch), (branch, service))


def cancel(uow: UnitOfWork, public_id: str) -> p.Appointment:
    """The customer gives up their booking: its place is free again."""
    row = repo.by_public_id(uow.session, public_id)
    if row is None:
        raise NotFound("no such appointment")
    branch = uow.lock_branch(row.branch_id)
    uow.reread(row)
    settings = branch_settings(branch)
    row.state = domain.cancel(row.state, window(row, settings), uow.now)
    row.live_code, row.cancelled_at = None, uow.now
    uow.session.flush()
    uow.publish(AppointmentCancelled(row.id, row.branch_id))
    service = core_repo.row(uow.session, Service, row.service_id)
    assert service is not None
    return customer_wire(row, settings, schedule(branch), (branch, service))


def outside_hours(hours: Schedule, settings: p.BranchSettings, row: Appointment) -> bool:
    """Whether a booking's slot is no longer inside its date's hours (changed since)."""
    return all(start > row.start or end < row.end
               for start, end in hours.sessions_on(row.business_date))  # fmt: skip


def listing(ctx: Ctx, *, branch_id: int | None, day: date | None, state: str | None,
            limit: int, offset: int) -> Sequence[p.StaffAppointment]:  # fmt: skip
    """The hall's bookings with name and phone (staff of the hall)."""
    ctx.principal.require(STAFF, "the list of appointments")
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
    visible = ctx.principal.visible_branches()
    branch_ids = [branch_id] if branch_id is not None else visible
    keys = ctx.principal.kind in KEY_HOLDERS
    with ctx.db.read() as session:
        rows = repo.listed(session, branch_ids=branch_ids, day=day, state=state, limit=limit,
                           offset=offset)  # fmt: skip
        branches: dict[int, tuple[Schedule, p.BranchSettings]] = {}
        found = []
        for row, number in rows:
            if row.branch_id not in branches:
                branch = core_repo.row(session, Branch, row.branch_id)
                assert branch is not None
                branches[row.branch_id] = (schedule(branch), branch_settings(branch))
            hours, settings = branches[row.branch_id]
            found.append(staff_wire(
                row, settings, hours, ticket_number=number, keys=keys,
                outside_hours=outside_hours(hours, settings, row),
            ))  # fmt: skip
        return found
