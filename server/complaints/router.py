"""Complaints and the follow-up ledger over HTTP (thin: the use cases are in service.py and
followups.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from server import protocol as p
from server.auth.deps import BranchQuery, CtxDep, IdPath, Limit, Offset, respond
from server.auth.router import CONFLICTS, ERR
from server.complaints import followups
from server.complaints import service as complaints
from server.complaints.ledger import ledger_file
from server.complaints.throttle import ClientLimit
from server.core.exports import exporting
from server.core.tables import content_disposition

router = APIRouter(prefix="/api/v1", tags=["complaints"])
PublicId = Annotated[str, Path(min_length=1, max_length=64)]
LIMITED = CONFLICTS | {429: {"model": p.ErrorBody}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _client_limit(request: Request) -> ClientLimit:
    """One per app (each test builds its own app)."""
    found: ClientLimit | None = getattr(request.app.state, "complaint_limit", None)
    if found is None:
        found = request.app.state.complaint_limit = ClientLimit()
    return found


@router.post("/complaints", status_code=201, response_model=p.Complaint, responses=CONFLICTS)
async def create(body: p.ComplaintCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    """Staff record a complaint made by phone, by letter or at the desk."""
    return await respond(ctx, lambda uow: complaints.create(ctx, uow, body), request=request,
                         body=body, status=201)  # fmt: skip


@router.post("/public/tickets/{public_id}/complaint", status_code=201,
             response_model=p.ComplaintReceipt, responses=LIMITED)  # fmt: skip
async def create_public(
    public_id: PublicId, body: p.PublicComplaintCreate, request: Request, ctx: CtxDep
) -> JSONResponse:
    """The customer's complaint or suggestion from the mobile ticket page (no login: the public
    id is the capability). Limited per ticket and per client address (429 `rate_limited`)."""
    # Counted before the key is looked up: a new key on every request must not get round it.
    _client_limit(request).take(request.client.host if request.client else "")
    return await respond(ctx, lambda uow: complaints.create_public(uow, public_id, body),
                         request=request, body=body, status=201)  # fmt: skip


@router.patch("/complaints/{complaint_id}", response_model=p.Complaint, responses=CONFLICTS)
async def update(
    complaint_id: IdPath, body: p.ComplaintUpdate, request: Request, ctx: CtxDep
) -> JSONResponse:
    """Assign, resolve or reject (managers of the hall)."""
    return await respond(ctx, lambda uow: complaints.update(ctx, uow, complaint_id, body),
                         request=request, body=body)  # fmt: skip


@router.get("/complaints", response_model=list[p.Complaint], responses=ERR)
def listed(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    state: p.ComplaintState | None = None,
    category: p.ComplaintCategory | None = None,
    overdue: bool = False,
    limit: Limit = 1000,
    offset: Offset = 0,
    region_id: BranchQuery = None,
) -> list[p.Complaint]:
    """Managers of the hall (or of the region: its whole subtree); `overdue=true`: still
    unanswered after their deadline."""
    return list(complaints.listed(ctx, branch_id=branch_id, state=state, category=category,
                                  overdue=overdue, limit=limit, offset=offset,
                                  region_id=region_id))  # fmt: skip


@router.get("/complaints/{complaint_id}", response_model=p.ComplaintDetail, responses=ERR)
def detail(complaint_id: IdPath, ctx: CtxDep) -> p.ComplaintDetail:
    """One complaint with its full history."""
    return complaints.detail(ctx, complaint_id)


@router.post("/follow-ups", status_code=201, response_model=p.FollowUp, responses=CONFLICTS)
async def open_follow_up(body: p.FollowUpCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(ctx, lambda uow: followups.create(ctx, uow, body), request=request,
                         body=body, status=201)  # fmt: skip


@router.patch("/follow-ups/{follow_up_id}", response_model=p.FollowUp, responses=CONFLICTS)
async def close_follow_up(
    follow_up_id: IdPath, body: p.FollowUpUpdate, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(ctx, lambda uow: followups.update(ctx, uow, follow_up_id, body),
                         request=request, body=body)  # fmt: skip


@router.get("/follow-ups", response_model=list[p.FollowUp], responses=ERR)
def ledger(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    state: p.FollowUpState | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.FollowUp]:
    """The follow-up ledger (managers of the hall): open tasks by due date first."""
    return list(followups.rows(ctx, branch_id=branch_id, state=state, limit=limit,
                               offset=offset))  # fmt: skip


@router.get(
    "/follow-ups/export",
    responses=ERR | {200: {"content": {"text/csv": {}, XLSX: {}}}, 429: {"model": p.ErrorBody}},
    response_class=Response,
)
def export(
    ctx: CtxDep,
    format: Literal["csv", "xlsx"] = "csv",
    branch_id: BranchQuery = None,
    state: p.FollowUpState | None = None,
    locale: p.Locale = Query("zh-CN"),
) -> Response:
    """The ledger as a file, through the export lane (429 with Retry-After when it is full)."""
    with ctx.db.exports.slot():
        lane = replace(ctx, db=exporting(ctx.db))
        rows = followups.rows(lane, branch_id=branch_id, state=state, limit=10000, offset=0)
        zones = followups.time_zones(lane)
    content, name = ledger_file(rows, format, locale, zones, branch_id)
    media = "text/csv; charset=utf-8" if format == "csv" else XLSX
    return Response(content, media_type=media,
                    headers={"Content-Disposition": content_disposition(name)})  # fmt: skip
