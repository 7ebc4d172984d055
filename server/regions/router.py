"""Regions (admin), the HQ board: its figures and its live websocket."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response

from server import protocol as p
from server.auth import service as auth
from server.auth.deps import CtxDep, IdPath, Limit, Offset, respond
from server.auth.router import ERR
from server.core.context import Ctx
from server.core.errors import DomainError
from server.regions import inspections, ledger
from server.regions import service as regions
from server.regions.board import Board, Watcher, message
from server.regions.overview import overview, subtree_branches, tiles
from server.stats.reports import export as files
from server.stream.router import _refuse

router = APIRouter(prefix="/api/v1", tags=["regions"])
ERR409 = ERR | {409: {"model": p.ErrorBody}, 422: {"model": p.ErrorBody}}


@router.get("/regions", response_model=list[p.Region], responses=ERR)
def list_regions(ctx: CtxDep, limit: Limit = 1000, offset: Offset = 0) -> list[p.Region]:
    return regions.list_regions(ctx)[offset : offset + limit]


@router.post("/regions", status_code=201, response_model=p.Region, responses=ERR409)
async def create_region(body: p.RegionCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx, lambda uow: regions.create_region(ctx, uow, body), request=request, body=body,
        status=201,
    )  # fmt: skip


@router.get("/regions/{region_id}", response_model=p.Region, responses=ERR)
def get_region(region_id: IdPath, ctx: CtxDep) -> p.Region:
    return regions.get_region(ctx, region_id)


@router.patch("/regions/{region_id}", response_model=p.Region, responses=ERR409)
async def patch_region(
    region_id: IdPath, body: p.RegionPatch, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(
        ctx, lambda uow: regions.patch_region(ctx, uow, region_id, body), request=request,
        body=body,
    )  # fmt: skip


@router.delete("/regions/{region_id}", response_model=p.Region, responses=ERR409)
async def delete_region(region_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx, lambda uow: regions.delete_region(ctx, uow, region_id), request=request, body=None
    )


@router.get("/regions/{region_id}/overview", response_model=list[p.OverviewTile], responses=ERR)
def region_overview(region_id: IdPath, ctx: CtxDep) -> list[p.OverviewTile]:
    """The live board of the region's subtree: one tile per hall (managers of the region)."""
    return overview(ctx, region_id)


InspectionFilter = Annotated[int | None, Query(ge=1, le=2**62)]
FromQuery = Annotated[date | None, Query(alias="from")]
ToQuery = Annotated[date | None, Query(alias="to")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/inspections", status_code=201, response_model=p.Inspection, responses=ERR409)
async def create_inspection(
    body: p.InspectionCreate, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(
        ctx, lambda uow: inspections.create(ctx, uow, body), request=request, body=body,
        status=201,
    )  # fmt: skip


@router.get("/inspections", response_model=list[p.Inspection], responses=ERR409)
def list_inspections(
    ctx: CtxDep,
    branch_id: InspectionFilter = None,
    region_id: InspectionFilter = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.Inspection]:
    """Inspections of a hall, a region's subtree or every hall you see, newest first."""
    return inspections.listed(
        ctx, branch_id=branch_id, region_id=region_id, date_from=date_from, date_to=date_to,
        limit=limit, offset=offset,
    )  # fmt: skip


@router.get(
    "/inspections/export",
    responses=ERR409 | {200: {"content": {"text/csv": {}, XLSX: {}}}},
    response_class=Response,
)
def export_inspections(
    ctx: CtxDep,
    format: Literal["csv", "xlsx"] = "csv",
    branch_id: InspectionFilter = None,
    region_id: InspectionFilter = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
    locale: p.Locale = "zh-CN",
) -> Response:
    """The inspection ledger as a file (at most 10,000 rows)."""
    rows = inspections.listed(
        ctx, branch_id=branch_id, region_id=region_id, date_from=date_from, date_to=date_to,
        limit=10_000,
    )  # fmt: skip
    header, records = ledger.table(rows, locale)
    out = io.BytesIO()
    if format == "csv":
        files.write_csv(out, header, records)
    else:
        files.write_xlsx(out, "inspections", header, records)
    media = "text/csv; charset=utf-8" if format == "csv" else XLSX
    disposition = files.content_disposition(f"inspections.{format}")
    return Response(out.getvalue(), media_type=media,
                    headers={"Content-Disposition": disposition})  # fmt: skip


def _halls(ctx: Ctx, region_id: int) -> list[int]:
    with ctx.db.read() as session:
        return subtree_branches(ctx, session, region_id)


def _snapshot(ctx: Ctx, region_id: int, branch_ids: list[int]) -> str:
    with ctx.db.read() as session:
        now = ctx.clock()
        data = {
            "regions": [r.model_dump(mode="json") for r in regions.subtree(session, region_id)],
            "tiles": [t.model_dump(mode="json") for t in tiles(session, branch_ids, now)],
        }
    return message("snapshot", now, data)


@router.websocket("/regions/{region_id}/board")
async def board(ws: WebSocket, region_id: IdPath, token: str = Query("")) -> None:
    """The board's live feed: a `snapshot` (the subtree's regions and tiles), then `tiles`
    messages with the tiles of the halls that changed (server/regions/board.py)."""
    app = ws.app.state.hallq
    await ws.accept()
    try:
        principal = await asyncio.to_thread(auth.authenticate, app.ctx(), token)
        ctx = app.ctx(principal)
        branch_ids = await asyncio.to_thread(_halls, ctx, region_id)
    except DomainError as exc:
        await _refuse(ws, exc)
        return
    live: Board | None = getattr(ws.app.state, "board", None)
    if live is None:
        live = ws.app.state.board = Board(app.hub, app.ctx)
    watcher = live.watch(branch_ids)  # before the read: no change after it is missed
    try:
        await ws.send_text(await asyncio.to_thread(_snapshot, ctx, region_id, branch_ids))
        receiver = asyncio.create_task(_drain(ws))
        sender = asyncio.create_task(_send(ws, watcher))
        _, pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        await live.unwatch(watcher)


async def _drain(ws: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await ws.receive_text()


async def _send(ws: WebSocket, watcher: Watcher) -> None:
    while (text := await watcher.queue.get()) is not None:
        await ws.send_text(text)
    await ws.close(1013, "too slow")
