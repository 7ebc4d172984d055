"""Passwords (argon2id), opaque bearer tokens stored hashed, device tokens, login throttling."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, VerifyMismatchError
from argon2.low_level import Type, hash_secret_raw
from sqlalchemy.orm import Session

from server import protocol as p
from server.auth import repository as auth_repo
from server.auth.models import AuthToken, Device, User
from server.auth.throttle import Attempt, LoginThrottle, known_device, known_device_proof
from server.core import repository as core_repo
from server.core import tree
from server.core.context import Ctx, Principal
from server.core.errors import Unauthorized
from server.core.run import write
from server.core.unit_of_work import Actor, UnitOfWork

_hasher = PasswordHasher()  # argon2id with the library's current defaults


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both paths cost the same; computed on
    the first login, not at import (~0.1 s of every start)."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_fingerprint(password: str, salt: str) -> str:
    """A password as an Idempotency-Key fingerprint holds it: argon2id at the cost of the
    stored hashes, salted with the key, so the same password under the same key compares
    equal, another one does not, and what is stored is no easier to guess from than the
    password hash itself (a plain digest would be)."""
    raw = hash_secret_raw(
        password.encode(),
        hashlib.sha256(salt.encode()).digest()[:16],
        time_cost=_hasher.time_cost,
        memory_cost=_hasher.memory_cost,
        parallelism=_hasher.parallelism,
        hash_len=16,
        type=Type.ID,
    )
    return raw.hex()


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError):
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def user_wire(user: User, branch_ids: list[int], region_ids: list[int] | None = None) -> p.UserOut:
    return p.UserOut(
        id=user.id,
        username=user.username,
        role=user.role,
        branch_ids=branch_ids,
        region_ids=region_ids or [],
        active=user.active,
    )


def user_principal(session: Session, user: User) -> Principal:
    """A user's principal: its branches, and every branch and region under its regions, read
    now, so a branch added to a region later is in scope at the next authentication (the
    token cache is cleared when a branch or region changes)."""
    own_branches, own_regions = auth_repo.user_scope(session, user.id)
    regions = frozenset(tree.load(session).subtree(own_regions)) if own_regions else frozenset()
    branches = set(own_branches)
    branches.update(tree.branches_in(session, regions))
    return Principal(
        kind=user.role,
        user_id=user.id,
        branch_ids=frozenset(branches),
        username=user.username,
        region_ids=regions,
    )


@dataclass(frozen=True)
class LoginResult:
    response: p.LoginResponse
    known_device: str  # the cookie value that makes this device known for the next logins


def login(
    ctx: Ctx,
    throttle: LoginThrottle,
    body: p.LoginRequest,
    client: str,
    device_cookie: str | None = None,
) -> LoginResult:
    """Check a password, then issue a token. The check is slow on purpose (argon2), so it runs
    in the caller's thread, never on the event loop nor in the writer; the token is written
    by a short job of the writer. A device that proves an earlier login as this user by its
    cookie is throttled on its own (server/auth/throttle.py)."""
    with ctx.db.read() as session:
        user = auth_repo.user_by_name(session, body.username)
        if user is not None and not user.active:
            user = None
        stored = user.password_hash if user else _dummy_hash()
        branch_ids = auth_repo.user_branch_ids(session, user.id) if user else []
        region_ids = auth_repo.user_region_ids(session, user.id) if user else []
    device = known_device(stored, body.username, device_cookie) if user else None
    attempt = Attempt(body.username, client, device)
    throttle.check(attempt)
    outcome = throttle.abandoned
    try:
        if not verify_password(stored, body.password) or user is None:
            outcome = throttle.failed
            _failed(ctx, body.username, user)
            raise Unauthorized("wrong username or password")
        outcome = throttle.succeeded
    finally:
        outcome(attempt)
    token, user_id, who = new_token(), user.id, Actor(user.id, None, user.username)

    def store(uow: UnitOfWork) -> datetime:
        expires = uow.now + timedelta(hours=ctx.settings.token_ttl_hours)
        uow.session.add(AuthToken(token_hash=hash_token(token), user_id=user_id,
                                  created_at=uow.now, expires_at=expires))  # fmt: skip
        uow.audit("auth.login", f"user:{user_id}", {"expires_at": expires.isoformat()}, actor=who)
        return expires

    expires = write(ctx, store)
    response = p.LoginResponse(
        token=token, expires_at=expires, user=user_wire(user, branch_ids, region_ids)
    )
    proof = device_cookie if device else known_device_proof(stored, body.username)
    assert proof is not None
    return LoginResult(response, proof)


def _failed(ctx: Ctx, username: str, user: User | None) -> None:
    """The audit record of a failed login: the name tried (never the password)."""
    who = Actor(user.id if user else None, None, username[:100])
    subject = f"user:{user.id}" if user else "user:?"
    write(ctx, lambda uow: uow.audit("auth.login_failed", subject, {"username": username[:100]},
                                     actor=who))  # fmt: skip


def remembered(ctx: Ctx, token: str) -> Principal | None:
    """The principal of a token verified a moment ago (no database read), if any."""
    cache = ctx.principals
    return None if cache is None else cache.get(hash_token(token), ctx.clock())


def authenticate(ctx: Ctx, token: str) -> Principal:
    """The user or device a bearer token belongs to, or Unauthorized."""
    if (known := remembered(ctx, token)) is not None:
        return known
    digest = hash_token(token)
    now = ctx.clock()
    cache = ctx.principals
    principal, expires = _look_up(ctx, digest, now)
    if cache is not None:
        cache.put(digest, principal, now, expires)
    return principal


def _look_up(ctx: Ctx, digest: str, now: datetime) -> tuple[Principal, datetime | None]:
    with ctx.db.read() as session:
        found = auth_repo.token(session, digest)
        if found is not None:
            row, user = found
            if row.revoked_at is None and row.expires_at > now and user and user.active:
                return user_principal(session, user), row.expires_at
            raise Unauthorized("the token has expired or was revoked; log in again")
        device = auth_repo.device_by_token(session, digest)
        if device is not None and device.revoked_at is None:
            principal = Principal(
                kind=device.kind,
                device_id=device.id,
                branch_ids=frozenset({device.branch_id}),
                username=device.name,
            )
            return principal, None
    raise Unauthorized("unknown token")


def logout(ctx: Ctx, token: str) -> None:
    digest = hash_token(token)

    def revoke(uow: UnitOfWork) -> None:
        if auth_repo.revoke_token(uow.session, digest, uow.now):
            ctx.forget_principals(uow.session)
            uow.audit("auth.logout", f"user:{ctx.principal.user_id}")

    write(ctx, revoke)


def create_device(ctx: Ctx, body: p.DeviceCreate) -> p.DeviceOut:
    ctx.principal.require(("admin", "manager"), "creating devices")
    ctx.principal.require_branch(body.branch_id)
    token = new_token()

    def add(uow: UnitOfWork) -> p.DeviceOut:
        uow.lock_branch(body.branch_id)
        device = Device(kind=body.kind, name=body.name, branch_id=body.branch_id,
                        token_hash=hash_token(token), created_at=uow.now)  # fmt: skip
        uow.session.add(device)
        uow.session.flush()
        uow.audit("device.created", f"device:{device.id}",
                  {"new": {"kind": device.kind, "name": device.name}},
                  branch_id=device.branch_id)  # fmt: skip
        return p.DeviceOut(id=device.id, kind=device.kind, name=device.name,
                           branch_id=device.branch_id, token=token)  # fmt: skip

    return write(ctx, add)


def purge_expired(ctx: Ctx) -> None:
    """Housekeeping: forget idempotency keys past their retention and expired tokens."""

    def purge(uow: UnitOfWork) -> None:
        kept_from = uow.now - timedelta(hours=ctx.settings.idempotency_ttl_hours)
        core_repo.purge_idempotency(uow.session, kept_from)
        auth_repo.purge_tokens(uow.session, uow.now)

    write(ctx, purge)
