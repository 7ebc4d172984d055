"""`hallq backup FILE` and `hallq restore FILE`.

A backup is written to a temporary file (mode 0600: it holds password and token hashes) next
to FILE and renamed into place only when complete; an existing FILE is kept unless --force.
A restore replaces the whole database, so it asks first, and refuses while anything else has
the database open: a running server would go on with state (seqs, caches) of the replaced one.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from server.cli.common import app, fail, settings_for
from server.core.located import sqlite_path
from server.core.migrate import current_revision, newest_revision, upgrade

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


@app.command()
def restore(
    path: Path,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Replace the whole database with a backup FILE (server stopped; asks first)."""
    url = settings_for(must_exist=False).database_url
    if not path.is_file():
        raise fail(f"{path}: no such file")
    target = sqlite_path(url)
    if target is not None:
        _restore_sqlite(path, target, yes)
    else:
        _restore_postgres(path, url, yes)
    if current_revision(url) != newest_revision():
        upgrade(url)
        typer.echo("the backup was from an older version: migrated to the current schema")
    typer.echo(f"restored {path}; start the server")


def _confirm(target: str, path: Path, backup_holds: str, yes: bool) -> None:
    if yes:
        return
    question = (
        f"Replace everything in the database {target} with the backup {path} ({backup_holds})? "
        "What was written since that backup is lost"
    )
    if not typer.confirm(question, default=False):
        raise fail("nothing was restored")


def _backup_revision(copy: sqlite3.Connection, path: Path) -> tuple[str, str]:
    """The backup's schema revision and a summary of its tickets, or a refusal."""
    try:
        if copy.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise fail(f"{path} is damaged (PRAGMA quick_check)")
        revision = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        count, last = copy.execute("SELECT count(*), max(business_date) FROM ticket").fetchone()
    except sqlite3.DatabaseError:
        raise fail(f"{path} is not a hallq SQLite backup") from None
    if revision is None or revision[0] > newest_revision():
        raise fail(f"{path} is from a newer hallq version; upgrade hallq first")
    return str(revision[0]), f"{count} tickets" + (f", the last of {last}" if last else "")


def _restore_sqlite(path: Path, target: Path, yes: bool) -> None:
    copy = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        _revision, summary = _backup_revision(copy, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        live = sqlite3.connect(target, timeout=0, isolation_level=None)
        try:
            # Exclusive locking mode keeps the lock after this transaction, until close: a
            # WAL database cannot be locked so while any other connection has it open, and
            # nothing else can open it until the restore is done.
            live.execute("PRAGMA locking_mode=EXCLUSIVE")
            try:
                live.execute("BEGIN EXCLUSIVE")
                live.execute("ROLLBACK")
            except sqlite3.OperationalError:
                raise fail(f"the database {target} is in use; {IN_USE}") from None
            _confirm(str(target), path, summary, yes)
            copy.backup(live)
        finally:
            live.close()
    finally:
        copy.close()


def _restore_postgres(path: Path, url: str, yes: bool) -> None:
    """pg_restore of a `hallq backup` dump in one transaction, over a database at the same
    schema revision (or an empty one); other cases are left to the operator (operations.md)."""
    with path.open("rb") as dump:
        if dump.read(5) != b"PGDMP":
            raise fail(f"{path} is not a pg_dump custom-format file (`hallq backup` makes one)")
    revision = _dump_revision(path)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            others = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalar_one()  # fmt: skip
    except SQLAlchemyError as exc:
        raise fail(f"cannot reach the database: {str(exc).strip().splitlines()[0]}") from None
    finally:
        engine.dispose()
    if others:
        raise fail(f"the database is in use ({others} other connections); {IN_USE}")
    live = current_revision(url)
    if revision is None or revision > newest_revision():
        raise fail(f"{path} is not a hallq backup of this or an older version")
    if live not in (None, revision):
        raise fail(
            f"the backup is at schema {revision}, the database at {live}: restore it into an "
            "empty database (docs/operations.md, 'Backup and restore')"
        )
    _confirm(make_url(url).render_as_string(), path, f"schema {revision}", yes)
    done = subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner",
         f"--dbname={_libpq(url)}", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise fail(f"pg_restore failed, nothing was restored: {_last_line(done.stderr)}")


def _dump_revision(path: Path) -> str | None:
    """The alembic_version row of a dump, read without restoring it."""
    with contextlib.suppress(FileNotFoundError):
        done = subprocess.run(
            ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = done.stdout.splitlines()
        for before, line in itertools.pairwise(lines):
            if before.startswith("COPY ") and "alembic_version" in before:
                return None if line == "\\." else line.strip()
        return None
    raise fail("pg_restore is not on PATH (install the PostgreSQL client tools)")
