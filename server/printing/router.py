"""Print jobs, printer status and kiosks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server import protocol as p
from server.auth.deps import BranchQuery, CtxDep, IdPath, Limit, Offset, respond
from server.auth.router import CONFLICTS, ERR
from server.printing import service as printing

router = APIRouter(prefix="/api/v1", tags=["printing"])


@router.get("/print-jobs", response_model=list[p.PrintJob], responses=ERR)
def list_jobs(
    ctx: CtxDep,
    state: p.PrintJobState | None = None,
    kiosk_id: BranchQuery = None,
    branch_id: BranchQuery = None,
    ticket_id: BranchQuery = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.PrintJob]:
    """A kiosk gets its own jobs (`state=pending`: what it still has to print; `ticket_id`:
    the jobs of one ticket, e.g. for the QR code of a ticket that did not print)."""
    return list(printing.jobs(ctx, state=state, kiosk_id=kiosk_id, branch_id=branch_id,
                              limit=limit, offset=offset, ticket_id=ticket_id))  # fmt: skip


@router.post("/print-jobs/{job_id}/result", response_model=p.PrintJob, responses=CONFLICTS)
async def job_result(
    job_id: IdPath, body: p.PrintResult, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(ctx, lambda uow: printing.report_result(ctx, uow, job_id, body),
                   request=request, body=body)  # fmt: skip


@router.post("/kiosks/{kiosk_id}/printer-status", response_model=p.PrinterStatus,
             responses=CONFLICTS)  # fmt: skip
async def printer_status(
    kiosk_id: IdPath, body: p.PrinterStatusReport, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(ctx, lambda uow: printing.report_status(ctx, uow, kiosk_id, body),
                   request=request, body=body)  # fmt: skip


@router.get("/kiosks", response_model=list[p.Kiosk], responses=ERR)
def list_kiosks(ctx: CtxDep, branch_id: BranchQuery = None) -> list[p.Kiosk]:
    return list(printing.kiosks(ctx, branch_id))


@router.post("/tickets/{ticket_id}/reprint", status_code=202, response_model=p.PrintJob,
             responses=CONFLICTS)  # fmt: skip
async def reprint(
    ticket_id: IdPath, body: p.ReprintRequest, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(ctx, lambda uow: printing.reprint(ctx, uow, ticket_id, body),
                   request=request, body=body, status=202)  # fmt: skip
