"""Alerts (manager): the list, acknowledging one, the history as a file; devices' heartbeats."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from server import protocol as p
from server.alerts import service as alerts
from server.alerts.heartbeats import heartbeats
from server.auth.deps import BranchQuery, CtxDep, IdPath, Limit, Offset, StateDep, respond
from server.auth.router import CONFLICTS, ERR
from server.core import tables as files
from server.core.exports import exporting

router = APIRouter(prefix="/api/v1", tags=["alerts"])
ERR422 = ERR | {422: {"model": p.ErrorBody}}
FromQuery = Annotated[date | None, Query(alias="from", description="raised on or after")]
ToQuery = Annotated[date | None, Query(alias="to", description="raised on or before")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/alerts", response_model=list[p.Alert], responses=ERR422)
def list_alerts(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    active: bool | None = None,
    kind: p.AlertKind | None = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    limit: Limit = 1000,
    offset: Offset = 0,
    region_id: BranchQuery = None,
) -> list[p.Alert]:
    """Active alerts (`active=true`), ended ones (`active=false`) or all, newest first; of one
    hall (`branch_id`), of a region's whole subtree (`region_id`) or of every hall one sees."""
    selected = alerts.Filter(branch_id, active, kind, date_from, date_to, region_id)
    return alerts.alerts(ctx, selected, limit=limit, offset=offset)


@router.get(
    "/alerts/export",
    responses=ERR422 | {200: {"content": {"text/csv": {}, XLSX: {}}}, 429: {"model": p.ErrorBody}},
    response_class=Response,
)
def export_alerts(
    ctx: CtxDep,
    format: Literal["csv", "xlsx"] = "csv",
    branch_id: BranchQuery = None,
    active: bool | None = None,
    kind: p.AlertKind | None = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    locale: p.Locale = "zh-CN",
    region_id: BranchQuery = None,
) -> Response:
    """The alert history as CSV or XLSX, on the export lane (a few at a time, 429 beyond)."""
    selected = alerts.Filter(branch_id, active, kind, date_from, date_to, region_id)
    out = io.BytesIO()
    with ctx.db.exports.slot():
        lane = replace(ctx, db=exporting(ctx.db))
        with lane.db.read() as session:
            rows = alerts.export_rows(lane, session, selected)
            header = alerts.EXPORT_HEADER[locale]
            if format == "csv":
                files.write_csv(out, header, rows)
            else:
                files.write_xlsx(out, "alerts", header, rows)
    where = f"branch{branch_id}" if branch_id else f"region{region_id}" if region_id else "all"
    name = f"hallq-alerts-{where}.{format}"
    media_type = "text/csv; charset=utf-8" if format == "csv" else XLSX
    headers = {"Content-Disposition": files.content_disposition(name)}
    return Response(out.getvalue(), media_type=media_type, headers=headers)


@router.post("/alerts/{alert_id}/ack", response_model=p.Alert, responses=CONFLICTS)
async def acknowledge(alert_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    """A manager saw the alert (recorded: who and when; `alert.acknowledged` on the stream)."""
    return await respond(ctx, lambda uow: alerts.acknowledge(ctx, uow, alert_id),
                         request=request, body=None)  # fmt: skip


@router.get("/heartbeats", response_model=list[p.DeviceHeartbeat], responses=ERR422)
def device_heartbeats(
    ctx: CtxDep, app: StateDep, branch_id: Annotated[int, Query(ge=1, le=2**62)]
) -> list[p.DeviceHeartbeat]:
    """The branch's kiosk and display devices: last seen, online or offline, printer."""
    return heartbeats(ctx, branch_id, app.seen.streaming())
