"""`hallq backup FILE`."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from server.cli.common import app
from server.core.settings import Settings


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
