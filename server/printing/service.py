"""Print jobs for kiosks, their results, and each kiosk's printer status.

A job is `pending` until its kiosk reports `printed` or `failed`; both are final (a reprint is a
new job), so a late or repeated report can never turn a failure into a success or print twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy.orm import Session

from server import protocol as p
from server.auth import repository as auth_repo
from server.auth.models import Device
from server.core.context import Ctx, Principal
from server.core.errors import Forbidden, InvalidTransition, NotFound
from server.core.events import Record, serializer
from server.core.unit_of_work import UnitOfWork
from server.printing import repository as printing_repo
from server.printing.expiry import is_expired
from server.tickets.models import PrintJob, Ticket
from server.tickets.printjobs import (
    PrintCompleted,
    PrintFailed,
    job_wire,
    queue_job,
    shown_job,
)

REPRINTERS = ("admin", "manager", "clerk", "kiosk")


@dataclass(frozen=True)
class PrinterStatusChanged:
    """A kiosk's printer reported a status other than the last one."""

    type: ClassVar[str] = "printer.status"
    branch_id: int
    kiosk_id: int
    status: p.PrinterStatus


@serializer(PrinterStatusChanged)
def printer_status_record(uow: UnitOfWork, event: PrinterStatusChanged) -> Record:
    data = {"kiosk_id": event.kiosk_id, **event.status.model_dump(mode="json")}
    return Record(event.branch_id, event.type, data)


def reprint(ctx: Ctx, uow: UnitOfWork, ticket_id: int, body: p.ReprintRequest) -> p.PrintJob:
    ctx.principal.require(REPRINTERS, "reprinting a ticket")
    ticket = uow.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    ctx.principal.require_branch(ticket.branch_id)
    uow.lock_branch(ticket.branch_id)
    if ctx.principal.kind == "kiosk" and ctx.principal.device_id != body.kiosk_id:
        raise Forbidden("a kiosk can only reprint on its own printer")
    return queue_job(ctx, uow, ticket, body.kiosk_id)


def _own_job(principal: Principal, session: Session, job_id: int) -> PrintJob:
    principal.require(("kiosk",), "reporting a print result")
    job = session.get(PrintJob, job_id)
    if job is None or job.kiosk_id != principal.device_id:
        raise NotFound(f"print job {job_id} does not exist for this kiosk")
    return job


def report_result(ctx: Ctx, uow: UnitOfWork, job_id: int, body: p.PrintResult) -> p.PrintJob:
    job = _own_job(ctx.principal, uow.session, job_id)
    uow.lock_branch(job.branch_id)
    uow.reread(job)
    ticket = uow.session.get(Ticket, job.ticket_id)
    assert ticket is not None
    outcome = "printed" if body.ok else "failed"
    if job.state == outcome:  # the same report again (a retry): answer, change nothing
        return shown_job(ctx, job_wire(ctx, uow.session, job, ticket), ticket)
    if job.state != "pending":
        raise InvalidTransition(f"print job {job_id} is already {job.state}")
    job.state = outcome
    job.error = None if body.ok else (body.error or "print failed")
    job.finished_at = uow.now
    wire = job_wire(ctx, uow.session, job, ticket)
    reported = PrintCompleted if body.ok else PrintFailed
    uow.publish(reported(job.branch_id, ticket.id, wire))
    return shown_job(ctx, wire, ticket)


def _status(kiosk: Device) -> p.PrinterStatus | None:
    if kiosk.printer_reported_at is None:
        return None
    return p.PrinterStatus(
        online=bool(kiosk.printer_online), paper=kiosk.printer_paper or "ok",
        detail=kiosk.printer_detail, reported_at=kiosk.printer_reported_at,
    )  # fmt: skip


def report_status(
    ctx: Ctx, uow: UnitOfWork, kiosk_id: int, body: p.PrinterStatusReport
) -> p.PrinterStatus:
    """Store the kiosk's printer status; `printer.status` is published only when it changes."""
    ctx.principal.require(("kiosk",), "reporting printer status")
    if ctx.principal.device_id != kiosk_id:
        raise Forbidden("a kiosk reports only its own printer")
    kiosk = uow.session.get(Device, kiosk_id)
    assert kiosk is not None
    uow.lock_branch(kiosk.branch_id)
    uow.reread(kiosk)
    changed = (kiosk.printer_online, kiosk.printer_paper, kiosk.printer_detail) != (
        body.online,
        body.paper,
        body.detail,
    ) or kiosk.printer_reported_at is None
    kiosk.printer_online, kiosk.printer_paper, kiosk.printer_detail = (
        body.online, body.paper, body.detail
    )  # fmt: skip
    kiosk.printer_reported_at = uow.now
    status = _status(kiosk)
    assert status is not None
    if changed:
        uow.publish(PrinterStatusChanged(kiosk.branch_id, kiosk.id, status))
    return status


def jobs(ctx: Ctx, *, state: str | None, kiosk_id: int | None, branch_id: int | None,
         limit: int, offset: int, ticket_id: int | None = None,
         ) -> Sequence[p.PrintJob]:  # fmt: skip
    """A kiosk sees its own jobs; staff see their branches' (oldest first)."""
    principal = ctx.principal
    visible = None
    if principal.kind == "kiosk":
        kiosk_id = principal.device_id
    else:
        principal.require(("admin", "manager", "clerk"), "listing print jobs")
        if branch_id is not None:
            principal.require_branch(branch_id)
        visible = principal.visible_branches()
    with ctx.db.read() as session:
        rows = printing_repo.print_jobs(
            session, state=state, kiosk_id=kiosk_id, branch_id=branch_id, visible=visible,
            limit=limit, offset=offset, ticket_id=ticket_id,
        )  # fmt: skip
        if state == "pending":  # expired ones (not swept yet) are never printed
            now = ctx.clock()
            rows = [(job, t) for job, t in rows if not is_expired(session, job, now)]
        return [shown_job(ctx, job_wire(ctx, session, job, ticket), ticket) for job, ticket in rows]


def kiosks(ctx: Ctx, branch_id: int | None) -> Sequence[p.Kiosk]:
    ctx.principal.require(("admin", "manager", "clerk"), "listing kiosks")
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
    with ctx.db.read() as session:
        pending = printing_repo.pending_print_jobs(session)
        return [
            p.Kiosk(
                id=k.id,
                branch_id=k.branch_id,
                name=k.name,
                printer=_status(k),
                pending_jobs=pending.get(k.id, 0),
            )
            for k in auth_repo.devices(session, ctx.principal.visible_branches())
            if k.kind == "kiosk"
            and k.revoked_at is None
            and (branch_id is None or k.branch_id == branch_id)
        ]
