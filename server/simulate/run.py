"""`hallq simulate` and the demo's history: new halls (or the demo hall), their simulated days,
and the accuracy report of the estimates given in them."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from server import protocol as p
from server.auth import repository as auth_repo
from server.auth.models import User
from server.auth.service import hash_password
from server.core import trail
from server.core.context import Ctx, Principal
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls import service as halls
from server.halls.bootstrap import DEMO_BOOKABLE, DEMO_COUNTERS, DEMO_SERVICES
from server.halls.views import bookable
from server.simulate import profiles
from server.simulate.engine import CounterPlan, Counts, HallPlan, ServicePlan, run_day
from server.stats import estimates
from server.tickets.models import Ticket

ADMIN = Principal(kind="admin", username="simulate")
TIMEZONE = "Asia/Shanghai"


@dataclass
class Outcome:
    halls: list[int]
    days: list[date]
    counts: Counts = field(default_factory=Counts)
    seconds: float = 0.0
    report: p.EstimateAccuracy | None = None
    service_codes: dict[int, str] = field(default_factory=dict)


def business_days(today: date, count: int) -> list[date]:
    """The last `count` days the halls open (not Sundays) before `today`, oldest first."""
    found: list[date] = []
    day = today
    while len(found) < count:
        day -= timedelta(days=1)
        if profiles.hours_of(day.weekday()) is not None:
            found.append(day)
    return sorted(found)


def _clerk_hash() -> str:
    """One hash for every simulated clerk: a random password nobody knows (no login)."""
    return hash_password(secrets.token_urlsafe(18))


def _clerks(uow: UnitOfWork, branch_id: int, numbers: Sequence[int], password_hash: str,
            ) -> dict[int, int]:  # fmt: skip
    """A clerk user per counter number (made when missing): `sim<branch>-<number>`."""
    found = {}
    for number in numbers:
        name = f"sim{branch_id}-{number}"
        user = auth_repo.user_by_name(uow.session, name)
        if user is None:
            user = User(username=name, password_hash=password_hash, role="clerk", active=True,
                        created_at=uow.now)  # fmt: skip
            uow.session.add(user)
            uow.session.flush()
            auth_repo.set_user_branches(uow.session, user.id, [branch_id])
        found[number] = user.id
    return found


def _plan(uow: UnitOfWork, branch_id: int, clerks: dict[int, int], rng: random.Random,
          ) -> HallPlan:  # fmt: skip
    session = uow.session
    services = [
        ServicePlan(s.id, s.code, s.service_min * 60.0,
                    profiles.PER_HOUR.get(s.code, profiles.OTHER_PER_HOUR), s.priority,
                    s.appointment_capacity if bookable(s) else 0)
        for s in halls_repo.services(session, branch_id) if s.active
    ]  # fmt: skip
    rows = halls_repo.counters(session, branch_id)
    served = halls_repo.counter_service_ids(session, [c.id for c in rows])
    desks = tuple(
        CounterPlan(c.id, c.number, tuple(served[c.id]), clerks[c.number],
                    round(rng.uniform(0.85, 1.2), 3))
        for c in rows
    )  # fmt: skip
    branch = halls_repo.branches(session, [branch_id])[0]
    return HallPlan(branch_id, branch.timezone, tuple(services), desks)


def create_halls(ctx: Ctx, count: int, seed: int) -> list[HallPlan]:
    """`count` new halls laid out like the demo hall, through the halls' use cases."""
    password_hash = _clerk_hash()
    settings = p.BranchSettings(opening_hours=profiles.OPENING_HOURS,
                                cutoff_min=profiles.CUTOFF_MIN, public_booking=True)  # fmt: skip
    admin = Ctx(ctx.db, ctx.settings, ctx.clock, None, ADMIN)

    def make(uow: UnitOfWork, *, index: int) -> HallPlan:
        name = f"模拟大厅 {seed}-{index + 1}"
        body = p.BranchCreate(name=name, timezone=TIMEZONE, settings=settings)
        branch_id = halls.create_branch(admin, uow, body).id
        ids = {}
        for code, prefix, names, target, minutes in DEMO_SERVICES:
            created = halls.create_service(admin, uow, p.ServiceCreate(
                branch_id=branch_id, code=code, prefix=prefix, name=names,
                target_wait_min=target, service_min=minutes, priority=code == "priority",
                appointment_capacity=DEMO_BOOKABLE.get(prefix, 0),
            ))  # fmt: skip
            ids[prefix] = created.id
        for number, prefixes in DEMO_COUNTERS:
            halls.create_counter(admin, uow, p.CounterCreate(
                branch_id=branch_id, number=number, name=f"{number}号窗口",
                service_ids=[ids[x] for x in prefixes],
            ))  # fmt: skip
        clerks = _clerks(uow, branch_id, [n for n, _ in DEMO_COUNTERS], password_hash)
        return _plan(uow, branch_id, clerks, random.Random(f"{seed}:pace:{index}"))

    return [write(admin, partial(make, index=i)) for i in range(count)]


