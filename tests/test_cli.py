"""The `hallq` command (Typer), in-process with CliRunner, on temporary SQLite databases.

`hallq serve` is exercised by the live-server tests (tests/support.py LiveServer), not here.
"""

from __future__ import annotations

import re
import sqlite3
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from server.app import create_app
from server.cli import app as cli
from server.core.settings import Settings
from tests.support import ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

ADMIN_PASSWORD = "cli-admin-password-1"

HALL_TOML = """\
[branch]
name = "测试大厅"
timezone = "Asia/Shanghai"
locale = "zh-CN"

[branch.settings]
holidays = ["2026-10-01"]
cutoff_min = 15
marquee = "欢迎 · Welcome"
public_booking = true
appointment_slot_min = 20
appointment_days_ahead = 14
appointment_personal_days = 60

[branch.settings.opening_hours]
mon = [["08:30", "12:00"], ["13:30", "17:30"]]
tue = [["08:30", "17:30"]]
sat = [["09:00", "12:00"]]

[[services]]
code = "general"
prefix = "A"
name = { "zh-CN" = "综合业务", "zh-TW" = "綜合業務", en = "General" }
start_number = 1
end_number = 999
target_wait_min = 15
service_min = 6.0
appointment_capacity = 4

[[services]]
code = "payments"
prefix = "B"
name = { "zh-CN" = "缴费", "zh-TW" = "繳費", en = "Payments" }
start_number = 100
end_number = 499
daily_quota = 200

[[services]]
code = "priority"
prefix = "V"
name = { "zh-CN" = "优先", "zh-TW" = "優先", en = "Priority" }

[[counters]]
number = 1
name = "1号窗口"
services = ["general", "priority"]
priority_interleave = 2

[[counters]]
number = 2
name = "2号窗口"
services = ["payments"]

[[counters]]
number = 3
name = "综合窗口"
services = ["general", "payments", "priority"]
"""


