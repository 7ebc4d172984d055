"""Fixtures: every API test runs on SQLite, and on PostgreSQL (+ Redis) when reachable, on a
copy of a database migrated once per session (tests/databases.py); the live-server tests of a
module share one `hallq serve` (`server`, `remote`). The test layers are in tests/layers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.core.settings import Settings
from tests.databases import ADMIN_PASSWORD, Kind, Templates
from tests.support import (
    REDIS_URL,
    Clock,
    Hall,
    LiveServer,
    Remote,
    cheap_password_hashing,
    free_port,
    live_env,
    require_service,
)

__all__ = ["ADMIN_PASSWORD", "Api"]
pytest_plugins = ["tests.browser", "tests.layers"]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """Databases migrated once per session, copied per test (tests/databases.py)."""
    session_templates = Templates(tmp_path_factory.mktemp("templates"))
    try:
        yield session_templates
    finally:
        session_templates.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, templates: Templates) -> Iterator[str]:
    """A database of its own, migrated, with the default branch and `admin` (ADMIN_PASSWORD)."""
    if backend == "sqlite":
        yield templates.sqlite(tmp_path / "hallq.db")
    else:
        with templates.postgres() as url:
            yield url


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Iterator[str]:
    """An empty database, nothing migrated: for the tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrate.db"
    else:
        with templates.postgres_empty() as url:
            yield url


@pytest.fixture
def bus_url(backend: str) -> str:
    if backend == "postgres":
        require_service("Redis", 6379)
        return REDIS_URL
    return "memory://"


@pytest.fixture
def settings(db_url: str, bus_url: str) -> Settings:
    """The alerts' background rounds and the end-of-day close-out are off: a test's stream
    sees only its own events (the alert and close-out tests run rounds themselves, with the
    moved clock)."""
    return Settings(database_url=db_url, bus_url=bus_url, admin_password=ADMIN_PASSWORD,
                    alerts_evaluate=False, day_close=False)  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """For modules that log in a lot: `pytestmark = pytest.mark.usefixtures("cheap_hashing")`."""
    cheap_password_hashing(monkeypatch)


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


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    templates: Templates,
) -> Iterator[LiveServer]:
    """`hallq serve` on a fresh SQLite database (migrated: its first start bootstraps it),
    shared by the tests of a module. The tickets it prints link to the server itself
    (HALLQ_PUBLIC_BASE_URL)."""
    tmp = tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])
    port = free_port()
    env = live_env(templates.sqlite(tmp / "hallq.db", Kind.SCHEMA))
    if getattr(request.module, "EVALUATE_ALERTS", False):  # the module's tests watch alerts
        env["HALLQ_ALERTS_EVALUATE"] = "true"
        # They move times in the database behind the server's back (`backdate`): no event
        # tells the evaluator, only its sweep finds such a change (server/alerts/watch.py).
        env["HALLQ_ALERTS_SWEEP_S"] = "1"
    live = LiveServer(env | {"HALLQ_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, port=port)
    try:
        yield live.start()
    finally:
        live.stop()  # also when it never became healthy


@pytest.fixture(scope="module")
def remote(server: LiveServer) -> Iterator[Remote]:
    """The admin's setup steps over HTTP against `server`."""
    admin = Remote(server)
    yield admin
    admin.close()