def plan_of(ctx: Ctx, branch_id: int, seed: int) -> HallPlan:
    """An existing hall (the demo's), with a simulated clerk per counter."""
    password_hash = _clerk_hash()

    def make(uow: UnitOfWork) -> HallPlan:
        numbers = [c.number for c in halls_repo.counters(uow.session, branch_id)]
        clerks = _clerks(uow, branch_id, numbers, password_hash)
        return _plan(uow, branch_id, clerks, random.Random(f"{seed}:pace:{branch_id}"))

    return write(ctx, make)


def simulate(
    ctx: Ctx,
    halls_: Sequence[HallPlan],
    days: Sequence[date],
    *,
    profile: str,
    seed: int,
    progress: Callable[[HallPlan, date, Counts], None] | None = None,
) -> Outcome:
    """Play `days` of each hall, oldest first; then the accuracy report of their estimates."""
    shape = profiles.PROFILES[profile]
    outcome = Outcome([h.branch_id for h in halls_], list(days))
    started = time.perf_counter()
    for index, hall in enumerate(halls_):
        for day in days:
            rng = random.Random(f"{seed}:{profile}:{index}:{day.isoformat()}")
            counts = run_day(ctx, hall, day, rng, shape)
            outcome.counts.add(counts)
            if progress is not None:
                progress(hall, day, counts)
    trail.settle(ctx)  # SQLite: the days' events into the audit chain now, not at next start
    outcome.seconds = time.perf_counter() - started
    outcome.service_codes = {s.id: s.code for h in halls_ for s in h.services}
    if days:
        outcome.report = report(ctx, halls_, days[0], days[-1])
    return outcome


def report(ctx: Ctx, halls_: Sequence[HallPlan], first: date, last: date) -> p.EstimateAccuracy:
    """The accuracy report over these halls' days (what GET /api/v1/stats/estimates says)."""
    zones = {h.branch_id: h.timezone for h in halls_}
    with ctx.db.read() as session:
        return estimates.figures(estimates.outcomes(session, zones, first, last))


def today_in(ctx: Ctx, timezone: str = TIMEZONE) -> date:
    return ctx.clock().astimezone(ZoneInfo(timezone)).date()


def has_history(ctx: Ctx, branch_id: int, before: date) -> bool:
    """Whether a hall has tickets of days before `before` (the demo's history is made once)."""
    with ctx.db.read() as session:
        query = (
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.branch_id == branch_id, Ticket.business_date < before)
        )
        return bool(session.scalar(query))


DEMO_DAYS = 30
DEMO_SEED = 2026
DEMO_STAFFED = 0.5  # of the demo hall's counters


def demo_history(ctx: Ctx, branch_id: int = 1) -> Outcome | None:
    """`make run`: the demo hall's last DEMO_DAYS days (business days among them), once: None
    when it has history already (or no counters to play it on)."""
    with ctx.db.read() as session:
        branch = halls_repo.branches(session, [branch_id])
        if not branch or not halls_repo.counters(session, branch_id):
            return None
        timezone = branch[0].timezone
    today = today_in(ctx, timezone)
    if has_history(ctx, branch_id, today):
        return None
    days = [d for d in (today - timedelta(days=k) for k in range(DEMO_DAYS, 0, -1))
            if profiles.hours_of(d.weekday()) is not None]  # fmt: skip
    plan = staffed(plan_of(ctx, branch_id, DEMO_SEED), DEMO_STAFFED)
    return simulate(ctx, [plan], days, profile="demo", seed=DEMO_SEED)


def staffed(hall: HallPlan, share: float) -> HallPlan:
    """The hall with only some of its counters staffed (a quiet hall's days): those serving
    the most services first, until every service is served and `share` of them are staffed."""
    chosen: list[CounterPlan] = []
    needed = {s.id for s in hall.services}
    for counter in sorted(hall.counters, key=lambda c: (-len(c.service_ids), c.number)):
        if needed - {s for c in chosen for s in c.service_ids} or len(chosen) < share * len(
            hall.counters
        ):
            chosen.append(counter)
    return replace(hall, counters=tuple(sorted(chosen, key=lambda c: c.number)))
