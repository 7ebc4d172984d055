"""`hallq backup FILE`."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from server.cli.common import app, settings_for
from server.core.located import sqlite_path


@app.command()
def backup(path: Path) -> None:
    """Write a consistent copy of the live database to FILE (SQLite backup API or pg_dump)."""
    url = settings_for(must_exist=True).database_url
    path.parent.mkdir(parents=True, exist_ok=True)
    database = sqlite_path(url)
    if database is not None:
        source = sqlite3.connect(database)
        target = sqlite3.connect(path)
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "--format=custom", f"--file={path}", libpq], check=True)
    typer.echo(f"backup written to {path}")
