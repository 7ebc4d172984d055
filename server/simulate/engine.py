"""A simulated business day of one hall, played through the real use cases with a moved clock.

Everything that changes state goes through the same code as the API: issuing
(server/tickets/service.py), the counters' actions (server/counters/service.py), the
appointments' booking, check-in and sweep (server/simulate/bookings.py), ratings and complaints
from the customer's side. Each action runs in its own unit of work whose `now` is
the simulated moment, so events, estimates, statistics and their rollups come out as they
would have. The whole day is one write transaction (one job of the writer): a day takes a
fraction of a second instead of a commit per action.

The day is a discrete-event simulation: arrivals (server/simulate/profiles.py), and for each
counter its clerk's moments — opening late, calling the next ticket, the customer walking up
or not coming (recalled once, then a no-show), the service, a transfer, breaks and lunch,
closing once nobody waits. It is deterministic for its random generator.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server import protocol as p
from server.complaints import service as complaints
from server.core.context import Ctx, Principal
from server.core.run import within
from server.core.unit_of_work import Actor, UnitOfWork
from server.counters import service as counters
from server.simulate import profiles
from server.simulate.bookings import Bookings
from server.tickets import service as tickets

T = TypeVar("T")
NO_SHOW = 0.05
TRANSFER = 0.03  # of tickets served, sent on to another service
ELDERLY = 0.03  # of normal tickets issued as priority tickets
RATED = 0.35
COMPLAINT = 0.004
GIVES_UP_AFTER_MIN = 45.0  # a customer still waiting then may leave (cancels on the phone)
GIVES_UP = 0.2
SCORES = (5, 4, 3, 2, 1)
SCORE_WEIGHTS = (62, 24, 8, 4, 2)
COMPLAINTS: tuple[tuple[p.ComplaintCategory, str], ...] = (
    ("efficiency", "等候时间太长，窗口开得太少。"),
    ("attitude", "工作人员态度不耐烦。"),
    ("environment", "大厅座位不够。"),
    ("error", "材料清单和窗口说的不一样，白跑一趟。"),
)


@dataclass(frozen=True)
class ServicePlan:
    id: int
    code: str
    mean_s: float
    per_hour: float
    priority: bool
    capacity: int = 0  # places per appointment slot; 0: not bookable


@dataclass(frozen=True)
class CounterPlan:
    id: int
    number: int
    service_ids: tuple[int, ...]
    clerk_id: int
    pace: float


@dataclass(frozen=True)
class HallPlan:
    branch_id: int
    timezone: str
    services: tuple[ServicePlan, ...]
    counters: tuple[CounterPlan, ...]


@dataclass
class Counts:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    cancelled: int = 0
    rated: int = 0
    complaints: int = 0
    booked: int = 0  # appointments
    full: int = 0  # bookings refused: the slot was full
    checked_in: int = 0  # appointments checked in (their tickets are among `issued`)
    missed: int = 0  # appointments marked missed by the sweep
    too_late: int = 0  # of them, came after their window (and took a normal ticket)
    actions: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class SimClock:
    """The simulated time: `Ctx.clock` for the use cases that read it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class _Desk:
    plan: CounterPlan
    day: profiles.ClerkDay
    state: str = "closed"  # closed | idle | busy | paused | waking
    ticket: int | None = None  # in hand
    service: int = 0
    public_id: str = ""
    issued_min: float = 0.0
    breaks: list[tuple[float, float, str]] = field(default_factory=list)
    break_due: tuple[float, str] | None = None


