"""Which database `hallq` acts on, and the commands that read, import, back up and restore it.

A read command never creates a database; a bad hall.toml imports nothing; a backup never
replaces a file unasked and is private (0600); a restore asks first, refuses while the database
is in use, and brings back exactly the backed-up state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from server.app import create_app
from server.cli import app as cli
from server.core import located
from server.core.settings import Settings
from tests.conftest import ADMIN_PASSWORD
from tests.support import ok, require_service
from tests.test_cli import HALL_TOML, Hallq, hallq

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]
__all__ = ["hallq"]  # the fixture

READ_COMMANDS = [
    ["report"],
    ["report", "daily"],
    ["export", "hall.toml"],
    ["backup", "copy.db"],
    ["user", "list"],
    ["user", "reset-password", "admin"],
    ["device", "list"],
    ["device", "revoke", "1"],
]


def run(*args: str, code: int, env: dict[str, str | None] | None = None, stdin: str = "") -> str:
    """`hallq …` with nothing configured unless `env` says so."""
    result = CliRunner().invoke(
        cli, list(args), env={"HALLQ_DATABASE_URL": None, **(env or {})}, input=stdin
    )
    assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
    return result.output


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working folder that is not the server's, and a checkout with no database."""
    folder, checkout = tmp_path / "elsewhere", tmp_path / "checkout"
    folder.mkdir()
    checkout.mkdir()
    (checkout / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.setattr(located, "CHECKOUT", checkout)
    yield folder


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_read_command_with_no_database_configured_says_so_and_creates_none(
    elsewhere: Path, command: list[str]
) -> None:
    out = run(*command, code=1)
    assert "no database is configured" in out and "HALLQ_DATABASE_URL" in out, out
    assert "Traceback" not in out and "db upgrade" not in out
    assert list(elsewhere.iterdir()) == []  # no var/hallq.db, no var/


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_read_command_on_a_missing_configured_file_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/gone/hallq.db"
    out = run(*command, code=1, env={"HALLQ_DATABASE_URL": url})
    assert f"no database at {tmp_path}/gone/hallq.db" in out, out
    assert not (tmp_path / "gone").exists()


@pytest.mark.parametrize("command", [c for c in READ_COMMANDS if c[0] != "backup"], ids=" ".join)
def test_a_read_command_on_an_unreachable_postgresql_says_so_in_one_line(
    command: list[str],
) -> None:
    require_service("PostgreSQL", 5432)
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/hallq_no_such_database"
    out = run(*command, code=1, env={"HALLQ_DATABASE_URL": url})
    assert "cannot open the database" in out and "Traceback" not in out, out
    assert len(out.strip().splitlines()) == 1, out


def test_a_command_run_elsewhere_finds_the_checkouts_database(
    elsewhere: Path, tmp_path: Path
) -> None:
    """`make run` serves var/hallq.db of the checkout: `hallq report` from any folder reads it."""
    checkout = tmp_path / "checkout"
    Hallq(f"sqlite:///{checkout}/var/hallq.db")("user", "add", "wang", "--password", "password-1")
    out = run("user", "list", code=0)
    assert "wang" in out and "using the database of the hallq checkout" in out, out
    assert "Total" in run("report", "--locale", "en", code=0)
    assert list(elsewhere.iterdir()) == []
    # The checkout's .env names the database, relative to the checkout as the server runs there.
    (checkout / "var" / "hallq.db").rename(checkout / "hall.db")
    (checkout / ".env").write_text("HALLQ_DATABASE_URL=sqlite:///hall.db\n", encoding="utf-8")
    assert "wang" in run("user", "list", code=0)


def test_import_of_a_missing_or_bad_file_says_so_in_one_line_and_imports_nothing(
    hallq: Hallq, tmp_path: Path
) -> None:
    hallq("db", "upgrade")
    bad = tmp_path / "bad.toml"
    cases = {
        "missing.toml": "no such file",
        "not toml": "not valid TOML",
        '[[services]]\ncode = "x"\nprefix = "lower"\nname = {en = "X"}\n': "services[0].prefix",
        "[branch]\ntimezone = 5\n": "branch.timezone",
        '[[counters]]\nname = "no number"\n': "counters.0.number",
        "services = 3\n": "services",
        "branch = [1]\n": "branch",
        "servics = []\n": "servics",
        # Valid to the last line: a counter naming a service nobody defined undoes it all.
        HALL_TOML.replace('services = ["payments"]', 'services = ["payment"]'): "unknown service",
    }
    for content, expected in cases.items():
        path = tmp_path / content if content.endswith(".toml") else bad
        if path == bad:
            bad.write_text(content, encoding="utf-8")
        out = hallq("import", str(path), code=1)
        assert expected in out and "nothing was imported" in out, (content, out)
        assert "Traceback" not in out and len(out.strip().splitlines()) == 1, out
    bad.write_bytes(b"\xff\xfe")
    assert "not UTF-8" in hallq("import", str(bad), code=1)
    with sqlite3.connect(tmp_path / "hallq.db") as conn:
        assert conn.execute("SELECT count(*) FROM service").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM counter").fetchone() == (0,)


def test_import_of_a_missing_file_creates_no_database(tmp_path: Path) -> None:
    out = Hallq(f"sqlite:///{tmp_path}/new.db")("import", str(tmp_path / "nope.toml"), code=1)
    assert "no such file" in out
    assert not (tmp_path / "new.db").exists()


def test_backup_keeps_an_existing_file_and_a_missing_folder_missing(
    hallq: Hallq, tmp_path: Path
) -> None:
    hallq("db", "upgrade")
    target = tmp_path / "copy.db"
    target.write_text("yesterday's backup", encoding="utf-8")
    out = hallq("backup", str(target), code=1)
    assert "exists; give --force" in out and "Traceback" not in out
    assert target.read_text(encoding="utf-8") == "yesterday's backup"

    assert "backup written" in hallq("backup", str(target), "--force")
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert target.stat().st_mode & 0o777 == 0o600

    missing = tmp_path / "no" / "such" / "copy.db"
    out = hallq("backup", str(missing), code=1)
    assert f"there is no folder {missing.parent}" in out
    assert not (tmp_path / "no").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_fresh_backup_is_private(hallq: Hallq, tmp_path: Path) -> None:
    hallq("db", "upgrade")
    hallq("backup", str(tmp_path / "fresh.db"))
    assert (tmp_path / "fresh.db").stat().st_mode & 0o777 == 0o600


def _tickets(client: TestClient, headers: dict[str, str]) -> list[str]:
    return sorted(t["number"] for t in ok(client.get("/api/v1/tickets", headers=headers)))


def _login(client: TestClient, username: str, password: str) -> dict[str, str]:
    body = ok(client.post("/api/v1/auth/login", json={"username": username, "password": password}))
    return {"Authorization": f"Bearer {body['token']}"}


def test_restore_brings_back_the_backup_and_the_server_works(db_url: str, tmp_path: Path) -> None:
    """Backup → change → restore: the change is gone, the server serves the restored hall."""
    hallq = Hallq(db_url)
    settings = Settings(database_url=db_url, bus_url="memory://")
    with TestClient(create_app(settings)) as client:
        admin = _login(client, "admin", ADMIN_PASSWORD)
        service = ok(client.post("/api/v1/services", headers=admin, json={
            "branch_id": 1, "code": "a", "prefix": "A", "name": {"en": "A"}}), 201)  # fmt: skip
        ok(client.post("/api/v1/tickets", json={"service_id": service["id"]}, headers=admin), 201)
    backup = tmp_path / "before.backup"
    hallq("backup", str(backup))

    with TestClient(create_app(settings)) as client:
        admin = _login(client, "admin", ADMIN_PASSWORD)
        ok(client.post("/api/v1/tickets", json={"service_id": service["id"]}, headers=admin), 201)
        ok(client.post("/api/v1/users", headers=admin, json={
            "username": "later", "password": "password-1", "role": "clerk",
            "branch_ids": [1]}), 201)  # fmt: skip
        assert _tickets(client, admin) == ["A001", "A002"]
        # While a server has the database open, the restore refuses and changes nothing.
        out = hallq("restore", str(backup), "--yes", code=1)
        assert "in use" in out and "stop the server" in out, out
        assert _tickets(client, admin) == ["A001", "A002"]

    # Asked, and answered no: nothing happens.
    result = CliRunner().invoke(cli, ["restore", str(backup)], input="n\n",
                                env={"HALLQ_DATABASE_URL": db_url})  # fmt: skip
    assert result.exit_code == 1 and "nothing was restored" in result.output, result.output
    assert "Replace everything in the database" in result.output

    result = CliRunner().invoke(cli, ["restore", str(backup)], input="y\n",
                                env={"HALLQ_DATABASE_URL": db_url})  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert f"restored {backup}" in result.output

    with TestClient(create_app(settings)) as client:
        admin = _login(client, "admin", ADMIN_PASSWORD)
        assert _tickets(client, admin) == ["A001"]  # A002 is gone
        users = ok(client.get("/api/v1/users", headers=admin))
        assert "later" not in {u["username"] for u in users}
        ticket = ok(client.post("/api/v1/tickets", json={"service_id": service["id"]},
                                headers=admin), 201)  # fmt: skip
        assert ticket["number"] == "A002"  # numbering goes on from the restored state


def test_restore_refuses_what_is_not_a_backup(hallq: Hallq, tmp_path: Path) -> None:
    hallq("db", "upgrade")
    junk = tmp_path / "junk.db"
    junk.write_text("not a database", encoding="utf-8")
    assert "is not a hallq SQLite backup" in hallq("restore", str(junk), "--yes", code=1)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert "is not a hallq SQLite backup" in hallq("restore", str(other), "--yes", code=1)
    assert "no such file" in hallq("restore", str(tmp_path / "nope.db"), "--yes", code=1)
