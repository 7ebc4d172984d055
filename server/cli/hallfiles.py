"""`hallq import` and `hallq export`: a hall's setup as hall.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from server.cli.common import app, existing, fail, prepared, settings_for
from server.core.errors import DomainError


@app.command("import")
def import_(path: Path, branch: Annotated[int, typer.Option(help="Branch id")] = 1) -> None:
    """Import services, counters, hours and settings from a hall.toml."""
    from server.halls.hallfile import HallFileError, import_hall, read_hall

    try:
        read_hall(path, branch)  # a bad file is refused before the database is touched
        with prepared(settings_for(must_exist=False)) as ctx:
            services, counters = import_hall(ctx, branch, path)
    except (HallFileError, DomainError) as exc:
        raise fail(f"{exc}; nothing was imported") from None
    typer.echo(f"imported {services} services and {counters} counters into branch {branch}")


@app.command("export")
def export(path: Path, branch: Annotated[int, typer.Option(help="Branch id")] = 1) -> None:
    """Export services, counters, hours and settings to a hall.toml."""
    from server.halls.hallfile import export_hall

    with existing() as ctx:
        try:
            export_hall(ctx, branch, path)
        except DomainError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"cannot write {path}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {path}")
