"""`hallq user …` and `hallq device …`: through the same service functions as the API."""

from __future__ import annotations

import getpass
import os
import secrets
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from server import protocol as p
from server.auth import repository as auth_repo
from server.auth import service as auth
from server.auth import users
from server.cli.common import device_app, existing, fail, prepared, settings_for, user_app
from server.core.errors import DomainError
from server.core.run import write
from server.core.unit_of_work import UnitOfWork


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin | manager | clerk")] = "clerk",
    branch: Annotated[list[int] | None, typer.Option(help="Branch id (repeatable)")] = None,
    password: Annotated[str | None, typer.Option(help="Password (prompted if omitted)")] = None,
) -> None:
    """Create a user."""
    secret = password or os.environ.get("HALLQ_NEW_USER_PASSWORD") or getpass.getpass("password: ")
    try:
        body = p.UserCreate(username=username, password=secret, role=role,
                            branch_ids=branch or ([] if role == "admin" else [1]))  # fmt: skip
    except ValidationError as exc:
        raise fail(_problems(exc)) from None
    password_hash = auth.hash_password(secret)
    try:
        with prepared(settings_for(must_exist=False)) as ctx:
            user = write(ctx, lambda uow: users.create_user(ctx, uow, body, password_hash))
    except DomainError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"created {user.role} {user.username!r} (id {user.id}), branches {user.branch_ids}")


@user_app.command("list")
def user_list() -> None:
    """List the users: id, role, state, branches, name."""
    with existing() as ctx:
        for user in users.list_users(ctx):
            state = "active" if user.active else "inactive"
            branches = ",".join(map(str, user.branch_ids)) or "all"
            typer.echo(f"{user.id:>5}  {user.role:<8} {state:<9} {branches:<10} {user.username}")


@user_app.command("reset-password")
def user_reset_password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from stdin")
    ] = False,
) -> None:
    """Give a user a new password (for a lost one) and end their sessions. Without
    --password-stdin a one-time password is generated and shown once: pass it on, and have it
    changed at the first login."""
    generated = not password_stdin
    secret = secrets.token_urlsafe(12) if generated else sys.stdin.readline().rstrip("\r\n")
    try:
        body = p.UserPatch(password=secret)
    except ValidationError:
        raise fail("the password must be 8 to 200 characters") from None
    password_hash = auth.hash_password(secret)  # slow: before the write, not inside it
    with existing() as ctx:
        with ctx.db.read() as session:
            user = auth_repo.user_by_name(session, username)
            user_id, active = (user.id, user.active) if user else (None, False)
        if user_id is None:
            raise fail(f"there is no user {username!r} (`hallq user list` lists them)")

        def reset(uow: UnitOfWork) -> int:
            users.patch_user(ctx, uow, user_id, body, password_hash)
            return auth_repo.revoke_user_tokens(uow.session, user_id, uow.now)

        try:
            ended = write(ctx, reset)
        except DomainError as exc:
            raise fail(str(exc)) from None
    typer.echo(f"new password set for {username!r}; {ended} session(s) ended")
    if generated:
        # To the terminal only: nothing of it goes to a log.
        typer.echo(f"one-time password: {secret}")
    if not active:
        typer.echo(f"note: {username!r} is deactivated and cannot log in until reactivated")


@device_app.command("add")
def device_add(
    kind: Annotated[str, typer.Option(help="kiosk | display")],
    name: Annotated[str, typer.Option(help="A name managers recognise")],
    branch: Annotated[int, typer.Option(help="Branch id")] = 1,
) -> None:
    """Create a kiosk or display device and print its token (shown once)."""
    with prepared(settings_for(must_exist=False)) as ctx:
        device = auth.create_device(ctx, p.DeviceCreate(kind=kind, name=name, branch_id=branch))
    typer.echo(f"{device.kind} {device.name!r} id {device.id} token: {device.token}")


@device_app.command("list")
def device_list() -> None:
    """List the devices: id, kind, branch, state, name."""
    with existing() as ctx:
        for device in users.list_devices(ctx):
            state = "revoked" if device.revoked else "active"
            typer.echo(
                f"{device.id:>5}  {device.kind:<8} branch {device.branch_id:<5} {state:<8} "
                f"{device.name}"
            )


@device_app.command("revoke")
def device_revoke(device_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Revoke a device's token: the kiosk or display is refused from its next request."""
    with existing() as ctx:
        try:
            device = write(ctx, lambda uow: users.revoke_device(ctx, uow, device_id))
        except DomainError as exc:
            raise fail(str(exc)) from None
    typer.echo(f"revoked {device.kind} {device.name!r} (id {device.id})")
