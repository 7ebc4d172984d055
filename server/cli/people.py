"""`hallq user …` and `hallq device …`: through the same service functions as the API."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from pydantic import ValidationError

from server import protocol as p
from server.auth import service as auth
from server.auth import users
from server.cli.common import device_app, fail, prepared, settings_for, user_app
from server.core.errors import DomainError
from server.core.run import write


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
