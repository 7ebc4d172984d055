"""Property-based fuzzing of the whole HTTP API from its own /openapi.json (schemathesis).

No input a client can send may produce a 5xx, and every 4xx leaves with API.md's error body
{"error", "detail"}. Runs in-process (ASGI) on a private SQLite hall seeded with a few services,
counters and tickets so that small generated ids hit real rows. The websocket is not part of
the OpenAPI document and is fuzzed elsewhere (tests/test_stream.py covers its refusals).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from sqlalchemy import create_engine, text

from server.app import create_app
from server.auth import service as auth
from server.core.context import Ctx
from server.core.engine import Database
from server.core.settings import Settings
from server.halls import bootstrap
from tests.databases import Kind, Templates
from tests.support import Clock, ok

pytestmark = pytest.mark.integration

ADMIN_PASSWORD = "fuzz-admin-password-1"
# Examples per operation; raise it locally for a deeper run, e.g. HALLQ_FUZZ_EXAMPLES=300.
EXAMPLES = int(os.environ.get("HALLQ_FUZZ_EXAMPLES", "20"))


def error_body(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx body is a JSON object with string `error` and `detail`."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not (
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and isinstance(body.get("detail"), str)
    ):
        raise AssertionError(
            f"{case.method} {case.formatted_path} → {response.status_code} without "
            f'{{"error", "detail"}}: {response.text[:300]!r}'
        )
    return True


CHECKS = [not_a_server_error, error_body]


class Hall:
    """The fuzzed app (its lifespan held by a TestClient), its database and the admin token."""

    def __init__(self, client: TestClient, db_url: str, admin: str) -> None:
        self.client = client
        self.admin = admin
        self.engine = create_engine(db_url)

    def send(self, case: Case, headers: dict[str, str]) -> httpx.Response:
        """Send a generated case through the TestClient (requests-style kwargs → httpx)."""
        kw = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
        extra: dict[str, Any] = {}
        if "json" in kw:
            extra["json"] = kw["json"]
        elif kw.get("data") is not None:
            data = kw["data"]
            extra["content"] = data if isinstance(data, bytes | str) else str(data)
        request_headers = {str(k): str(v) for k, v in (kw.get("headers") or {}).items()}
        if kw.get("cookies"):
            request_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in kw["cookies"].items())
        return self.client.request(
            kw["method"], kw["url"], params=kw.get("params"), headers=request_headers, **extra
        )

    def repair_admin(self) -> None:
        """Cases may demote, deactivate or re-password user 1 (the admin sending them): undo
        the role and active flag so every later case still runs as admin."""
        with self.engine.begin() as conn:
            conn.execute(text("UPDATE app_user SET role='admin', active=1 WHERE id=1"))

    def fresh_token(self) -> str:
        """A throwaway admin token (for logout, which revokes the token it is sent with)."""
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE app_user SET password_hash=:h WHERE id=1"),
                {"h": auth.hash_password(ADMIN_PASSWORD)},
            )
        body = ok(
            self.client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
        )
        return str(body["token"])


def _seed(client: TestClient, admin: dict[str, str]) -> None:
    """A few rows at small ids: services 1–2, counters 1–2, a second branch, tickets 1–4."""

    def post(path: str, body: Any, status: int = 201) -> Any:
        return ok(client.post(path, json=body, headers=admin), status)

    for prefix in ("A", "B"):
        post(
            "/api/v1/services",
            {
                "branch_id": 1,
                "code": prefix.lower(),
                "prefix": prefix,
                "name": {"zh-CN": f"业务{prefix}", "en": f"Service {prefix}"},
            },
        )
    post("/api/v1/counters", {"branch_id": 1, "number": 1, "service_ids": [1, 2]})
    post("/api/v1/counters", {"branch_id": 1, "number": 2, "service_ids": [2]})
    post("/api/v1/branches", {"name": "Branch 2", "timezone": "America/Vancouver", "locale": "en"})
    post(
        "/api/v1/users",
        {"username": "clerk", "password": "password-123", "role": "clerk", "branch_ids": [1]},
    )
    post("/api/v1/devices", {"kind": "kiosk", "name": "K1", "branch_id": 1})
    for service_id in (1, 1, 2, 1):
        post("/api/v1/tickets", {"service_id": service_id})
    post("/api/v1/counters/1/open", None, 200)
    post("/api/v1/counters/1/call-next", None, 200)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Hall]:
    db_url = templates.sqlite(tmp_path_factory.mktemp("schemathesis") / "hallq.db", Kind.SCHEMA)
    with pytest.MonkeyPatch.context() as mp:
        # argon2id at minimal cost: the same code path without ~0.15 s per hash.
        mp.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        config = Settings(
            database_url=db_url,
            bus_url="memory://",
            admin_password=ADMIN_PASSWORD,
            login_max_failures=1_000_000,
        )
        ctx = Ctx(Database(db_url), config, Clock(), None)
        bootstrap.ensure_default_branch(ctx)  # no opening hours: open around the clock
        bootstrap.ensure_admin(ctx, ADMIN_PASSWORD)
        ctx.db.dispose()
        with TestClient(create_app(config), raise_server_exceptions=False) as client:
            token = ok(
                client.post(
                    "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
                )
            )["token"]
            _seed(client, {"Authorization": f"Bearer {token}"})
            hall = Hall(client, db_url, str(token))
            yield hall
            hall.engine.dispose()


# The document is the app's own; building an app reads no database (that happens on startup).
schema = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite://")).openapi()
).exclude(path_regex=r"/events$")  # the websocket (not in the document; excluded to be explicit)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_error_bodies(case: Case, hall: Hall) -> None:
    token = hall.fresh_token() if case.path.endswith("/auth/logout") else hall.admin
    headers = {"Authorization": f"Bearer {token}"}
    if case.headers and "authorization" in {k.lower() for k in case.headers}:
        headers = {}  # the case sends its own (generated) credentials
    try:
        response = hall.send(case, headers)
        case.validate_response(response, checks=CHECKS)
    finally:
        hall.repair_admin()


def test_the_schema_covers_the_api() -> None:
    """The fuzzed document lists the operations of API.md (a rename would silently shrink it)."""
    paths = set(schema.raw_schema["paths"])
    for path in (
        "/api/v1/auth/login",
        "/api/v1/tickets",
        "/api/v1/counters/{counter_id}/call-next",
        "/api/v1/counters/{counter_id}/transfer",
        "/api/v1/branches/{branch_id}/queue",
        "/api/v1/public/tickets/{public_id}",
        "/api/v1/users/{user_id}",
        "/healthz",
    ):
        assert path in paths, path
    assert not any(p.endswith("/events") for p in paths)
