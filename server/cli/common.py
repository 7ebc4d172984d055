"""What the `hallq` commands share: the command groups, the database they act on, errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from server.core.clock import utc_now
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.located import Located, NoDatabase, locate, locate_current
from server.core.migrate import upgrade
from server.core.settings import Settings
from server.halls import bootstrap

app = typer.Typer(help="hallq — queue numbers and counter calling for service halls.",
                  no_args_is_help=True)  # fmt: skip
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
device_app = typer.Typer(help="Kiosk and display devices.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(device_app, name="device")
ROOT = Principal(kind="admin", username="cli")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Say what went wrong on one line of stderr; raise the returned Exit."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def settings_for(*, must_exist: bool) -> Settings:
    """The settings with the database the server would use (server/core/located.py); a
    command that only reads passes `must_exist`, so that it never creates a database."""
    return _said(lambda: locate(must_exist=must_exist)).settings


def _said(find: Callable[[], Located]) -> Located:
    try:
        found = find()
    except NoDatabase as exc:
        raise fail(str(exc)) from None
    if found.note:
        typer.echo(found.note, err=True)
    return found


def make_ctx(settings: Settings) -> Ctx:
    return Ctx(Database(settings.database_url), settings, utc_now, None, ROOT)


def _prepare(settings: Settings) -> Ctx:
    upgrade(settings.database_url)
    ctx = make_ctx(settings)
    bootstrap.ensure_default_branch(ctx)
    return ctx


@contextmanager
def prepared(settings: Settings) -> Iterator[Ctx]:
    """The database migrated (created if need be) with its default branch, and closed
    afterwards: its writer thread stops (the commands also run in-process, under CliRunner)."""
    ctx = _prepare(settings)
    try:
        yield ctx
    finally:
        ctx.db.dispose()


@contextmanager
def existing() -> Iterator[Ctx]:
    """The configured database as it is: not created, not migrated (an error says so)."""
    ctx = make_ctx(_said(locate_current).settings)
    try:
        yield ctx
    finally:
        ctx.db.dispose()
