"""Fixtures: every API test runs on SQLite, and on PostgreSQL (+ Redis) when reachable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.api.app import create_app
from server.db.engine import Database
from server.db.migrate import upgrade
from server.services import bootstrap
from server.services.context import Ctx
from server.settings import Settings
from tests.support import REDIS_URL, Clock, Hall, postgres_database, require_service

ADMIN_PASSWORD = "admin-password-1"
pytest_plugins = ["tests.browser"]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/hallq.db"
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def bus_url(backend: str) -> str:
    if backend == "postgres":
        require_service("Redis", 6379)
        return REDIS_URL
    return "memory://"


@pytest.fixture
def settings(db_url: str, bus_url: str) -> Settings:
    upgrade(db_url)
    settings = Settings(database_url=db_url, bus_url=bus_url, admin_password=ADMIN_PASSWORD)
    ctx = Ctx(Database(db_url), settings, Clock(), None)
    bootstrap.ensure_default_branch(ctx)
    bootstrap.ensure_admin(ctx, ADMIN_PASSWORD)
    ctx.db.dispose()
    return settings


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Api(Hall):
    """A TestClient with helpers for the common steps of a scenario."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.admin = self.login("admin", ADMIN_PASSWORD)

    def device(self, kind: str, branch_id: int = 1) -> tuple[int, dict[str, str]]:
        body = self.post("/api/v1/devices", {"kind": kind, "name": kind, "branch_id": branch_id},
                         status=201)  # fmt: skip
        return body["id"], {"Authorization": f"Bearer {body['token']}"}

    def issue(self, service_id: int, headers: dict[str, str] | None = None, **extra: Any) -> Any:
        return self.post("/api/v1/tickets", {"service_id": service_id, **extra}, headers, 201)

    def act(self, counter_id: int, action: str, json: Any = None,
            headers: dict[str, str] | None = None, status: int = 200) -> Any:  # fmt: skip
        return self.post(f"/api/v1/counters/{counter_id}/{action}", json, headers, status)


@pytest.fixture
def api(settings: Settings, clock: Clock) -> Iterator[Api]:
    with TestClient(create_app(settings, clock=clock)) as client:
        yield Api(client)
