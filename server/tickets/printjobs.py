"""A ticket's print jobs: queued at a kiosk in the transaction that issues or reprints it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy.orm import Session

from server import protocol as p
from server.auth.models import Device
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import Conflict, NotFound
from server.core.events import Record, serializer
from server.core.models import Branch
from server.core.unit_of_work import UnitOfWork
from server.halls.models import Service
from server.halls.settings import branch_settings
from server.tickets.models import PrintJob, Ticket
from server.tickets.views import sees_public_ids, ticket_wire, with_public_id


def job_wire(
    ctx: Ctx, session: Session, job: PrintJob, ticket: Ticket, wire: p.Ticket | None = None
) -> p.PrintJob:
    """The job as the event stream carries it: without the customer's key (`shown_job`)."""
    branch = core_repo.row(session, Branch, job.branch_id)
    service = core_repo.row(session, Service, ticket.issued_service_id)
    assert branch is not None and service is not None
    locale = ticket.locale if ticket.locale in ("zh-CN", "zh-TW", "en") else branch.locale
    return p.PrintJob(
        id=job.id,
        branch_id=job.branch_id,
        kiosk_id=job.kiosk_id,
        ticket_id=job.ticket_id,
        state=job.state,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=expires_at(branch, job.created_at),
        locale=locale,
        ticket=wire or ticket_wire(session, ticket, ctx.clock()),
        branch_name=branch.name,
        service_name=dict(service.name),
        footer=branch_settings(branch).ticket_footer,
        public_url=None,
    )


def shown_job(ctx: Ctx, job: p.PrintJob, ticket: Ticket) -> p.PrintJob:
    """`job` as the caller may see it: its own kiosk (which prints the QR code), managers and
    admins get the ticket's public_id and public_url; everyone else gets them null."""
    who = ctx.principal
    own = who.kind == "kiosk" and who.device_id == job.kiosk_id
    if not (own or sees_public_ids(who)):
        return job
    base = ctx.settings.public_base_url.rstrip("/")
    return job.model_copy(
        update={
            "ticket": with_public_id(job.ticket, ticket),
            "public_url": f"{base}/t/{ticket.public_id}",
        }
    )


def expires_at(branch: Branch, created_at: datetime) -> datetime:
    """When a job queued at `created_at` expires if still pending (`print_job_ttl_s`): a
    ticket printed minutes late is for a customer who has gone, or been served already."""
    return created_at + timedelta(seconds=branch_settings(branch).print_job_ttl_s)


def _kiosk(session: Session, kiosk_id: int, branch_id: int) -> Device:
    kiosk = session.get(Device, kiosk_id)
    if kiosk is None or kiosk.kind != "kiosk" or kiosk.branch_id != branch_id:
        raise NotFound(f"kiosk {kiosk_id} does not exist in this branch")
    if kiosk.revoked_at is not None:
        raise Conflict(f"kiosk {kiosk_id} has been revoked")
    return kiosk


def queue_job(
    ctx: Ctx, uow: UnitOfWork, ticket: Ticket, kiosk_id: int, wire: p.Ticket | None = None
) -> p.PrintJob:
    """Queue a print of `ticket` at the kiosk (in the caller's transaction; branch locked);
    `wire` is the ticket's wire form when the caller has just built it. Answers the job as
    the caller may see it."""
    _kiosk(uow.session, kiosk_id, ticket.branch_id)
    job = PrintJob(
        branch_id=ticket.branch_id, kiosk_id=kiosk_id, ticket_id=ticket.id, state="pending",
        created_at=uow.now,
    )  # fmt: skip
    uow.session.add(job)
    uow.session.flush()
    job_out = job_wire(ctx, uow.session, job, ticket, wire)
    uow.publish(PrintRequested(ticket.branch_id, ticket.id, job_out))
    return shown_job(ctx, job_out, ticket)


@dataclass(frozen=True)
class PrintJobEvent:
    """A print job was queued or reported on; it carries the job as kiosks receive it."""

    type: ClassVar[str]
    branch_id: int
    ticket_id: int
    job: p.PrintJob


class PrintRequested(PrintJobEvent):
    type = "print.requested"


class PrintCompleted(PrintJobEvent):
    type = "print.completed"


class PrintFailed(PrintJobEvent):
    type = "print.failed"


@serializer(PrintJobEvent)
def print_job_record(uow: UnitOfWork, event: PrintJobEvent) -> Record:
    data = {"job": event.job.model_dump(mode="json")}
    return Record(event.branch_id, event.type, data, ticket_id=event.ticket_id)
