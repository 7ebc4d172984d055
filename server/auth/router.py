"""Login, logout, users and devices."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from server import protocol as p
from server.auth import service as auth
from server.auth import users
from server.auth.deps import (
    CtxDep,
    IdPath,
    Limit,
    Offset,
    StateDep,
    bearer,
    idempotency_scope,
    respond,
)
from server.auth.throttle import KNOWN_DEVICE_DAYS, known_device_cookie
from server.core.context import Ctx
from server.core.errors import Unauthorized

router = APIRouter(prefix="/api/v1", tags=["auth"])
Responses = dict[int | str, dict[str, Any]]
ERR: Responses = {code: {"model": p.ErrorBody} for code in (401, 403, 404)}
CONFLICTS: Responses = ERR | {code: {"model": p.ErrorBody} for code in (409, 422)}


@router.post(
    "/auth/login", response_model=p.LoginResponse, responses=ERR | {429: {"model": p.ErrorBody}}
)
def login(
    body: p.LoginRequest, request: Request, response: Response, app: StateDep
) -> p.LoginResponse:
    client = request.client.host if request.client else "?"
    cookie = known_device_cookie(body.username)
    result = auth.login(app.ctx(), app.throttle, body, client, request.cookies.get(cookie))
    response.set_cookie(
        cookie, result.known_device, max_age=KNOWN_DEVICE_DAYS * 86400, path=request.url.path,
        secure=request.url.scheme == "https", httponly=True, samesite="strict",
    )  # fmt: skip
    return result.response


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
                branch_ids=sorted(who.branch_ids), region_ids=sorted(who.region_ids))  # fmt: skip


@router.get("/users", response_model=list[p.UserOut], responses=ERR)
def list_users(ctx: CtxDep, limit: Limit = 1000, offset: Offset = 0) -> list[p.UserOut]:
    return users.list_users(ctx)[offset : offset + limit]


B = TypeVar("B", p.UserCreate, p.UserPatch)


async def _fingerprinted(body: B, request: Request, ctx: Ctx) -> B:
    """The body as its Idempotency-Key fingerprint sees it: the password replaced by a slow
    digest salted with the key (`auth.password_fingerprint`), so that another password under
    the same key is a conflict and no plain digest of a password is stored."""
    key = request.headers.get("idempotency-key")
    if not key or body.password is None:
        return body
    salt = f"{idempotency_scope(ctx.principal, request)}\0{key}"
    digest = await asyncio.to_thread(auth.password_fingerprint, body.password, salt)
    return body.model_copy(update={"password": digest})


async def _password_hash(password: str | None) -> str | None:
    """Hashed in a worker thread: slow, so outside the write lock and off the event loop."""
    return None if password is None else await asyncio.to_thread(auth.hash_password, password)


@router.post("/users", status_code=201, response_model=p.UserOut, responses=ERR)
async def create_user(body: p.UserCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    ctx.principal.require(("admin", "manager"), "creating users")
    password_hash = await _password_hash(body.password)
    assert password_hash is not None
    return await respond(
        ctx, lambda uow: users.create_user(ctx, uow, body, password_hash),
        request=request, body=await _fingerprinted(body, request, ctx), status=201,
    )  # fmt: skip


@router.patch("/users/{user_id}", response_model=p.UserOut, responses=ERR)
async def patch_user(
    user_id: IdPath, body: p.UserPatch, request: Request, ctx: CtxDep
) -> JSONResponse:
    password_hash = await _password_hash(body.password)
    return await respond(
        ctx, lambda uow: users.patch_user(ctx, uow, user_id, body, password_hash),
        request=request, body=await _fingerprinted(body, request, ctx),
    )  # fmt: skip


@router.delete("/users/{user_id}", response_model=p.UserOut, responses=ERR)
async def delete_user(user_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx, lambda uow: users.delete_user(ctx, uow, user_id), request=request, body=None
    )


@router.post("/devices", status_code=201, response_model=p.DeviceOut, responses=ERR)
def create_device(body: p.DeviceCreate, ctx: CtxDep) -> JSONResponse:
    device = auth.create_device(ctx, body)
    return JSONResponse(device.model_dump(mode="json"), status_code=201)


@router.get("/devices", response_model=list[p.DeviceOut], responses=ERR)
def list_devices(ctx: CtxDep, limit: Limit = 1000, offset: Offset = 0) -> list[p.DeviceOut]:
    return users.list_devices(ctx)[offset : offset + limit]


@router.delete("/devices/{device_id}", response_model=p.DeviceOut, responses=ERR)
async def revoke_device(device_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx, lambda uow: users.revoke_device(ctx, uow, device_id), request=request, body=None
    )
