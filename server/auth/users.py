"""Users and devices. Admins manage everyone; managers manage the clerks of their branches
and their own password (docs/decisions.md, "Who may change whose account")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server import protocol as p
from server.auth import repository as auth_repo
from server.auth.models import Device, User
from server.auth.service import user_wire
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import Conflict, Forbidden, NotFound
from server.core.models import Branch, Region
from server.core.trail import changes
from server.core.unit_of_work import UnitOfWork

MANAGERS = ("admin", "manager")


def _may_manage(ctx: Ctx, role: str, branch_ids: list[int], has_regions: bool = False) -> None:
    """May the caller manage (create, change, reset the password of, deactivate) a user of
    `role` in `branch_ids`, or give a user that role and those branches? An admin may; a
    manager only for a clerk whose every branch is one of its own: never a manager (a peer
    could take over the other's account) or an admin, and never a role wider than clerk."""
    ctx.principal.require(MANAGERS, "managing users")
    if ctx.principal.is_admin:
        return
    if role != "clerk":
        raise Forbidden("managers manage clerks only; managers and admins are managed by an admin")
    outside = [b for b in branch_ids if b not in ctx.principal.branch_ids]
    if outside or not branch_ids or has_regions:
        raise Forbidden("managers manage users of their own branches only")


def _check_branches(uow: UnitOfWork, branch_ids: list[int]) -> None:
    for branch_id in branch_ids:
        if core_repo.row(uow.session, Branch, branch_id) is None:
            raise NotFound(f"branch {branch_id} does not exist")


def _may_give_regions(ctx: Ctx, uow: UnitOfWork, region_ids: list[int]) -> None:
    """Only an admin gives a user regions (a region's subtree is wider than any hall list a
    manager could hand out); the regions must exist."""
    if region_ids and not ctx.principal.is_admin:
        raise Forbidden("only an admin gives users regions")
    for region_id in region_ids:
        if uow.session.get(Region, region_id) is None:
            raise NotFound(f"region {region_id} does not exist")


def _wire(session: Session, user: User) -> p.UserOut:
    return user_wire(
        user,
        auth_repo.user_branch_ids(session, user.id),
        auth_repo.user_region_ids(session, user.id),
    )


def list_users(ctx: Ctx) -> list[p.UserOut]:
    ctx.principal.require(MANAGERS, "listing users")
    with ctx.db.read() as session:
        result = []
        for user in auth_repo.users(session):
            branches = auth_repo.user_branch_ids(session, user.id)
            if ctx.principal.is_admin or (
                user.role != "admin" and set(branches) & ctx.principal.branch_ids
            ):
                result.append(
                    user_wire(user, branches, auth_repo.user_region_ids(session, user.id))
                )
        return result


def create_user(ctx: Ctx, uow: UnitOfWork, body: p.UserCreate, password_hash: str) -> p.UserOut:
    _may_manage(ctx, body.role, body.branch_ids, bool(body.region_ids))
    _check_branches(uow, body.branch_ids)
    _may_give_regions(ctx, uow, body.region_ids)
    if auth_repo.user_by_name(uow.session, body.username) is not None:
        raise Conflict(f"user {body.username!r} already exists")
    user = User(
        username=body.username,
        password_hash=password_hash,
        role=body.role,
        active=True,
        created_at=uow.now,
    )
    uow.session.add(user)
    uow.session.flush()
    auth_repo.set_user_branches(uow.session, user.id, body.branch_ids)
    auth_repo.set_user_regions(uow.session, user.id, body.region_ids)
    wire = user_wire(user, sorted(set(body.branch_ids)), sorted(set(body.region_ids)))
    uow.audit("user.created", f"user:{user.id}", {"new": wire.model_dump(mode="json")})
    return wire


def _user(ctx: Ctx, uow: UnitOfWork, user_id: int, *, own_password: bool = False) -> User:
    """The user, if the caller may manage them; with `own_password`, the caller's own
    account may be changed too (its password only: the caller checks that)."""
    ctx.principal.require(MANAGERS, "managing users")
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    if not (own_password and user.id == ctx.principal.user_id):
        regions = bool(auth_repo.user_region_ids(uow.session, user.id))
        _may_manage(ctx, user.role, auth_repo.user_branch_ids(uow.session, user.id), regions)
    return user


def patch_user(
    ctx: Ctx, uow: UnitOfWork, user_id: int, body: p.UserPatch, password_hash: str | None
) -> p.UserOut:
    """Change a user; `password_hash` is `body.password` hashed (before the transaction).
    Managers and admins may change their own password, and nothing else of their own."""
    user = _user(ctx, uow, user_id, own_password=body.model_fields_set <= {"password"})
    before = _wire(uow.session, user).model_dump()
    ctx.forget_principals(uow.session)
    if user.id == ctx.principal.user_id and (
        (body.role is not None and body.role != user.role) or body.active is False
    ):
        raise Conflict("you cannot change your own role or deactivate yourself")
    if body.role is not None:
        _may_manage(ctx, body.role, auth_repo.user_branch_ids(uow.session, user.id))
        user.role = body.role
    if body.branch_ids is not None:
        _may_manage(ctx, user.role, list(body.branch_ids))
        _check_branches(uow, list(body.branch_ids))
        auth_repo.set_user_branches(uow.session, user.id, body.branch_ids)
    if body.region_ids is not None:
        _may_give_regions(ctx, uow, list(body.region_ids))
        auth_repo.set_user_regions(uow.session, user.id, body.region_ids)
    if password_hash is not None:
        user.password_hash = password_hash
    if body.active is not None:
        user.active = body.active
    uow.session.flush()
    wire = _wire(uow.session, user)
    data = changes(before, wire.model_dump())
    if password_hash is not None:
        data["password_changed"] = True  # the fact, never the value
    uow.audit("user.updated", f"user:{user.id}", data)
    return wire


def delete_user(ctx: Ctx, uow: UnitOfWork, user_id: int) -> p.UserOut:
    """Deactivate (the audit log keeps referring to the user)."""
    user = _user(ctx, uow, user_id)
    if user.id == ctx.principal.user_id:
        raise Conflict("you cannot delete yourself")
    ctx.forget_principals(uow.session)
    was = user.active
    user.active = False
    wire = _wire(uow.session, user)
    uow.audit("user.deactivated", f"user:{user.id}", changes({"active": was}, {"active": False}))
    return wire


def device_wire(device: Device) -> p.DeviceOut:
    return p.DeviceOut(
        id=device.id,
        kind=device.kind,
        name=device.name,
        branch_id=device.branch_id,
        revoked=device.revoked_at is not None,
    )


def list_devices(ctx: Ctx) -> list[p.DeviceOut]:
    ctx.principal.require(MANAGERS, "listing devices")
    with ctx.db.read() as session:
        return [
            device_wire(d) for d in auth_repo.devices(session, ctx.principal.visible_branches())
        ]


def revoke_device(ctx: Ctx, uow: UnitOfWork, device_id: int) -> p.DeviceOut:
    ctx.principal.require(MANAGERS, "revoking devices")
    device = uow.session.get(Device, device_id)
    if device is None:
        raise NotFound(f"device {device_id} does not exist")
    ctx.principal.require_branch(device.branch_id)
    was = device.revoked_at is not None
    device.revoked_at = device.revoked_at or uow.now
    ctx.forget_principals(uow.session)
    wire = device_wire(device)
    uow.audit("device.revoked", f"device:{device.id}", changes({"revoked": was}, {"revoked": True}),
              branch_id=device.branch_id)  # fmt: skip
    return wire
