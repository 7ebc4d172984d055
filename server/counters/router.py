"""Counter actions. Each answers {"counter", "ticket"}."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from server import protocol as p
from server.auth.deps import CtxDep, IdPath, respond
from server.auth.router import CONFLICTS
from server.core.context import Ctx
from server.core.unit_of_work import UnitOfWork
from server.counters import service as c

router = APIRouter(prefix="/api/v1/counters", tags=["counter actions"])
Action = Callable[[Ctx, UnitOfWork, int], p.CounterActionResult]


async def _act(
    ctx: Ctx, request: Request, counter_id: int, run: Callable[[UnitOfWork], BaseModel],
    body: BaseModel | None,
) -> JSONResponse:  # fmt: skip
    return await respond(ctx, run, request=request, body=body)


def _plain(name: str, action: Action, summary: str) -> None:
    async def endpoint(counter_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
        return await _act(ctx, request, counter_id, lambda uow: action(ctx, uow, counter_id), None)

    endpoint.__name__ = name.replace("-", "_")
    router.add_api_route(
        f"/{{counter_id}}/{name}", endpoint, methods=["POST"], summary=summary,
        response_model=p.CounterActionResult, responses=CONFLICTS,
    )  # fmt: skip


_plain("open", c.open_counter, "Open the counter (the caller becomes its clerk)")
_plain("close", c.close_counter, "Close the counter")
_plain("recall", c.recall, "Announce the ticket in hand again")
_plain("start", c.start, "The customer arrived: start serving")
_plain("no-show", c.no_show, "The called customer did not come")
_plain("park", c.park, "Set the ticket in hand aside")


@router.post("/{counter_id}/pause", response_model=p.CounterActionResult, responses=CONFLICTS)
async def pause(
    counter_id: IdPath, request: Request, ctx: CtxDep, body: p.PauseRequest | None = None
) -> JSONResponse:
    body = body or p.PauseRequest()
    reason = body.reason
    return await _act(
        ctx, request, counter_id, lambda u: c.pause_counter(ctx, u, counter_id, reason), body
    )


@router.post("/{counter_id}/call-next", response_model=p.CounterActionResult, responses=CONFLICTS)
async def call_next(
    counter_id: IdPath, request: Request, ctx: CtxDep, body: p.CallNextRequest | None = None
) -> JSONResponse:
    req = body or p.CallNextRequest()
    return await _act(ctx, request, counter_id, lambda u: c.call_next(ctx, u, counter_id, req), req)


@router.post("/{counter_id}/call", response_model=p.CounterActionResult, responses=CONFLICTS)
async def call(
    counter_id: IdPath, body: p.CallRequest, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await _act(
        ctx, request, counter_id, lambda u: c.call_specific(ctx, u, counter_id, body), body
    )


@router.post("/{counter_id}/complete", response_model=p.CounterActionResult, responses=CONFLICTS)
async def complete(
    counter_id: IdPath, request: Request, ctx: CtxDep, body: p.CompleteRequest | None = None
) -> JSONResponse:
    req = body or p.CompleteRequest()
    return await _act(ctx, request, counter_id, lambda u: c.complete(ctx, u, counter_id, req), req)


@router.post("/{counter_id}/transfer", response_model=p.CounterActionResult, responses=CONFLICTS)
async def transfer(
    counter_id: IdPath, body: p.TransferRequest, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await _act(
        ctx, request, counter_id, lambda u: c.transfer(ctx, u, counter_id, body), body
    )


@router.post("/{counter_id}/resume", response_model=p.CounterActionResult, responses=CONFLICTS)
async def resume(
    counter_id: IdPath, body: p.ResumeRequest, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await _act(ctx, request, counter_id, lambda u: c.resume(ctx, u, counter_id, body), body)
