"""Print jobs that are not printed in time expire (the branch setting `print_job_ttl_s`).

A ticket printed minutes late is for a customer who has gone, taken another ticket or been
served already, and lands in the tray of the next one. So a job still pending when it expires
becomes `failed` with the error `expired` (`print.failed` on the stream, as the contract says),
is no longer listed as pending, and the kiosk agent does not print a job past `expires_at`.

The server's own task sweeps every few seconds: a cheap read (pending jobs are few, found by
the kiosk/state index), and a write only for a branch that has jobs due.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import Device
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.models import Branch
from server.core.periodic import Periodic
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.tickets.models import PrintJob, Ticket
from server.tickets.printjobs import PrintFailed, expires_at, job_wire

log = logging.getLogger(__name__)
EXPIRED = "expired"
SWEEP_S = 2.0


def is_expired(session: Session, job: PrintJob, now: datetime) -> bool:
    branch = core_repo.row(session, Branch, job.branch_id)
    assert branch is not None
    return job.state == "pending" and now >= expires_at(branch, job.created_at)


def due(session: Session, now: datetime) -> dict[int, list[int]]:
    """Ids of the pending jobs past their time, per branch."""
    kiosks = select(Device.id).where(Device.kind == "kiosk")
    pending = session.scalars(
        select(PrintJob).where(PrintJob.kiosk_id.in_(kiosks), PrintJob.state == "pending")
    ).all()
    found: dict[int, list[int]] = defaultdict(list)
    for job in pending:
        if is_expired(session, job, now):
            found[job.branch_id].append(job.id)
    return dict(found)


def expire(ctx: Ctx, uow: UnitOfWork, branch_id: int, job_ids: list[int]) -> int:
    """Expire those of `job_ids` still pending and due (the branch locked); how many."""
    uow.lock_branch(branch_id)
    expired = 0
    for job_id in job_ids:
        job = uow.session.get(PrintJob, job_id)
        if job is None:
            continue
        uow.reread(job)  # the kiosk may have reported it meanwhile
        if not is_expired(uow.session, job, uow.now):
            continue
        job.state, job.error, job.finished_at = "failed", EXPIRED, uow.now
        ticket = uow.session.get(Ticket, job.ticket_id)
        assert ticket is not None
        uow.publish(PrintFailed(job.branch_id, ticket.id, job_wire(ctx, uow.session, job, ticket)))
        expired += 1
    return expired


def expire_due(ctx: Ctx) -> int:
    """Expire every pending job past its time; how many."""
    with ctx.db.read() as session:
        found = due(session, ctx.clock())
    return sum(
        write(ctx, partial(expire, ctx, branch_id=branch_id, job_ids=ids))
        for branch_id, ids in found.items()
    )


def sweeper(ctx: Callable[[], Ctx]) -> Periodic:
    """The server's task: print jobs not printed in time expire, every SWEEP_S."""
    return Periodic(ctx, expire_due, SWEEP_S, "expiring print jobs")
