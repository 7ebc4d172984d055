"""The published results over HTTP: public (no login), limited per client address, cached."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from server import protocol as p
from server.auth.deps import CtxDep, IdPath
from server.auth.router import ERR
from server.complaints.throttle import ClientLimit
from server.results import service as results
from server.results.service import KEEP_S, ResultsCache

router = APIRouter(prefix="/api/v1", tags=["results"])
PER_CLIENT, WINDOW_S = 60, 60.0
"""Requests of one client address a minute: a TV asks every few minutes and a phone once;
a hall's shared Wi-Fi is one address, so this leaves room for a crowd reading it."""
Month = Annotated[str | None, Query(max_length=7, description="YYYY-MM (default: this month)")]


def _parts(request: Request) -> tuple[ClientLimit, ResultsCache]:
    """One limit and one cache per app (each test builds its own app)."""
    state = request.app.state
    if getattr(state, "results_cache", None) is None:
        state.results_limit = ClientLimit(PER_CLIENT, WINDOW_S, "too many requests from this "
                                          "address; please try again in a minute")  # fmt: skip
        state.results_cache = ResultsCache()
    return state.results_limit, state.results_cache


@router.get("/public/branches/{branch_id}/results", response_model=p.PublishedResults,
            responses=ERR | {422: {"model": p.ErrorBody}, 429: {"model": p.ErrorBody}})  # fmt: skip
def published(
    branch_id: IdPath, request: Request, ctx: CtxDep, month: Month = None
) -> JSONResponse:
    """A hall's satisfaction and waits within target this month (or `month`, up to 12 back),
    per service, and per counter when its `publish_results` is "counter"; 404 when the hall
    does not publish them. Never a clerk's name or id."""
    limit, cache = _parts(request)
    limit.take(request.client.host if request.client else "")
    found = results.published(ctx, cache, branch_id, month)
    return JSONResponse(found.model_dump(mode="json"),
                        headers={"Cache-Control": f"public, max-age={int(KEEP_S)}"})  # fmt: skip
