"""The appointments of a simulated day, through the appointments' own use cases.

Some customers of a service that takes appointments book a slot ahead instead of walking in
(`Profile.booked`): the slot their visit falls in, on the booking page or on the phone to the
hall's staff, the day before or earlier that day (server/appointments/service.py `book`); when
it is full, the next one, else they walk in. On the day most check in around the slot's start
(server/appointments/checkin.py), a few come after its window and take a normal ticket, and
some never come: the sweep marks them missed 15 s after their window closes, as the server's
sweeper would (server/appointments/sweep.py). A checked-in customer's ticket queues at the
slot's start (selection.appointment_time) and is called, served, transferred or rated like
every other one.

Every booking, check-in and sweep is a unit of work of the day's one transaction, at its
simulated moment (a booking made days before runs at that earlier moment).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from server import protocol as p
from server.appointments import checkin, sweep
from server.appointments import service as appointments
from server.core.context import Principal
from server.core.errors import RateLimited, SlotFull, SlotUnavailable, TooLate
from server.halls import repository as halls_repo
from server.halls.settings import branch_settings
from server.halls.views import schedule
from server.simulate import profiles

if TYPE_CHECKING:
    from server.simulate.engine import DaySim, ServicePlan

ONLINE = 0.7  # of bookings made on the booking page when the hall books online; else by phone
CUSTOMER = Principal(kind="anonymous")
SWEEP_AFTER_MIN = 0.25  # the server's sweeper looks every 15 s


class Bookings:
    """One hall's bookings of one simulated day (`DaySim`)."""

    def __init__(self, sim: DaySim) -> None:
        self.sim = sim
        branch = halls_repo.branches(sim.session, [sim.hall.branch_id])[0]
        self.settings = branch_settings(branch)
        hours = schedule(branch)
        self.slots = [start for start, _ in appointments.day_slots(hours, self.settings, sim.day)]
        self.swept: set[datetime] = set()
        hours_of = profiles.hours_of(sim.day.weekday())
        self.last_issue = float(hours_of[1]) if hours_of else 0.0

    def minute(self, at: datetime) -> float:
        return (at - self.sim.midnight).total_seconds() / 60.0

    def want(self, minute: float, service: ServicePlan) -> None:
        """A customer who would come at `minute` books the slot it falls in instead."""
        index = sum(1 for start in self.slots if self.minute(start) <= minute) - 1
        if index < 0:
            self.sim.at(minute, self.sim.arrive, service)
            return
        at = profiles.booked_at(self.sim.rng, self.minute(self.slots[index]))
        self.sim.at(at, self.book, service, index, minute, True)

    def book(self, at: float, service: ServicePlan, index: int, visit: float, retry: bool,
             ) -> None:  # fmt: skip
        """Book slot `index`; when it is full (or no longer offered), the next one once, else
        the customer walks in at `visit`."""
        sim = self.sim
        online = self.settings.public_booking and sim.rng.random() < ONLINE
        phone = f"1{sim.rng.randrange(30, 90)}{sim.rng.randrange(10**8):08d}"
        body = p.AppointmentCreate(branch_id=sim.hall.branch_id, service_id=service.id,
                                   start=self.slots[index], phone=phone)  # fmt: skip
        try:
            # each refusal is raised before the use case writes anything
            made = sim.act(at, CUSTOMER if online else sim.kiosk,
                           lambda ctx, uow: appointments.book(ctx, uow, body))  # fmt: skip
        except (SlotFull, SlotUnavailable, RateLimited):
            sim.counts.full += 1
            if retry and index + 1 < len(self.slots):
                sim.at(at + 0.5, self.book, service, index + 1, visit, False)
            else:
                sim.at(max(visit, at), sim.arrive, service)
            return
        sim.counts.booked += 1
        start = self.minute(self.slots[index])
        closes = start + self.settings.appointment_late_min
        if self.slots[index] not in self.swept:
            self.swept.add(self.slots[index])
            sim.at(closes + SWEEP_AFTER_MIN, self.sweep)
        comes = profiles.comes_at(sim.rng, self.settings.appointment_early_min,
                                  self.settings.appointment_late_min)  # fmt: skip
        if comes is not None:
            sim.at(start + comes, self.check_in, service, made.code or "")

    def check_in(self, minute: float, service: ServicePlan, code: str) -> None:
        """The customer types their code at the kiosk: a ticket, or too late (their booking
        was marked missed) and a normal ticket while the hall still issues."""
        sim = self.sim
        body = p.CheckIn(code=code, branch_id=sim.hall.branch_id)
        try:
            ticket = sim.act(minute, sim.kiosk,
                             lambda ctx, uow: checkin.check_in(ctx, uow, body))  # fmt: skip
        except TooLate:  # raised before the use case writes anything
            sim.counts.too_late += 1
            if minute < self.last_issue:
                sim.arrive(minute, service)
            return
        sim.counts.checked_in += 1
        sim.counts.issued += 1
        sim.waiting[ticket.id] = (service.id, ticket.public_id or "", minute)
        sim.wake_one(minute, service.id)

    def sweep(self, minute: float) -> None:
        hall = self.sim.hall.branch_id
        self.sim.counts.missed += self.sim.act(
            minute, self.sim.kiosk, lambda ctx, uow: sweep.sweep_branch(uow, hall)
        )
