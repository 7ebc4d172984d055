"""Health: the database and the bus answer."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server import __version__
from server import protocol as p
from server.auth.deps import AppState
from server.core import installation

router = APIRouter(tags=["health"])


def _database(app: AppState) -> tuple[bool, str | None]:
    """Whether the database answers, and the installation id it holds."""
    try:
        with app.db.read() as session:
            return True, installation.current(session)
    except Exception:
        return False, None


@router.get("/healthz", response_model=p.Health, responses={503: {"model": p.Health}})
async def healthz(request: Request) -> JSONResponse:
    app: AppState = request.app.state.hallq
    database, installation_id = await asyncio.to_thread(_database, app)
    bus = await app.bus.healthy()
    body = p.Health(
        status="ok" if database and bus else "unavailable",
        database="ok" if database else "down",
        bus="ok" if bus else "down",
        version=__version__,
        installation=installation_id,
    )
    return JSONResponse(body.model_dump(), status_code=200 if database and bus else 503)
