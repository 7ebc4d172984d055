"""The audit trail (API.md "Audit"): read and export it (manager), verify it (admin).

Read-only by design: there is no route that changes or deletes a record; the only writes
are the appends made with each change and the retention purge (server/audit/service.py)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from server import protocol as p
from server.audit import export, service
from server.auth.deps import BranchQuery, CtxDep, Limit, Offset
from server.auth.router import ERR
from server.core import tables as files
from server.core.exports import exporting
from server.stats.router import ERR422, SPOOL_BYTES, XLSX, FromQuery, ToQuery

router = APIRouter(prefix="/api/v1", tags=["audit"])
KindQuery = Annotated[
    str | None, Query(max_length=40, description='"ticket.called", or a prefix: "ticket."')
]
ActorQuery = Annotated[
    str | None,
    Query(max_length=100, description="a username or device name, or user|device|customer|system"),
]
SubjectQuery = Annotated[
    str | None, Query(max_length=60, description='"ticket:12", or a prefix: "service:"')
]


def selection(
    branch_id: BranchQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    kind: KindQuery = None,
    actor: ActorQuery = None,
    subject: SubjectQuery = None,
    user_id: BranchQuery = None,
    ticket_id: BranchQuery = None,
) -> service.Query:
    """The records asked for, from the query string (the list and the export take the same)."""
    return service.Query(branch_id, date_from, date_to, kind, actor, subject, user_id, ticket_id)


Selected = Annotated[service.Query, Depends(selection)]


@router.get("/audit", response_model=list[p.AuditEntry], responses=ERR422)
def audit(
    ctx: CtxDep,
    q: Selected,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.AuditEntry]:
    """The audit trail, newest first: who did what, when, to what; with each record's hash."""
    return service.entries(ctx, q, limit=limit, offset=offset)


@router.get("/audit/verify", response_model=p.AuditVerify, responses=ERR)
def verify(ctx: CtxDep) -> p.AuditVerify:
    """Check the whole chain: `ok`, or the first record changed, removed or inserted."""
    return service.verify_chain(ctx)


@router.get(
    "/audit/export",
    responses=ERR422 | {200: {"content": {"text/csv": {}, XLSX: {}}}, 429: {"model": p.ErrorBody}},
    response_class=Response,
)
def export_audit(
    ctx: CtxDep,
    q: Selected,
    format: Literal["csv", "xlsx"] = "csv",
    locale: p.Locale | None = None,
) -> Response:
    """The selected records as CSV or XLSX, through the export lane (429 when it is full)."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        with ctx.db.exports.slot():
            lane = replace(ctx, db=exporting(ctx.db))
            rows = service.entries(lane, q, limit=export.MAX_ROWS)
            header, records = export.table(rows, locale or "en")
            if format == "csv":
                files.write_csv(out, header, records)
            else:
                files.write_xlsx(out, "audit", header, records)
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    name = f"audit.{format}"
    headers = {"Content-Disposition": files.content_disposition(name), "Content-Length": str(size)}
    media_type = "text/csv; charset=utf-8" if format == "csv" else XLSX
    return StreamingResponse(export.chunks(out), media_type=media_type, headers=headers)