class DaySim:
    """One hall's day in one write transaction (`session`)."""

    def __init__(
        self,
        base: Ctx,
        session: Session,
        hall: HallPlan,
        day: date,
        rng: random.Random,
        volume: float,
        booked: float = 0.0,
    ) -> None:
        self.base, self.session, self.hall, self.day = base, session, hall, day
        self.rng, self.volume, self.booked = rng, volume, booked
        self.zone = ZoneInfo(hall.timezone)
        self.midnight = datetime.combine(day, time(0), self.zone)
        self.clock = SimClock(self.midnight)
        self.counts = Counts()
        self.heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self.seq = 0
        self.waiting: dict[int, tuple[int, str, float]] = {}  # id → service, public_id, issued
        self.services = {s.id: s for s in hall.services}
        hours = profiles.hours_of(day.weekday())
        assert hours is not None
        self.closes = float(hours[2])
        self.desks: list[_Desk] = []
        for index, plan in enumerate(hall.counters):
            clerk = profiles.clerk_day(rng, index, day.weekday(), plan.pace)
            assert clerk is not None
            self.desks.append(_Desk(plan, clerk, breaks=list(clerk.breaks)))
        self.kiosk = Principal(kind="admin", username="simulate")
        self.bookings = Bookings(self)

    # ---- the clock and the use cases ---------------------------------------------------------

    def at(self, minute: float, action: Callable[..., None], *args: Any) -> None:
        """Do `action(minute, *args)` at `minute` of the day."""
        self.seq += 1
        heapq.heappush(self.heap, (minute, self.seq, action, args))

    def act(self, minute: float, principal: Principal, use: Callable[[Ctx, UnitOfWork], T]) -> T:
        """Run one use case as `principal` at `minute` of the day, in its own unit of work."""
        now = self.midnight + timedelta(minutes=minute)
        self.clock.now = now
        ctx = replace(self.base, clock=self.clock, principal=principal, publisher=None)
        actor = Actor(principal.user_id, principal.device_id, principal.username or None)
        result = within(ctx, self.session, partial(use, ctx), now=now, actor=actor)
        self.counts.actions += 1
        return result

    def clerk(self, desk: _Desk) -> Principal:
        return Principal(
            kind="clerk",
            user_id=desk.plan.clerk_id,
            branch_ids=frozenset({self.hall.branch_id}),
            username=f"sim{self.hall.branch_id}-{desk.plan.number}",
        )

    def run(self) -> Counts:
        weekday = self.day.weekday()
        for service in self.hall.services:
            for minute in profiles.arrivals(self.rng, service.per_hour, self.volume, weekday):
                if service.capacity and self.booked and self.rng.random() < self.booked:
                    self.bookings.want(minute, service)
                else:
                    self.at(minute, self.arrive, service)
        for desk in self.desks:
            self.at(desk.day.opens, self.open, desk)
            for start, length, reason in desk.breaks:
                self.at(start, self.break_time, desk, length, reason)
            self.at(desk.day.closes, self.closing, desk)
        while self.heap:
            minute, _, action, args = heapq.heappop(self.heap)
            action(minute, *args)
        self.end_of_day()
        return self.counts

    # ---- customers ---------------------------------------------------------------------------

    def arrive(self, minute: float, service: ServicePlan) -> None:
        elderly = not service.priority and self.rng.random() < ELDERLY
        body = p.TicketCreate(
            service_id=service.id,
            priority="priority" if elderly else "normal",
            channel="kiosk" if self.rng.random() < 0.8 else "web",
        )
        wire = self.act(minute, self.kiosk, lambda ctx, uow: tickets.issue(ctx, uow, body))
        self.counts.issued += 1
        self.waiting[wire.id] = (service.id, wire.public_id or "", minute)
        if self.rng.random() < GIVES_UP:
            self.at(minute + GIVES_UP_AFTER_MIN, self.give_up, wire.id)
        self.wake_one(minute, service.id)

    def wake_one(self, minute: float, service_id: int) -> None:
        """An idle clerk of the service sees the new ticket and calls in a few seconds."""
        idle = [d for d in self.desks if d.state == "idle" and service_id in d.plan.service_ids]
        if idle:
            desk = self.rng.choice(idle)
            desk.state = "waking"
            self.at(minute + self.rng.uniform(0.05, 0.4), self.wake, desk)

    def give_up(self, minute: float, ticket_id: int) -> None:
        found = self.waiting.pop(ticket_id, None)
        if found is None:
            return
        self.act(minute, self.kiosk, lambda ctx, uow: tickets.public_cancel(uow, found[1]))
        self.counts.cancelled += 1

    def after_service(self, minute: float, desk: _Desk, waited_min: float) -> None:
        """The customer served may rate the service, and now and then complains."""
        public_id = desk.public_id
        if self.rng.random() < RATED:
            score = self.rng.choices(SCORES, SCORE_WEIGHTS)[0]
            if waited_min > 30 and score > 2 and self.rng.random() < 0.4:
                score -= 2
            body = p.RatingRequest(score=score)
            self.act(minute + 0.2, self.kiosk, lambda ctx, uow: tickets.rate(uow, public_id, body))
            self.counts.rated += 1
        if self.rng.random() < COMPLAINT:
            category, text = self.rng.choice(COMPLAINTS)
            complaint = p.PublicComplaintCreate(category=category, text=text)
            self.act(
                minute + 2,
                self.kiosk,
                lambda ctx, uow: complaints.create_public(uow, public_id, complaint),
            )
            self.counts.complaints += 1

    # ---- clerks ------------------------------------------------------------------------------

    def open(self, minute: float, desk: _Desk) -> None:
        self.act(
            minute, self.clerk(desk), lambda ctx, uow: counters.open_counter(ctx, uow, desk.plan.id)
        )
        desk.state = "idle"
        self.free(minute, desk)

    def break_time(self, minute: float, desk: _Desk, length: float, reason: str) -> None:
        if desk.state in ("idle", "waking"):
            self.wake_for(minute, desk)
            self.pause(minute, desk, length, reason)
        elif desk.state == "busy":
            desk.break_due = (length, reason)

    def pause(self, minute: float, desk: _Desk, length: float, reason: str) -> None:
        self.act(
            minute,
            self.clerk(desk),
            lambda ctx, uow: counters.pause_counter(ctx, uow, desk.plan.id, reason),
        )
        desk.state = "paused"
        self.at(minute + length, self.open, desk)

    def wake(self, minute: float, desk: _Desk) -> None:
        if desk.state == "waking":  # not paused or closed since
            self.free(minute, desk)

    def wake_for(self, minute: float, desk: _Desk) -> None:
        """A desk that was to call pauses or closes: another idle one calls instead."""
        if desk.state == "waking":
            for service_id in sorted({s for s, _, _ in self.waiting.values()}):
                if service_id in desk.plan.service_ids:
                    self.wake_one(minute, service_id)

    def closing(self, minute: float, desk: _Desk) -> None:
        if desk.state in ("idle", "waking"):
            self.wake_for(minute, desk)
            self.close(minute, desk)

    def close(self, minute: float, desk: _Desk) -> None:
        self.act(
            minute,
            self.clerk(desk),
            lambda ctx, uow: counters.close_counter(ctx, uow, desk.plan.id),
        )
        desk.state = "closed"

    def finish(self, minute: float, desk: _Desk) -> bool:
        """End the service of the ticket in hand: now and then a transfer; True when it is
        still in hand (to be completed by the next call)."""
        if desk.ticket is None:
            return False
        others = [s for s in self.hall.services if s.id != desk.service and not s.priority]
        if others and self.rng.random() < TRANSFER:
            target = self.rng.choice(others)
            body = p.TransferRequest(service_id=target.id)
            self.act(
                minute,
                self.clerk(desk),
                lambda ctx, uow: counters.transfer(ctx, uow, desk.plan.id, body),
            )
            self.counts.transferred += 1
            ticket_id = desk.ticket
            self.waiting[ticket_id] = (target.id, desk.public_id, desk.issued_min)
            desk.ticket = None
            self.wake_one(minute, target.id)
            return False
        return True

    def free(self, minute: float, desk: _Desk) -> None:
        """The desk is free to call: the ticket in hand, if any, is done with."""
        in_hand = self.finish(minute, desk)
        # a clerk leaving early goes; at the hall's closing they serve whoever still queued
        early = desk.day.closes < self.closes
        leaving = minute >= desk.day.closes and (early or not self.someone_waits(desk))
        if desk.break_due is not None or leaving:
            if in_hand:
                self.act(minute, self.clerk(desk), partial(_complete, counter_id=desk.plan.id))
                self.served(minute, desk)
            if leaving:
                desk.break_due = None
                self.close(minute, desk)
                return
            assert desk.break_due is not None
            length, reason = desk.break_due
            desk.break_due = None
            self.pause(minute, desk, length, reason)
            return
        body = p.CallNextRequest(complete_current=in_hand)
        result = self.act(
            minute,
            self.clerk(desk),
            lambda ctx, uow: counters.call_next(ctx, uow, desk.plan.id, body),
        )
        if in_hand:
            self.served(minute, desk)
        called = result.ticket
        if called is None:
            desk.state = "idle"
            if minute >= desk.day.closes:
                self.close(minute, desk)
            return
        service_id, public_id, issued_min = self.waiting.pop(called.id)
        desk.state, desk.ticket, desk.service = "busy", called.id, service_id
        desk.public_id, desk.issued_min = public_id, issued_min
        if self.rng.random() < NO_SHOW:
            self.at(minute + 1.0, self.recall, desk)
            return
        walk = self.rng.uniform(0.25, 0.9)
        mean_s = self.services[service_id].mean_s * desk.day.pace
        length = profiles.lognormal(self.rng, mean_s) / 60.0
        self.at(minute + walk, self.start, desk, length)

    def someone_waits(self, desk: _Desk) -> bool:
        return any(s in desk.plan.service_ids for s, _, _ in self.waiting.values())

    def served(self, minute: float, desk: _Desk) -> None:
        self.counts.served += 1
        self.after_service(minute, desk, minute - desk.issued_min)
        desk.ticket = None

    def recall(self, minute: float, desk: _Desk) -> None:
        self.act(minute, self.clerk(desk), lambda ctx, uow: counters.recall(ctx, uow, desk.plan.id))
        self.at(minute + 1.0, self.no_show, desk)

    def no_show(self, minute: float, desk: _Desk) -> None:
        self.act(
            minute, self.clerk(desk), lambda ctx, uow: counters.no_show(ctx, uow, desk.plan.id)
        )
        self.counts.no_show += 1
        desk.ticket = None
        self.free(minute, desk)

    def start(self, minute: float, desk: _Desk, length: float) -> None:
        self.act(minute, self.clerk(desk), lambda ctx, uow: counters.start(ctx, uow, desk.plan.id))
        self.at(minute + length, self.free, desk)

    def end_of_day(self) -> None:
        """Whoever still waits is sent home; every desk closes."""
        last = max(self.closes, max((d.day.closes for d in self.desks), default=0.0)) + 60
        for ticket_id in sorted(self.waiting):
            self.act(last, self.kiosk, partial(_cancel, ticket_id=ticket_id))
            self.counts.cancelled += 1
        self.waiting.clear()
        for desk in self.desks:
            if desk.state == "closed":
                continue
            if desk.ticket is not None:
                self.act(last, self.clerk(desk), partial(_complete, counter_id=desk.plan.id))
                self.served(last, desk)
            if desk.state == "paused":
                self.act(last, self.clerk(desk), partial(_open, counter_id=desk.plan.id))
            self.close(last, desk)


def _cancel(ctx: Ctx, uow: UnitOfWork, *, ticket_id: int) -> p.Ticket:
    return tickets.cancel(ctx, uow, ticket_id)


def _complete(ctx: Ctx, uow: UnitOfWork, *, counter_id: int) -> p.CounterActionResult:
    return counters.complete(ctx, uow, counter_id, p.CompleteRequest())


def _open(ctx: Ctx, uow: UnitOfWork, *, counter_id: int) -> p.CounterActionResult:
    return counters.open_counter(ctx, uow, counter_id)


def run_day(ctx: Ctx, hall: HallPlan, day: date, rng: random.Random,
            profile: profiles.Profile) -> Counts:  # fmt: skip
    """Simulate `day` of `hall` and commit it (one write transaction)."""

    def job(session: Session) -> Counts:
        return DaySim(ctx, session, hall, day, rng, profile.volume, profile.booked).run()

    result: Counts = ctx.db.writes.run(job)
    return result
