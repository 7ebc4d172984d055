"""Health: the database and the bus answer."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from server import __version__
from server import protocol as p
from server.auth.deps import AppState

router = APIRouter(tags=["health"])


def _database_ok(app: AppState) -> bool:
    try:
        with app.db.read() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@router.get("/healthz", response_model=p.Health, responses={503: {"model": p.Health}})
async def healthz(request: Request) -> JSONResponse:
    app: AppState = request.app.state.hallq
    database = await asyncio.to_thread(_database_ok, app)
    bus = await app.bus.healthy()
    body = p.Health(
        status="ok" if database and bus else "unavailable",
        database="ok" if database else "down",
        bus="ok" if bus else "down",
        version=__version__,
    )
    return JSONResponse(body.model_dump(), status_code=200 if database and bus else 503)
