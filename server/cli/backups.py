"""`hallq backup FILE`.

A backup is written to a temporary file (mode 0600: it holds password and token hashes) next
to FILE and renamed into place only when complete; an existing FILE is kept unless --force.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from server.cli.common import app, fail, settings_for
from server.core.located import sqlite_path

IN_USE = "stop the server (and any other hallq command on it) first"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@app.command()
def backup(
    path: Path,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists")] = False,
) -> None:
    """Write a consistent copy of the live database to FILE (SQLite backup API or pg_dump)."""
    url = settings_for(must_exist=True).database_url
    if path.is_dir():
        raise fail(f"{path} is a folder; give a file name")
    if path.exists() and not force:
        raise fail(f"{path} exists; give --force to replace it")
    if not path.parent.is_dir():
        raise fail(f"there is no folder {path.parent}; create it first")
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)  # mkstemp made it 0600, and writing into it keeps that mode
    temp = Path(name)
    try:
        source = sqlite_path(url)
        if source is not None:
            _sqlite_copy(source, temp)
        else:
            _pg_dump(url, temp)
        _move(temp, path, force)
    finally:
        temp.unlink(missing_ok=True)
    typer.echo(f"backup written to {path}")


def _sqlite_copy(source: Path, target: Path) -> None:
    live = sqlite3.connect(source)
    copy = sqlite3.connect(target)
    try:
        with copy:
            live.backup(copy)
    finally:
        live.close()
        copy.close()


def _pg_dump(url: str, target: Path) -> None:
    try:
        done = subprocess.run(
            ["pg_dump", "--format=custom", f"--file={target}", _libpq(url)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    except FileNotFoundError:
        raise fail("pg_dump is not on PATH (install the PostgreSQL client tools)") from None
    if done.returncode != 0:
        raise fail(f"pg_dump failed: {_last_line(done.stderr)}")


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _move(temp: Path, path: Path, force: bool) -> None:
    """Rename the finished copy into place; without `force` never over a file that appeared
    meanwhile (a hard link fails if the name exists)."""
    with temp.open("rb") as done:
        os.fsync(done.fileno())
    if force:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)
    except FileExistsError:
        raise fail(f"{path} exists; give --force to replace it") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise fail(f"{path} exists; give --force to replace it") from None
        os.replace(temp, path)
