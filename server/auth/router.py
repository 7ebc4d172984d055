"""Login, logout, users and devices."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from server import protocol as p
from server.auth import service as auth
from server.auth import users
from server.auth.deps import CtxDep, IdPath, Limit, Offset, StateDep, bearer, respond
from server.core.errors import Unauthorized

router = APIRouter(prefix="/api/v1", tags=["auth"])
Responses = dict[int | str, dict[str, Any]]
ERR: Responses = {code: {"model": p.ErrorBody} for code in (401, 403, 404)}
CONFLICTS: Responses = ERR | {code: {"model": p.ErrorBody} for code in (409, 422)}


@router.post(
    "/auth/login", response_model=p.LoginResponse, responses=ERR | {429: {"model": p.ErrorBody}}
)
def login(body: p.LoginRequest, request: Request, app: StateDep) -> p.LoginResponse:
    client = request.client.host if request.client else "?"
    return auth.login(app.ctx(), app.throttle, body, client)


@router.post("/auth/logout", status_code=204, responses=ERR)
def logout(request: Request, ctx: CtxDep) -> Response:
    token = bearer(request)
    if token is not None and ctx.principal.user_id is not None:
        auth.logout(ctx, token)
    ctx.principal.require(("admin", "manager", "clerk"), "logging out")
    return Response(status_code=204)


@router.get("/auth/me", response_model=p.Me, responses=ERR)
def me(ctx: CtxDep) -> p.Me:
    """Who this token belongs to (devices learn their id and branch from it)."""
    who = ctx.principal
    if who.kind == "anonymous":
        raise Unauthorized("log in first (Authorization: Bearer <token>)")
    if who.device_id is not None:
        return p.Me(kind="device", id=who.device_id, role=who.kind,
                    branch_ids=sorted(who.branch_ids), name=who.username or None)  # fmt: skip
    assert who.user_id is not None
    return p.Me(kind="user", id=who.user_id, username=who.username, role=who.kind,
                branch_ids=sorted(who.branch_ids))  # fmt: skip


@router.get("/users", response_model=list[p.UserOut], responses=ERR)
def list_users(ctx: CtxDep, limit: Limit = 1000, offset: Offset = 0) -> list[p.UserOut]:
    return users.list_users(ctx)[offset : offset + limit]


@router.post("/users", status_code=201, response_model=p.UserOut, responses=ERR)
async def create_user(body: p.UserCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    ctx.principal.require(("admin", "manager"), "creating users")
    password_hash = auth.hash_password(body.password)  # slow: outside the write lock
    # The Idempotency-Key fingerprint leaves the password out: a salted hash differs on every
    # retry, and a plain digest of the password must not be stored.
    return await respond(
        ctx, lambda uow: users.create_user(ctx, uow, body, password_hash),
        request=request, body=body.model_copy(update={"password": ""}), status=201,
    )  # fmt: skip


@router.patch("/users/{user_id}", response_model=p.UserOut, responses=ERR)
async def patch_user(
    user_id: IdPath, body: p.UserPatch, request: Request, ctx: CtxDep
) -> JSONResponse:
    return await respond(
        ctx, lambda uow: users.patch_user(ctx, uow, user_id, body), request=request
    )


@router.delete("/users/{user_id}", response_model=p.UserOut, responses=ERR)
async def delete_user(user_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(ctx, lambda uow: users.delete_user(ctx, uow, user_id), request=request)


@router.post("/devices", status_code=201, response_model=p.DeviceOut, responses=ERR)
def create_device(body: p.DeviceCreate, ctx: CtxDep) -> JSONResponse:
    device = auth.create_device(ctx, body)
    return JSONResponse(device.model_dump(mode="json"), status_code=201)


@router.get("/devices", response_model=list[p.DeviceOut], responses=ERR)
def list_devices(ctx: CtxDep, limit: Limit = 1000, offset: Offset = 0) -> list[p.DeviceOut]:
    return users.list_devices(ctx)[offset : offset + limit]


@router.delete("/devices/{device_id}", response_model=p.DeviceOut, responses=ERR)
async def revoke_device(device_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(ctx, lambda uow: users.revoke_device(ctx, uow, device_id), request=request)
