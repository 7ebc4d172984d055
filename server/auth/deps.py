"""Dependencies: the app's state, the caller's principal, a use-case context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from server.auth import service as auth
from server.auth.throttle import LoginThrottle
from server.core.bus.base import Bus
from server.core.clock import Clock, utc_now
from server.core.context import ANONYMOUS, Ctx, Principal, PrincipalCache
from server.core.engine import Database
from server.core.errors import Unauthorized
from server.core.hub import EventHub
from server.core.publisher import BusPublisher
from server.core.run import Idem, anonymous_scope, perform_async
from server.core.seen import SeenDevices
from server.core.settings import Settings


@dataclass
class AppState:
    settings: Settings
    db: Database
    bus: Bus
    hub: EventHub
    clock: Clock = utc_now
    publisher: BusPublisher | None = None
    seen: SeenDevices = field(default_factory=SeenDevices)  # devices' heartbeats
    throttle: LoginThrottle = field(init=False)
    principals: PrincipalCache = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = LoginThrottle(
            self.settings.login_max_failures, self.settings.login_window_s
        )
        self.principals = PrincipalCache(self.settings.auth_cache_s)

    def ctx(self, principal: Principal = ANONYMOUS) -> Ctx:
        return Ctx(self.db, self.settings, self.clock, self.publisher, principal, self.principals)


def state(request: Request) -> AppState:
    app_state: AppState = request.app.state.hallq
    return app_state


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use Authorization: Bearer <token>")
    return token.strip()


async def principal(request: Request) -> Principal:
    """The caller: from the token cache on the event loop, else looked up in the threadpool."""
    token = bearer(request)
    if token is None:
        return ANONYMOUS
    app_state = state(request)
    ctx = app_state.ctx()
    known = auth.remembered(ctx, token)
    if known is None:
        known = await run_in_threadpool(auth.authenticate, ctx, token)
    if known.device_id is not None:  # a device's request is its heartbeat
        app_state.seen.request(known.device_id, app_state.clock())
    return known


async def _state(request: Request) -> AppState:
    return state(request)  # async: a plain `def` dependency would cost a threadpool hop


StateDep = Annotated[AppState, Depends(_state)]
PrincipalDep = Annotated[Principal, Depends(principal)]


async def context(app_state: StateDep, who: PrincipalDep) -> Ctx:
    return app_state.ctx(who)


CtxDep = Annotated[Ctx, Depends(context)]
Limit = Annotated[int, Query(ge=1, le=10000)]
Offset = Annotated[int, Query(ge=0, le=2**62)]
BranchQuery = Annotated[int | None, Query(ge=1, le=2**62)]
# Ids in the path are bounded like ids in bodies: a larger integer is a 422, never a database
# overflow (SQLite binds at most 2**63 - 1).
IdPath = Annotated[int, Path(ge=1, le=2**62)]


def idempotency_scope(principal: Principal, request: Request) -> str:
    """Whose Idempotency-Key values a request's key is looked up among."""
    if principal.kind != "anonymous":
        return principal.key
    return anonymous_scope(request.client.host if request.client else "")


async def respond(
    ctx: Ctx,
    action: Callable[..., BaseModel],
    *,
    request: Request,
    body: BaseModel | None,
    status: int = 200,
) -> JSONResponse:
    """Run a mutating use case (idempotent when the request carries Idempotency-Key); the
    request waits for its commit without holding a thread on SQLite (see perform_async).

    `body` is the request's body model (None only for an endpoint that takes none): it is
    part of the key's fingerprint, so that the same key with another body is refused
    (tests/test_idempotency.py checks every endpoint)."""
    key = request.headers.get("idempotency-key")
    scope = idempotency_scope(ctx.principal, request)
    idem = Idem.of(key, scope, request.method, request.url.path, body)
    code, content = await perform_async(ctx, action, idem=idem, status=status)
    return JSONResponse(content, status_code=code)
