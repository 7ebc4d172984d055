"""What time does to appointments: a booking not checked in by the end of its window becomes
`missed`, and the name and phone of a booking are anonymised `appointment_personal_days`
after its slot (the booking stays, for the statistics).

The server's own task looks every `SWEEP_S` (a cheap read of the bookings whose slot has
started, a write only for a hall that has some due); the anonymising runs with the hourly
housekeeping and as `hallq purge`. Each write locks the hall and reads the booking again, so
two server processes sweeping at once mark each booking once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session

from server.appointments import domain
from server.appointments import repository as repo
from server.appointments.domain import AppointmentMissed
from server.appointments.models import Appointment
from server.appointments.views import window
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.models import Branch
from server.core.periodic import Periodic
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.halls.settings import branch_settings

log = logging.getLogger(__name__)
SWEEP_S = 15.0


def due(ctx: Ctx) -> dict[int, list[int]]:
    """Ids of the bookings whose check-in window has closed, per hall."""
    with ctx.db.read() as session:
        return due_in(session, ctx.clock())


def due_in(session: Session, now: datetime) -> dict[int, list[int]]:
    """`due`, read on `session` at `now`."""
    found: dict[int, list[int]] = defaultdict(list)
    for row in repo.booked_before(session, now):
        branch = core_repo.row(session, Branch, row.branch_id)
        assert branch is not None
        if window(row, branch_settings(branch)).closed(now):
            found[row.branch_id].append(row.id)
    return dict(found)


def mark_missed(uow: UnitOfWork, branch_id: int, ids: list[int]) -> int:
    """Mark those of `ids` still booked and past their window; how many."""
    branch = uow.lock_branch(branch_id)
    settings = branch_settings(branch)
    marked = 0
    for appointment_id in ids:
        row = uow.session.get(Appointment, appointment_id)
        if row is None:
            continue
        uow.reread(row)  # another process, or a late check-in, may have moved it
        if row.state != domain.BOOKED or not window(row, settings).closed(uow.now):
            continue
        row.state = domain.move(row.state, domain.MISSED)
        row.live_code, row.missed_at = None, uow.now
        uow.session.flush()
        uow.publish(AppointmentMissed(row.id, branch_id))
        marked += 1
    return marked


def sweep_branch(uow: UnitOfWork, branch_id: int) -> int:
    """Mark the hall's bookings past their window missed, within one unit of work (`hallq
    simulate` sweeps its halls in the day's own transaction, which the sweeper's separate
    read would not see); how many."""
    ids = due_in(uow.session, uow.now).get(branch_id, [])
    return mark_missed(uow, branch_id, ids) if ids else 0


def sweep(ctx: Ctx) -> int:
    """Mark every booking past its window missed; how many."""
    found = due(ctx)
    return sum(write(ctx, partial(mark_missed, branch_id=b, ids=ids)) for b, ids in found.items())


def anonymise_branch(uow: UnitOfWork, branch_id: int) -> int:
    branch = uow.lock_branch(branch_id)
    days = branch_settings(branch).appointment_personal_days
    rows = repo.with_personal_data(uow.session, branch_id, uow.now - timedelta(days=days))
    for row in rows:
        row.name, row.phone, row.anonymised_at = None, None, uow.now
    if rows:
        uow.audit("appointment.anonymised", f"branch:{branch_id}", {"bookings": len(rows),
                  "days": days}, branch_id=branch_id, as_="system")  # fmt: skip
    return len(rows)


def anonymise(ctx: Ctx) -> int:
    """Forget the name and phone of bookings older than their hall's retention; how many."""
    with ctx.db.read() as session:
        branch_ids = list(repo.branches_with_personal_data(session))
    return sum(write(ctx, partial(anonymise_branch, branch_id=b)) for b in branch_ids)


def sweeper(ctx: Callable[[], Ctx]) -> Periodic:
    """The server's task: bookings past their window: missed, every SWEEP_S."""
    return Periodic(ctx, sweep, SWEEP_S, "marking missed appointments")