class Hallq:
    """Runs `hallq …` against one database URL."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> str:
        result: Result = self.runner.invoke(
            cli,
            list(args),
            env={"HALLQ_DATABASE_URL": self.db_url, "HALLQ_ADMIN_PASSWORD": ADMIN_PASSWORD},
        )
        unexpected = code == 0 and not isinstance(result.exception, SystemExit | None)
        if unexpected and result.exception is not None:
            raise result.exception
        assert result.exit_code == code, (args, result.exit_code, result.output)
        return result.output

    def client(self) -> TestClient:
        return TestClient(create_app(Settings(database_url=self.db_url, bus_url="memory://")))


@pytest.fixture
def hallq(tmp_path: Path) -> Iterator[Hallq]:
    yield Hallq(f"sqlite:///{tmp_path}/hallq.db")


def login(client: TestClient, username: str, password: str) -> dict[str, str]:
    body = ok(client.post("/api/v1/auth/login", json={"username": username, "password": password}))
    return {"Authorization": f"Bearer {body['token']}"}


def test_db_upgrade_creates_a_migrated_database_with_the_default_branch(
    hallq: Hallq, tmp_path: Path
) -> None:
    out = hallq("db", "upgrade")
    assert "database at head" in out
    assert (tmp_path / "hallq.db").exists()
    assert "database at head" in hallq("db", "upgrade")  # idempotent
    with sqlite3.connect(tmp_path / "hallq.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert conn.execute("SELECT count(*) FROM branch").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM app_user").fetchone() == (0,)


def test_the_server_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    with (
        pytest.raises(Exception, match="hallq db upgrade"),
        TestClient(create_app(Settings(database_url=url))),
    ):
        pass


def test_user_add_creates_a_clerk_who_can_log_in(hallq: Hallq) -> None:
    hallq("db", "upgrade")
    out = hallq(
        "user", "add", "wang", "--role", "clerk", "--branch", "1", "--password", "clerk-password-1"
    )
    assert re.search(r"created clerk 'wang' \(id \d+\), branches \[1\]", out), out
    # A second user of that name is refused (non-zero exit), the first one is left alone.
    err = hallq("user", "add", "wang", "--role", "clerk", "--password", "other-password-1", code=1)
    assert "already exists" in err and "Traceback" not in err, err
    err = hallq("user", "add", "li", "--role", "boss", "--password", "other-password-1", code=1)
    assert "role" in err and "Traceback" not in err, err
    with hallq.client() as client:
        headers = login(client, "wang", "clerk-password-1")
        assert ok(client.get("/api/v1/branches", headers=headers))[0]["id"] == 1
        assert client.get("/api/v1/users", headers=headers).status_code == 403  # a clerk


def test_device_add_prints_a_token_that_authenticates(hallq: Hallq) -> None:
    hallq("db", "upgrade")
    out = hallq("device", "add", "--kind", "kiosk", "--name", "K1", "--branch", "1")
    match = re.search(r"kiosk 'K1' id (\d+) token: (\S+)", out)
    assert match, out
    token = match.group(2)
    with hallq.client() as client:
        branches = ok(client.get("/api/v1/branches", headers={"Authorization": f"Bearer {token}"}))
        assert [b["id"] for b in branches] == [1]
        bad = client.get("/api/v1/branches", headers={"Authorization": f"Bearer {token}x"})
        assert bad.status_code == 401
        assert set(bad.json()) == {"error", "detail"}


def _services(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    return {s["code"]: s for s in ok(client.get("/api/v1/services?branch_id=1", headers=headers))}


def test_export_then_import_into_a_fresh_database_round_trips_the_hall(tmp_path: Path) -> None:
    first = Hallq(f"sqlite:///{tmp_path}/first.db")
    second = Hallq(f"sqlite:///{tmp_path}/second.db")
    source = tmp_path / "source.toml"
    source.write_text(HALL_TOML, encoding="utf-8")
    assert "imported 3 services and 3 counters into branch 1" in first("import", str(source))

    exported = tmp_path / "hall.toml"
    assert f"wrote {exported}" in first("export", str(exported))
    doc = tomllib.loads(exported.read_text(encoding="utf-8"))
    names = {s["code"]: s["name"] for s in doc["services"]}
    assert names["payments"] == {"zh-CN": "缴费", "zh-TW": "繳費", "en": "Payments"}
    hours = doc["branch"]["settings"]["opening_hours"]
    assert hours["mon"] == [["08:30", "12:00"], ["13:30", "17:30"]]

    second("db", "upgrade")
    second("user", "add", "admin", "--role", "admin", "--password", ADMIN_PASSWORD)
    second("import", str(exported))
    again = tmp_path / "again.toml"
    second("export", str(again))
    assert tomllib.loads(again.read_text(encoding="utf-8")) == doc

    # And what the API of the fresh database now serves.
    with second.client() as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        services = _services(client, admin)
        assert set(services) == {"general", "payments", "priority"}
        assert services["general"]["name"] == {
            "zh-CN": "综合业务",
            "zh-TW": "綜合業務",
            "en": "General",
        }
        assert services["payments"]["prefix"] == "B"
        assert services["payments"]["start_number"] == 100
        assert services["payments"]["end_number"] == 499
        assert services["payments"]["daily_quota"] == 200
        by_id = {s["id"]: code for code, s in services.items()}
        counters = {
            c["number"]: c for c in ok(client.get("/api/v1/counters?branch_id=1", headers=admin))
        }
        assert {n: [by_id[i] for i in c["service_ids"]] for n, c in counters.items()} == {
            1: ["general", "priority"],
            2: ["payments"],
            3: ["general", "payments", "priority"],
        }
        assert counters[3]["name"] == "综合窗口"
        settings = ok(client.get("/api/v1/branches/1", headers=admin))["settings"]
        assert settings["opening_hours"] == {
            "mon": [["08:30", "12:00"], ["13:30", "17:30"]],
            "tue": [["08:30", "17:30"]],
            "sat": [["09:00", "12:00"]],
        }
        assert settings["holidays"] == ["2026-10-01"]
        assert settings["cutoff_min"] == 15
        assert services["general"]["appointment_capacity"] == 4
        assert services["payments"]["appointment_capacity"] == 0
        assert (settings["public_booking"], settings["appointment_slot_min"]) == (True, 20)
        assert settings["appointment_days_ahead"] == 14
        assert settings["appointment_personal_days"] == 60


def test_import_is_an_update_by_code_and_number(hallq: Hallq, tmp_path: Path) -> None:
    source = tmp_path / "hall.toml"
    source.write_text(HALL_TOML, encoding="utf-8")
    hallq("import", str(source))
    source.write_text(HALL_TOML.replace('en = "Payments"', 'en = "Bills"'), encoding="utf-8")
    hallq("import", str(source))
    out = tmp_path / "out.toml"
    hallq("export", str(out))
    doc = tomllib.loads(out.read_text(encoding="utf-8"))
    assert len(doc["services"]) == 3 and len(doc["counters"]) == 3
    assert {s["code"]: s["name"]["en"] for s in doc["services"]}["payments"] == "Bills"


def test_backup_is_a_readable_sqlite_copy_with_the_same_tickets(
    hallq: Hallq, tmp_path: Path
) -> None:
    hallq("demo", "--no-history", "--credentials", str(tmp_path / "first-run.txt"))
    with hallq.client() as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        for service_id in (1, 1, 2, 3, 4):
            ok(client.post("/api/v1/tickets", json={"service_id": service_id}, headers=admin), 201)
        # The server is still running (its connections open, WAL not checkpointed): an online copy.
        backup = tmp_path / "backups" / "hallq-copy.db"
        backup.parent.mkdir()
        assert f"backup written to {backup}" in hallq("backup", str(backup))

    query = "SELECT id, number, service_id, state, business_date FROM ticket ORDER BY id"
    with sqlite3.connect(tmp_path / "hallq.db") as live, sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tickets = live.execute(query).fetchall()
        assert len(tickets) == 5
        assert copy.execute(query).fetchall() == tickets
        assert [row[1] for row in tickets] == ["A001", "A002", "B001", "C001", "V001"]

    # The copy is a working hallq database: a server starts on it and sees the same tickets.
    copy_url = f"sqlite:///{backup}"
    with TestClient(create_app(Settings(database_url=copy_url))) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        numbers = [t["number"] for t in ok(client.get("/api/v1/tickets", headers=admin))]
        assert sorted(numbers) == ["A001", "A002", "B001", "C001", "V001"]


def test_demo_seeds_the_hall_and_writes_the_credentials(hallq: Hallq, tmp_path: Path) -> None:
    credentials = tmp_path / "var" / "first-run.txt"
    out = hallq("demo", "--no-history", "--credentials", str(credentials))
    assert "/docs" in out and "/healthz" in out
    text = credentials.read_text(encoding="utf-8")
    assert credentials.stat().st_mode & 0o777 == 0o600
    clerk = re.search(r"clerk password:\s+(\S+)", text)
    kiosk = re.search(r"kiosk device:\s+id (\d+) token (\S+)", text)
    display = re.search(r"display device:\s+id (\d+) token (\S+)", text)
    assert clerk and kiosk and display, text
    assert "admin password" not in text  # HALLQ_ADMIN_PASSWORD was given: nothing generated
    assert text.rstrip() in out  # printed as well

    with hallq.client() as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        services = ok(client.get("/api/v1/services?branch_id=1", headers=admin))
        assert sorted(s["prefix"] for s in services) == ["A", "B", "C", "V"]
        for service in services:
            assert set(service["name"]) == {"zh-CN", "zh-TW", "en"}
        assert {s["prefix"]: s["name"]["zh-CN"] for s in services}["B"] == "缴费"
        counters = ok(client.get("/api/v1/counters?branch_id=1", headers=admin))
        assert sorted(c["number"] for c in counters) == [1, 2, 3, 4, 5, 6]
        assert all(c["service_ids"] for c in counters)
        # The printed credentials work: the clerk logs in, the kiosk issues, the display reads.
        login(client, "clerk", clerk.group(1))
        kiosk_headers = {"Authorization": f"Bearer {kiosk.group(2)}"}
        ticket = ok(
            client.post(
                "/api/v1/tickets", json={"service_id": services[0]["id"]}, headers=kiosk_headers
            ),
            201,
        )
        assert ticket["state"] == "waiting"  # the demo hall is open around the clock
        display_headers = {"Authorization": f"Bearer {display.group(2)}"}
        assert ok(client.get("/api/v1/branches/1/queue", headers=display_headers))["seq"] >= 1
        # Service A is bookable, with a few bookings for today (fewer just before midnight)
        a = next(s for s in services if s["prefix"] == "A")
        assert a["appointment_capacity"] > 0
        booked = ok(client.get("/api/v1/appointments?branch_id=1", headers=admin))
        late = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%H:%M") > "23:45"
        assert 1 <= len(booked) <= 3 or late
        assert all(b["service_id"] == a["id"] and b["name"] for b in booked)

    # A second `demo` seeds nothing more and adds no credentials.
    hallq("demo", "--no-history", "--credentials", str(credentials))
    assert credentials.read_text(encoding="utf-8") == text
    with sqlite3.connect(tmp_path / "hallq.db") as conn:
        assert conn.execute("SELECT count(*) FROM service").fetchone() == (4,)
        assert conn.execute("SELECT count(*) FROM counter").fetchone() == (6,)


def test_demo_without_admin_password_generates_and_records_one(tmp_path: Path) -> None:
    credentials = tmp_path / "first-run.txt"
    result = CliRunner().invoke(
        cli,
        ["demo", "--no-history", "--credentials", str(credentials)],
        env={"HALLQ_DATABASE_URL": f"sqlite:///{tmp_path}/hallq.db", "HALLQ_ADMIN_PASSWORD": None},
    )
    assert result.exit_code == 0, result.output
    match = re.search(r"admin password:\s+(\S+)", credentials.read_text(encoding="utf-8"))
    assert match and match.group(1) in result.output
    with TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path}/hallq.db"))) as c:
        login(c, "admin", match.group(1))
