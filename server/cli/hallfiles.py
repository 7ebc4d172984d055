"""`hallq import` and `hallq export`: a hall's setup as hall.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from server.cli.common import app, prepared
from server.core.settings import Settings


@app.command("import")
def import_(path: Path, branch: Annotated[int, typer.Option(help="Branch id")] = 1) -> None:
    """Import services, counters, hours and settings from a hall.toml."""
    from server.halls.hallfile import import_hall

    with prepared(Settings()) as ctx:
        services, counters = import_hall(ctx, branch, path)
    typer.echo(f"imported {services} services and {counters} counters into branch {branch}")


@app.command("export")
def export(path: Path, branch: Annotated[int, typer.Option(help="Branch id")] = 1) -> None:
    """Export services, counters, hours and settings to a hall.toml."""
    from server.halls.hallfile import export_hall

    with prepared(Settings()) as ctx:
        export_hall(ctx, branch, path)
    typer.echo(f"wrote {path}")
