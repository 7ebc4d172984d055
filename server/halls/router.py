"""Branches, services and counters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server import protocol as p
from server.auth.deps import BranchQuery, CtxDep, IdPath, Limit, Offset, respond
from server.auth.router import ERR
from server.halls import service as config

router = APIRouter(prefix="/api/v1", tags=["configuration"])


@router.get("/branches", response_model=list[p.Branch], responses=ERR)
def list_branches(ctx: CtxDep, limit: Limit = 1000, offset: Offset = 0) -> list[p.Branch]:
    ctx.principal.require(("admin", "manager", "clerk", "kiosk", "display"), "listing branches")
    return config.list_branches(ctx)[offset : offset + limit]


@router.post("/branches", status_code=201, response_model=p.BranchDetail, responses=ERR)
async def create_branch(body: p.BranchCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx,
        lambda uow: config.create_branch(ctx, uow, body),
        request=request,
        body=body,
        status=201,
    )


@router.get("/branches/{branch_id}", response_model=p.BranchDetail, responses=ERR)
def get_branch(branch_id: IdPath, ctx: CtxDep) -> p.BranchDetail:
    return config.get_branch(ctx, branch_id)


@router.patch("/branches/{branch_id}", response_model=p.BranchDetail, responses=ERR)
async def patch_branch(
    branch_id: IdPath, body: p.BranchPatch, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(
        ctx, lambda uow: config.patch_branch(ctx, uow, branch_id, body), request=request, body=body
    )


@router.get("/services", response_model=list[p.Service], responses=ERR)
def list_services(
    ctx: CtxDep, branch_id: BranchQuery = None, limit: Limit = 1000, offset: Offset = 0
) -> list[p.Service]:
    ctx.principal.require(("admin", "manager", "clerk", "kiosk", "display"), "listing services")
    return config.list_services(ctx, branch_id)[offset : offset + limit]


@router.post("/services", status_code=201, response_model=p.Service, responses=ERR)
async def create_service(body: p.ServiceCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx,
        lambda uow: config.create_service(ctx, uow, body),
        request=request,
        body=body,
        status=201,
    )


@router.patch("/services/{service_id}", response_model=p.Service, responses=ERR)
async def patch_service(
    service_id: IdPath, body: p.ServicePatch, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(
        ctx,
        lambda uow: config.patch_service(ctx, uow, service_id, body),
        request=request,
        body=body,
    )


@router.delete("/services/{service_id}", response_model=p.Service, responses=ERR)
async def delete_service(service_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx, lambda uow: config.delete_service(ctx, uow, service_id), request=request, body=None
    )


@router.get("/counters", response_model=list[p.Counter], responses=ERR)
def list_counters(
    ctx: CtxDep, branch_id: BranchQuery = None, limit: Limit = 1000, offset: Offset = 0
) -> list[p.Counter]:
    ctx.principal.require(("admin", "manager", "clerk", "kiosk", "display"), "listing counters")
    return config.list_counters(ctx, branch_id)[offset : offset + limit]


@router.post("/counters", status_code=201, response_model=p.Counter, responses=ERR)
async def create_counter(body: p.CounterCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx,
        lambda uow: config.create_counter(ctx, uow, body),
        request=request,
        body=body,
        status=201,
    )


@router.patch("/counters/{counter_id}", response_model=p.Counter, responses=ERR)
async def patch_counter(
    counter_id: IdPath, body: p.CounterPatch, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(
        ctx,
        lambda uow: config.patch_counter(ctx, uow, counter_id, body),
        request=request,
        body=body,
    )


@router.delete("/counters/{counter_id}", response_model=p.Counter, responses=ERR)
async def delete_counter(counter_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx, lambda uow: config.delete_counter(ctx, uow, counter_id), request=request, body=None
    )
