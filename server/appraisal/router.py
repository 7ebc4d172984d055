"""Ratings with their comments (managers) and the clerk appraisal (managers; a clerk its own
row), as JSON or as CSV/XLSX files read on the export lane."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from server import protocol as p
from server.appraisal import files
from server.appraisal import service as appraisal
from server.appraisal.repository import RatingFilter
from server.auth.deps import BranchQuery, CtxDep, Limit, Offset
from server.core.context import Ctx
from server.core.exports import exporting
from server.stats import service as stats
from server.stats.reports import export as sheets
from server.stats.reports.export import Cell
from server.stats.router import ERR422, XLSX, FromQuery, ToQuery

router = APIRouter(prefix="/api/v1", tags=["quality"])
RegionQuery = Annotated[str | None, Query(max_length=100, description="all halls of a region")]
Format = Literal["json", "csv", "xlsx"]
EXPORT_MAX = 100_000
"""Rows of a ratings file (a year of a busy hall's ratings)."""


@router.get("/ratings", response_model=list[p.RatingOut], responses=ERR422)
def ratings(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    region_id: BranchQuery = None,
    region: RegionQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    max_score: Annotated[int | None, Query(ge=1, le=5)] = None,
    service_id: BranchQuery = None,
    counter_id: BranchQuery = None,
    clerk_id: BranchQuery = None,
    format: Format = "json",
    locale: p.Locale | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.RatingOut] | Response:
    """Rated tickets with their comments, newest first: `max_score=2` finds the low ones."""
    selection = stats.Selection(branch_id, region, date_from, date_to, region_id)
    where = RatingFilter(max_score, service_id, counter_id, clerk_id)
    if format == "json":
        return appraisal.ratings(ctx, selection, where, limit=limit, offset=offset)
    with ctx.db.exports.slot():
        lane = replace(ctx, db=exporting(ctx.db))
        rows = appraisal.ratings(lane, selection, where, limit=EXPORT_MAX, offset=0)
        scope, labels = stats.export_scope(lane, selection, locale)
    records = files.rating_records(rows, scope, labels)
    name = files.filename("ratings", scope, format)
    return _file(format, name, "ratings", files.rating_header(labels.locale), records)


@router.get("/stats/clerks", response_model=list[p.ClerkAppraisal], responses=ERR422)
def clerks(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    region_id: BranchQuery = None,
    region: RegionQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    format: Format = "json",
    locale: p.Locale | None = None,
) -> list[p.ClerkAppraisal] | Response:
    """One row per clerk (a clerk: its own row only); `format=csv|xlsx` as a file."""
    selection = stats.Selection(branch_id, region, date_from, date_to, region_id)
    if format == "json":
        return appraisal.clerks(ctx, selection, locale).rows
    result = _on_lane(ctx, lambda lane: appraisal.clerks(lane, selection, locale))
    records = files.appraisal_records(result.rows)
    name = files.filename("appraisal", result.scope, format)
    return _file(format, name, "appraisal", files.appraisal_header(result.locale), records)


def _on_lane(ctx: Ctx, read: Callable[[Ctx], appraisal.Appraisal]) -> appraisal.Appraisal:
    """Read on a connection of the export lane (a few files at a time, 429 beyond)."""
    with ctx.db.exports.slot():
        return read(replace(ctx, db=exporting(ctx.db)))


def _file(format: str, name: str, title: str, header: list[str], records: Iterable[list[Cell]]
          ) -> Response:  # fmt: skip
    if format == "csv":
        body, media_type = sheets.csv_bytes(header, records), "text/csv; charset=utf-8"
    else:
        body, media_type = sheets.xlsx_bytes(title, header, records), XLSX
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": sheets.content_disposition(name)})  # fmt: skip
