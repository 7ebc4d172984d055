"""`GET /api/v1/public/branches/{id}`: a hall's public information, no login (API.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server import protocol as p
from server.auth.deps import IdPath, StateDep
from server.auth.router import ERR
from server.public.info import CACHE_S, ClientWindow, PublicCache

router = APIRouter(prefix="/api/v1", tags=["public"])


def _cache(request: Request) -> PublicCache:
    """One cache per app (each test's app has its own database)."""
    state = request.app.state
    cache: PublicCache | None = getattr(state, "public_branches", None)
    if cache is None:
        cache = state.public_branches = PublicCache()
    return cache


def _limit(request: Request) -> ClientWindow:
    state = request.app.state
    window: ClientWindow | None = getattr(state, "public_clients", None)
    if window is None:
        window = state.public_clients = ClientWindow(state.hallq.settings.public_info_per_min)
    return window


@router.get("/public/branches/{branch_id}", response_model=p.PublicBranch, responses=ERR)
def public_branch(branch_id: IdPath, request: Request, app: StateDep) -> Response:
    """The hall's hours, the next special days, the notice and each service's queue and
    commitments (公示), for anyone; answered from memory, at most CACHE_S old. One client
    address gets 429 past HALLQ_PUBLIC_INFO_PER_MIN requests a minute."""
    _limit(request).take(request.client.host if request.client else "")
    body = _cache(request).get(app.db, branch_id, app.clock(), app.settings.priority_boost_min)
    return Response(
        body,
        media_type="application/json",
        headers={"Cache-Control": f"public, max-age={int(CACHE_S)}"},
    )
