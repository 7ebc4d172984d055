"""`hallq serve`, `hallq demo` and `hallq db upgrade`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.engine import make_url

from server import workers as uvicorn_workers
from server.appointments import service as appointments
from server.cli.common import app, db_app, prepared, settings_for
from server.core.settings import Settings
from server.halls import bootstrap
from server.simulate.run import demo_history

ANY_ADDRESS = ("", "0.0.0.0", "::")


def public_base(settings: Settings, host: str, port: int) -> str:
    """HALLQ_PUBLIC_BASE_URL when set, else the address served: the URLs printed and those on
    tickets must follow `--port` (`make run PORT=8080`)."""
    if "public_base_url" in settings.model_fields_set:
        return settings.public_base_url
    shown = "127.0.0.1" if host in ANY_ADDRESS else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (creates the database if needed)."""
    settings = settings_for(must_exist=False)
    with prepared(settings):
        pass
    typer.echo(f"database at head: {make_url(settings.database_url).render_as_string()}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (use redis:// bus for >1)")] = 1,
) -> None:
    """Migrate the database, create the first admin if none, and serve."""
    settings = settings_for(must_exist=False)
    if workers > 1 and settings.bus_url.startswith("memory://"):
        typer.echo("warning: several workers need HALLQ_BUS_URL=redis://…; events would not "
                   "cross workers with memory://", err=True)  # fmt: skip
    with prepared(settings) as ctx:
        generated = bootstrap.ensure_admin(ctx, settings.admin_password)
    if generated:
        typer.echo(f"first run: created user 'admin' with password: {generated}")
    # The app (in each worker) reads its settings again: hand it what was found here.
    os.environ["HALLQ_DATABASE_URL"] = settings.database_url
    os.environ["HALLQ_PUBLIC_BASE_URL"] = public_base(settings, host, port)
    if workers > 1:
        # The supervisor needs nothing this command imported (server/workers.py): become one
        # that imports uvicorn only. The pid stays, so systemd and signals see no change.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, *uvicorn_workers.command(host, port, workers)])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(uvicorn_workers.APP, host=host, port=port, **uvicorn_workers.OPTIONS)


@app.command()
def demo(
    credentials: Annotated[
        Path, typer.Option(help="File keeping the first-run credentials")
    ] = Path("var/first-run.txt"),
    port: Annotated[int, typer.Option(help="Port the server will serve on (for the URLs)")] = 8000,
    history: Annotated[
        bool, typer.Option(help="Also simulate the demo hall's last 30 days (once)")
    ] = True,
) -> None:
    """Seed the demo hall and its history (once) and print the URLs and credentials (used by
    `make run`)."""
    settings = settings_for(must_exist=False)
    with prepared(settings) as ctx:
        admin_password = bootstrap.ensure_admin(ctx, settings.admin_password)
        hall = bootstrap.seed_demo(ctx)
        if hall:
            appointments.seed_demo(ctx, DEMO_CUSTOMERS)
        made = demo_history(ctx) if history else None
    if made is not None:
        c = made.counts
        typer.echo(f"demo history: {len(made.days)} business days, {c.issued} tickets, "
                   f"{c.booked} appointments, made in {made.seconds:.1f} s")  # fmt: skip
    base = public_base(settings, "127.0.0.1", port)
    if admin_password or hall:
        lines = []
        if admin_password:
            lines.append(f"admin password:   {admin_password}")
        if hall:
            lines += [
                f"clerk password:   {hall.clerk_password}   (user 'clerk')",
                f"kiosk device:     id {hall.kiosk_id} token {hall.kiosk_token}",
                f"display device:   id {hall.display_id} token {hall.display_token}",
            ]
        credentials.parent.mkdir(parents=True, exist_ok=True)
        with credentials.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        credentials.chmod(0o600)
    typer.echo(
        f"hallq {base}\n  API docs:      {base}/docs\n  health:        {base}/healthz\n"
        f"  counter page:  {base}/counter\n  manager pages: {base}/admin\n"
        f"  mobile ticket: {base}/t/<public id> (the QR code on each ticket)\n"
        f"  booking page:  {base}/book?branch=1\n  hall page:     {base}/hall?branch=1\n"
        f"  reception:     {base}/reception\n  HQ board:      {base}/admin/overview"
    )
    if credentials.exists():
        typer.echo(f"first-run credentials ({credentials}):")
        saved = credentials.read_text(encoding="utf-8").splitlines()
        # Files of older versions also kept the URLs, with the port of that day: left out.
        typer.echo("\n".join(line for line in saved if line.partition(":")[0] not in URL_LINES))
        typer.echo("\n".join(_device_urls(base, saved)))


DEMO_CUSTOMERS = (("张伟", "13800138001"), ("李娜", "13800138002"), ("Chan Tai Man", "91234567"))
"""Bookings of service A for today's next slots (the admin's Today's appointments tab)."""
URL_LINES = ("kiosk page", "hall TV page", "rating screen", "kiosk agent", "voice agent")


def _device_urls(base: str, saved: list[str]) -> list[str]:
    """The demo devices' pages and agents, with this run's base URL: the credentials file
    keeps only the secrets, so that `make run PORT=…` prints the right URLs."""
    found = {}
    for line in saved:
        label, _, rest = line.partition(":")
        words = rest.split()
        if label in ("kiosk device", "display device") and len(words) == 4:
            found[label.split()[0]] = (words[1], words[3])  # id, token
    kiosk_id, kiosk = found.get("kiosk", ("", ""))
    display = found.get("display", ("", ""))[1]
    lines = [
        (kiosk, f"kiosk page:       {base}/kiosk?kiosk={kiosk_id}&token={kiosk}"),
        (display, f"hall TV page:     {base}/display?branch=1&token={display}"),
        (display, f"rating screen:    {base}/rate?counter=1&token={display}"),
        (kiosk, f"kiosk agent:      hallq kiosk --server {base} --token {kiosk} --printer dummy:"),
        (display, f"voice agent:      hallq display --server {base} --token {display}"),
    ]
    return [line for token, line in lines if token]
