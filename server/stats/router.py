"""Statistics (manager): summary, breakdown, export; the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from server import protocol as p
from server.auth.deps import BranchQuery, CtxDep, Limit, Offset
from server.auth.router import ERR
from server.core.context import Ctx
from server.stats import service as stats
from server.stats.figures import Scope
from server.stats.reports import export as files

router = APIRouter(prefix="/api/v1", tags=["statistics"])
ERR422 = ERR | {422: {"model": p.ErrorBody}}
FromQuery = Annotated[date | None, Query(alias="from", description="first business date")]
ToQuery = Annotated[date | None, Query(alias="to", description="last business date (inclusive)")]
RegionQuery = Annotated[str | None, Query(max_length=100, description="all halls of a region")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/stats/summary", response_model=p.StatsSummary, responses=ERR422)
def summary(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    region: RegionQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> p.StatsSummary:
    """Figures over business dates `from`..`to` of a hall, a region, or every hall you see."""
    return stats.summary(ctx, stats.Selection(branch_id, region, date_from, date_to))


@router.get("/stats/breakdown", response_model=list[p.StatsRow], responses=ERR422)
def breakdown(
    ctx: CtxDep,
    group_by: p.StatsGroup,
    branch_id: BranchQuery = None,
    region: RegionQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    locale: p.Locale | None = None,
) -> list[p.StatsRow]:
    """The summary's figures per service, counter, clerk, hour of day, day or hall."""
    selection = stats.Selection(branch_id, region, date_from, date_to)
    return stats.breakdown(ctx, selection, group_by, locale)


@router.get("/stats/wait-distribution", response_model=list[p.StatsBucket], responses=ERR422)
def wait_distribution(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    region: RegionQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> list[p.StatsBucket]:
    """How many waits fell in 0–5, 5–10, 10–15, 15–20, 20–30, 30–45, 45–60, 60+ minutes."""
    return stats.wait_distribution(ctx, stats.Selection(branch_id, region, date_from, date_to))


@router.get(
    "/stats/export",
    responses=ERR422 | {200: {"content": {"text/csv": {}, XLSX: {}}}},
    response_class=Response,
)
def export(
    ctx: CtxDep,
    format: Literal["csv", "xlsx"] = "csv",  # API.md names it `format`
    kind: Literal["tickets", "grouped"] = "tickets",
    group_by: p.StatsGroup = "service",
    branch_id: BranchQuery = None,
    region: RegionQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    locale: p.Locale | None = None,
) -> Response:
    """One row per ticket (`kind=tickets`) or the breakdown table (`kind=grouped`)."""
    selection = stats.Selection(branch_id, region, date_from, date_to)
    sheet_tickets = format == "xlsx" and kind == "tickets"
    scope, labels = stats.export_scope(
        ctx, selection, locale, max_tickets=files.XLSX_MAX_ROWS if sheet_tickets else None
    )
    if kind == "grouped":
        rows = stats.breakdown(ctx, selection, group_by, labels.locale)
        header = files.group_header(group_by, labels.locale)
        name = files.filename("stats", scope, format, group_by)
        if format == "csv":
            body = files.csv_bytes(header, files.group_records(rows))
            return _download(body, "text/csv; charset=utf-8", name)
        return _download(files.xlsx_bytes(group_by, header, files.group_records(rows)), XLSX, name)
    header = files.ticket_header(labels.locale)
    name = files.filename("tickets", scope, format)
    if format == "csv":
        return StreamingResponse(
            _ticket_csv(ctx, scope, labels, header),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": files.content_disposition(name)},
        )
    with ctx.db.read() as session:
        body = files.xlsx_bytes("tickets", header, files.ticket_records(session, scope, labels))
    return _download(body, XLSX, name)


def _ticket_csv(ctx: Ctx, scope: Scope, labels: stats.Labels, header: list[str]) -> Iterator[bytes]:
    with ctx.db.read() as session:
        yield from files.csv_chunks(header, files.ticket_records(session, scope, labels))


def _download(body: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": files.content_disposition(name)}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/audit", response_model=list[p.AuditEntry], responses=ERR422)
def audit(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    user_id: BranchQuery = None,
    ticket_id: BranchQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.AuditEntry]:
    """The audit log (ticket_event): who did what, when, at which counter or device."""
    selection = stats.Selection(branch_id, None, date_from, date_to)
    return stats.audit(
        ctx, selection, user_id=user_id, ticket_id=ticket_id, limit=limit, offset=offset
    )
