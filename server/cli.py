"""The `hallq` command."""

from __future__ import annotations

import getpass
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from counter_client.terminal import counter_command
from display.cli import display_command
from kiosk.cli import kiosk_command
from server import protocol as p
from server.auth import service as auth
from server.auth import users
from server.core.clock import utc_now
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.errors import DomainError
from server.core.migrate import upgrade
from server.core.run import write
from server.core.settings import Settings
from server.halls import bootstrap
from server.stats.reports.cli import report_app

app = typer.Typer(help="hallq — queue numbers and counter calling for service halls.",
                  no_args_is_help=True)  # fmt: skip
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
device_app = typer.Typer(help="Kiosk and display devices.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(device_app, name="device")
app.add_typer(report_app, name="report")
app.command("kiosk")(kiosk_command)
app.command("display")(display_command)
app.command("counter")(counter_command)
ROOT = Principal(kind="admin", username="cli")


def _ctx(settings: Settings | None = None) -> Ctx:
    settings = settings or Settings()
    return Ctx(Database(settings.database_url), settings, utc_now, None, ROOT)


def _prepare(settings: Settings) -> Ctx:
    upgrade(settings.database_url)
    ctx = _ctx(settings)
    bootstrap.ensure_default_branch(ctx)
    return ctx


@contextmanager
def _prepared(settings: Settings) -> Iterator[Ctx]:
    """`_prepare`, and the database closed afterwards: its writer thread stops (the commands
    also run in-process, under CliRunner)."""
    ctx = _prepare(settings)
    try:
        yield ctx
    finally:
        ctx.db.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (creates the database if needed)."""
    settings = Settings()
    with _prepared(settings):
        pass
    typer.echo(f"database at head: {make_url(settings.database_url).render_as_string()}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (use redis:// bus for >1)")] = 1,
) -> None:
    """Migrate the database, create the first admin if none, and serve."""
    settings = Settings()
    if workers > 1 and settings.bus_url.startswith("memory://"):
        typer.echo("warning: several workers need HALLQ_BUS_URL=redis://…; events would not "
                   "cross workers with memory://", err=True)  # fmt: skip
    ctx = _prepare(settings)
    generated = bootstrap.ensure_admin(ctx, settings.admin_password)
    if generated:
        typer.echo(f"first run: created user 'admin' with password: {generated}")
    ctx.db.dispose()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # No permessage-deflate: events are small and sent to every display, and compressing each
    # copy per connection doubled the fan-out time and cost ~45 KB per subscriber
    # (docs/benchmarks.md).
    uvicorn.run(
        "server.app:create_app", factory=True, host=host, port=port, workers=workers,
        ws="server.stream.ws_frames:FramesProtocol",
        ws_ping_interval=5.0, ws_ping_timeout=5.0, ws_per_message_deflate=False,
        log_level="info", proxy_headers=False,  # the app believes HALLQ_TRUSTED_PROXIES only
    )  # fmt: skip


@app.command()
def demo(
    credentials: Annotated[
        Path, typer.Option(help="File keeping the first-run credentials")
    ] = Path("var/first-run.txt"),
) -> None:
    """Seed the demo hall (once) and print the URLs and credentials (used by `make run`)."""
    settings = Settings()
    with _prepared(settings) as ctx:
        admin_password = bootstrap.ensure_admin(ctx, settings.admin_password)
        hall = bootstrap.seed_demo(ctx)
    base = settings.public_base_url
    if admin_password or hall:
        lines = []
        if admin_password:
            lines.append(f"admin password:   {admin_password}")
        if hall:
            lines += [
                f"clerk password:   {hall.clerk_password}   (user 'clerk')",
                f"kiosk device:     id {hall.kiosk_id} token {hall.kiosk_token}",
                f"display device:   id {hall.display_id} token {hall.display_token}",
                f"kiosk page:       {base}/kiosk?kiosk={hall.kiosk_id}&token={hall.kiosk_token}",
                f"hall TV page:     {base}/display?branch=1&token={hall.display_token}",
                f"rating screen:    {base}/rate?counter=1&token={hall.display_token}",
                f"kiosk agent:      hallq kiosk --server {base} --token {hall.kiosk_token}"
                " --printer dummy:",
                f"voice agent:      hallq display --server {base} --token {hall.display_token}",
            ]
        credentials.parent.mkdir(parents=True, exist_ok=True)
        with credentials.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        credentials.chmod(0o600)
    typer.echo(
        f"hallq {base}\n  API docs:      {base}/docs\n  health:        {base}/healthz\n"
        f"  counter page:  {base}/counter\n  manager pages: {base}/admin\n"
        f"  mobile ticket: {base}/t/<public id> (the QR code on each ticket)"
    )
    if credentials.exists():
        typer.echo(f"first-run credentials ({credentials}):")
        typer.echo(credentials.read_text(encoding="utf-8").rstrip())


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
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        typer.echo(f"error: {problems}", err=True)
        raise typer.Exit(1) from None
    password_hash = auth.hash_password(secret)
    try:
        with _prepared(Settings()) as ctx:
            user = write(ctx, lambda uow: users.create_user(ctx, uow, body, password_hash))
    except DomainError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {user.role} {user.username!r} (id {user.id}), branches {user.branch_ids}")


@device_app.command("add")
def device_add(
    kind: Annotated[str, typer.Option(help="kiosk | display")],
    name: Annotated[str, typer.Option(help="A name managers recognise")],
    branch: Annotated[int, typer.Option(help="Branch id")] = 1,
) -> None:
    """Create a kiosk or display device and print its token (shown once)."""
    with _prepared(Settings()) as ctx:
        device = auth.create_device(ctx, p.DeviceCreate(kind=kind, name=name, branch_id=branch))
    typer.echo(f"{device.kind} {device.name!r} id {device.id} token: {device.token}")


@app.command("import")
def import_(path: Path, branch: Annotated[int, typer.Option(help="Branch id")] = 1) -> None:
    """Import services, counters, hours and settings from a hall.toml."""
    from server.halls.hallfile import import_hall

    with _prepared(Settings()) as ctx:
        services, counters = import_hall(ctx, branch, path)
    typer.echo(f"imported {services} services and {counters} counters into branch {branch}")


@app.command("export")
def export(path: Path, branch: Annotated[int, typer.Option(help="Branch id")] = 1) -> None:
    """Export services, counters, hours and settings to a hall.toml."""
    from server.halls.hallfile import export_hall

    with _prepared(Settings()) as ctx:
        export_hall(ctx, branch, path)
    typer.echo(f"wrote {path}")


@app.command()
def backup(path: Path) -> None:
    """Write a consistent copy of the live database to FILE (SQLite backup API or pg_dump)."""
    url = make_url(Settings().database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database or "")
        target = sqlite3.connect(path)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "--format=custom", f"--file={path}", libpq], check=True)
    typer.echo(f"backup written to {path}")


if __name__ == "__main__":
    app()
