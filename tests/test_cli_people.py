"""`hallq user reset-password`, `hallq user list`, `hallq device list` and `hallq device revoke`:
the operator's way back in, and out for a lost kiosk, without the web pages."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from server.app import create_app
from server.cli import app as cli
from server.core.settings import Settings
from tests.test_cli import ADMIN_PASSWORD, Hallq, hallq, login

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]
__all__ = ["hallq"]  # the fixture


def _refused(client: TestClient, username: str, password: str) -> bool:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    return response.status_code == 401


def test_reset_password_prints_a_one_time_password_and_ends_the_sessions(
    hallq: Hallq, caplog: pytest.LogCaptureFixture
) -> None:
    hallq("db", "upgrade")
    hallq("user", "add", "admin", "--role", "admin", "--password", ADMIN_PASSWORD)
    # The server remembers verified tokens for HALLQ_AUTH_CACHE_S; 0 here, to see the revocation.
    settings = Settings(database_url=hallq.db_url, bus_url="memory://", auth_cache_s=0)
    with TestClient(create_app(settings)) as client:
        old_session = login(client, "admin", ADMIN_PASSWORD)
        assert client.get("/api/v1/users", headers=old_session).status_code == 200
        with caplog.at_level(logging.DEBUG):
            out = hallq("user", "reset-password", "admin")
        match = re.search(r"one-time password: (\S+)", out)
        assert match and "1 session(s) ended" in out, out
        secret = match.group(1)
        assert len(secret) >= 12
        assert secret not in caplog.text  # shown on the terminal, in no log
        assert _refused(client, "admin", ADMIN_PASSWORD)
        login(client, "admin", secret)
        assert client.get("/api/v1/users", headers=old_session).status_code == 401


def test_reset_password_reads_the_password_from_stdin_and_never_prints_it(
    hallq: Hallq,
) -> None:
    hallq("db", "upgrade")
    hallq("user", "add", "wang", "--password", "clerk-password-1")
    result = CliRunner().invoke(
        cli, ["user", "reset-password", "wang", "--password-stdin"],
        input="chosen-password-2\n", env={"HALLQ_DATABASE_URL": hallq.db_url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "chosen-password-2" not in result.output and "one-time" not in result.output
    with hallq.client() as client:
        login(client, "wang", "chosen-password-2")
        assert _refused(client, "wang", "clerk-password-1")
    result = CliRunner().invoke(
        cli, ["user", "reset-password", "wang", "--password-stdin"],
        input="short\n", env={"HALLQ_DATABASE_URL": hallq.db_url},
    )  # fmt: skip
    assert result.exit_code == 1 and "8 to 200 characters" in result.output
    out = hallq("user", "reset-password", "nobody", code=1)
    assert "there is no user 'nobody'" in out and "Traceback" not in out


def test_user_list_shows_every_user(hallq: Hallq) -> None:
    hallq("db", "upgrade")
    hallq("user", "add", "wang", "--password", "clerk-password-1")
    hallq("user", "add", "boss", "--role", "admin", "--password", "admin-password-1")
    lines = hallq("user", "list").splitlines()
    assert re.fullmatch(r"\s*1\s+clerk\s+active\s+1\s+wang", lines[0]), lines
    assert re.fullmatch(r"\s*2\s+admin\s+active\s+all\s+boss", lines[1]), lines


def test_device_list_and_revoke(hallq: Hallq) -> None:
    hallq("db", "upgrade")
    kiosk = re.search(r"id (\d+) token: (\S+)", hallq("device", "add", "--kind", "kiosk",
                                                      "--name", "K1"))  # fmt: skip
    hallq("device", "add", "--kind", "display", "--name", "大厅电视")
    assert kiosk
    kiosk_id, token = kiosk.groups()
    lines = hallq("device", "list").splitlines()
    assert re.fullmatch(rf"\s*{kiosk_id}\s+kiosk\s+branch 1\s+active\s+K1", lines[0]), lines
    assert re.fullmatch(r"\s*\d+\s+display\s+branch 1\s+active\s+大厅电视", lines[1]), lines

    assert f"revoked kiosk 'K1' (id {kiosk_id})" in hallq("device", "revoke", kiosk_id)
    assert re.search(rf"{kiosk_id}\s+kiosk\s+branch 1\s+revoked", hallq("device", "list"))
    with hallq.client() as client:
        response = client.get("/api/v1/branches", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    out = hallq("device", "revoke", "99", code=1)
    assert "device 99 does not exist" in out and "Traceback" not in out
