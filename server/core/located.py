"""Which database a `hallq` command works on: the one the server would use.

The server takes HALLQ_DATABASE_URL from the environment or from `.env` in its working folder,
and without either uses `sqlite:///var/hallq.db` relative to that folder; `make run` serves from
the checkout. A command run from another folder with nothing configured would otherwise open
(and so create) an empty `var/hallq.db` there. So, when nothing is configured and the working
folder has no `var/hallq.db`, the checkout's configuration is used: its `.env`, and relative
SQLite paths taken from the checkout. A command that only reads never creates a database: it
says which one it looked for instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from server.core.migrate import is_current
from server.core.settings import Settings

CHECKOUT = Path(__file__).resolve().parents[2]


class NoDatabase(Exception):
    """No database where the settings point; the message is one line for the operator."""


@dataclass(frozen=True)
class Located:
    settings: Settings
    note: str | None = None  # said on stderr when the database is not the obvious one


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None: not SQLite, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _anchored(url: str, folder: Path) -> str:
    """`url` with a relative SQLite path taken relative to `folder`."""
    path = sqlite_path(url)
    if path is None or path.is_absolute():
        return url
    return make_url(url).set(database=str(folder / path)).render_as_string(hide_password=False)


def checkout() -> Path | None:
    """The source checkout hallq runs from (an editable install), if any."""
    return CHECKOUT if (CHECKOUT / "pyproject.toml").is_file() else None


def locate(*, must_exist: bool) -> Located:
    """The settings with the database the server would use; with `must_exist`, NoDatabase
    rather than a SQLite file that is not there (the caller would create it by opening it)."""
    settings = Settings()
    if "database_url" in settings.model_fields_set:
        _check(settings.database_url, must_exist, "set by HALLQ_DATABASE_URL")
        return Located(settings)
    here = Path.cwd()
    default = sqlite_path(settings.database_url)
    if default is None or default.exists():
        return Located(settings)
    root = checkout()
    if root is not None and root.resolve() != here.resolve():
        project = Settings(_env_file=root / ".env")
        url = _anchored(project.database_url, root)
        path = sqlite_path(url)
        if "database_url" in project.model_fields_set or path is None or path.exists():
            _check(url, must_exist, f"set by {root / '.env'}")
            note = f"using the database of the hallq checkout: {_shown(url)}"
            return Located(project.model_copy(update={"database_url": url}), note)
    if must_exist:
        raise NoDatabase(
            f"no database is configured: HALLQ_DATABASE_URL is not set (environment or ./.env) "
            f"and there is no {default} here ({here})"
            + (f" nor in the hallq checkout ({root})" if root else "")
            + "; set HALLQ_DATABASE_URL, or run the command in the server's folder"
        )
    return Located(settings)


def locate_current() -> Located:
    """`locate` for a command that reads: the database must be there, reachable and migrated
    (NoDatabase otherwise, saying which of these it is not)."""
    found = locate(must_exist=True)
    try:
        current = is_current(found.settings.database_url)
    except SQLAlchemyError as exc:  # PostgreSQL down, wrong password, no such database …
        raise NoDatabase(f"cannot open the database: {str(exc).strip().splitlines()[0]}") from None
    if not current:
        raise NoDatabase("the database is not migrated; run `hallq db upgrade`")
    return found


def _check(url: str, must_exist: bool, source: str) -> None:
    path = sqlite_path(url)
    if must_exist and path is not None and not path.exists():
        raise NoDatabase(
            f"no database at {path.absolute()} ({source}); check the setting, "
            "or create the database with `hallq db upgrade`"
        )


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
