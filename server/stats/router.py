"""Statistics (manager): summary, breakdown, export."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import date
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from server import protocol as p
from server.auth.deps import BranchQuery, CtxDep
from server.auth.router import ERR
from server.core.exports import exporting
from server.stats import estimates
from server.stats import service as stats
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
    region_id: BranchQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> p.StatsSummary:
    """Figures over business dates `from`..`to` of a hall, a region, or every hall you see."""
    return stats.summary(ctx, stats.Selection(branch_id, region, date_from, date_to, region_id))


@router.get("/stats/breakdown", response_model=list[p.StatsRow], responses=ERR422)
def breakdown(
    ctx: CtxDep,
    group_by: p.StatsGroup,
    branch_id: BranchQuery = None,
    region: RegionQuery = None,
    region_id: BranchQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    locale: p.Locale | None = None,
) -> list[p.StatsRow]:
    """The summary's figures per service, counter, clerk, hour of day, day or hall."""
    selection = stats.Selection(branch_id, region, date_from, date_to, region_id)
    return stats.breakdown(ctx, selection, group_by, locale)


@router.get("/stats/wait-distribution", response_model=list[p.StatsBucket], responses=ERR422)
def wait_distribution(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    region: RegionQuery = None,
    region_id: BranchQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> list[p.StatsBucket]:
    """How many waits fell in 0–5, 5–10, 10–15, 15–20, 20–30, 30–45, 45–60, 60+ minutes."""
    return stats.wait_distribution(
        ctx, stats.Selection(branch_id, region, date_from, date_to, region_id)
    )


@router.get("/stats/estimates", response_model=p.EstimateAccuracy, responses=ERR422)
def estimate_accuracy(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    region_id: BranchQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> p.EstimateAccuracy:
    """hallq's wait estimates and the naive ones, given at issue, against the waits that
    followed: over the called tickets of business dates `from`..`to`, per service and hour."""
    selection = stats.Selection(branch_id, None, date_from, date_to, region_id)
    return estimates.report(ctx, selection)


@router.get(
    "/stats/export",
    responses=ERR422 | {200: {"content": {"text/csv": {}, XLSX: {}}}, 429: {"model": p.ErrorBody}},
    response_class=Response,
)
def export(
    ctx: CtxDep,
    format: Literal["csv", "xlsx"] = "csv",  # API.md names it `format`
    kind: Literal["tickets", "grouped"] = "tickets",
    group_by: p.StatsGroup = "service",
    branch_id: BranchQuery = None,
    region: RegionQuery = None,
    region_id: BranchQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    locale: p.Locale | None = None,
) -> Response:
    """One row per ticket (`kind=tickets`) or the breakdown table (`kind=grouped`). At most
    `HALLQ_MAX_EXPORTS` run at once (429 `rate_limited` with Retry-After beyond): each is
    written whole on a connection of the export lane, then sent with its Content-Length."""
    selection = stats.Selection(branch_id, region, date_from, date_to, region_id)
    sheet_tickets = format == "xlsx" and kind == "tickets"
    scope, labels = stats.export_scope(
        ctx, selection, locale, max_tickets=files.XLSX_MAX_ROWS if sheet_tickets else None
    )
    media_type = "text/csv; charset=utf-8" if format == "csv" else XLSX
    # closed by _chunks once sent (or below on failure): it outlives this function
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        with ctx.db.exports.slot():
            lane = replace(ctx, db=exporting(ctx.db))
            if kind == "grouped":
                rows = stats.breakdown(lane, selection, group_by, labels.locale)
                header = files.group_header(group_by, labels.locale)
                name = files.filename("stats", scope, format, group_by)
                _write(out, format, group_by, header, files.group_records(rows))
            else:
                header = files.ticket_header(labels.locale)
                name = files.filename("tickets", scope, format)
                with lane.db.read() as session:
                    records = files.ticket_records(session, scope, labels)
                    _write(out, format, "tickets", header, records)
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    headers = {"Content-Disposition": files.content_disposition(name), "Content-Length": str(size)}
    return StreamingResponse(_chunks(out), media_type=media_type, headers=headers)


SPOOL_BYTES = 4 * 1024 * 1024
"""An export larger than this is written to a temporary file rather than kept in memory."""


def _write(
    out: IO[bytes], format: str, title: str, header: list[str], records: Iterable[files.Row]
) -> None:
    if format == "csv":
        files.write_csv(out, header, records)
    else:
        files.write_xlsx(out, title, header, records)


async def _chunks(out: IO[bytes]) -> AsyncIterator[bytes]:
    """The written file, sent after the connection went back: a slow client holds none."""
    try:
        while chunk := await run_in_threadpool(out.read, 65536):
            yield chunk
    finally:
        out.close()
