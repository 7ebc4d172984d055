"""Idempotency-Key: every mutating endpoint fingerprints its whole body, and callers without a
login do not share keys (API.md, "Authentication"; issue 13, item 13)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.core.run import Idem
from tests.conftest import Api
from tests.support import ok
from tests.test_api_tickets import error_of, set_hall_settings

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

MUTATING = ("post", "patch", "put", "delete")
NOT_IDEMPOTENT = {
    ("POST", "/api/v1/auth/login"),  # answers a new token each time
    ("POST", "/api/v1/auth/logout"),  # revoking twice is harmless
    ("POST", "/api/v1/devices"),  # the token is shown once: never stored for a replay
    ("POST", "/api/v1/webhooks"),  # the secret is shown once: never stored for a replay
}
# Bodies that must each have their own fingerprint, per endpoint that takes a body. A new
# endpoint with a body fails `test_every_mutating_endpoint_fingerprints_its_whole_body` until
# it is listed here.
BODIES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("POST", "/api/v1/tickets"): [{"service_id": 1}, {"service_id": 1, "priority": "priority"}],
    ("POST", "/api/v1/tickets/{ticket_id}/requeue"): [{"position": "back"}, {"position": "front"}],
    ("POST", "/api/v1/public/tickets/{public_id}/rating"): [{"score": 4}, {"score": 5}],
    ("POST", "/api/v1/counters/{counter_id}/pause"): [{"reason": "lunch"}, {"reason": "break"}],
    ("POST", "/api/v1/counters/{counter_id}/call-next"): [{}, {"complete_current": True}],
    ("POST", "/api/v1/counters/{counter_id}/call"): [{"ticket_id": 1}, {"ticket_id": 2}],
    ("POST", "/api/v1/counters/{counter_id}/complete"): [{"outcome": "ok"}, {"outcome": "no"}],
    ("POST", "/api/v1/counters/{counter_id}/transfer"): [{"service_id": 1}, {"counter_id": 1}],
    ("POST", "/api/v1/counters/{counter_id}/resume"): [{"ticket_id": 1}, {"ticket_id": 2}],
    ("POST", "/api/v1/users"): [
        {"username": "u1", "password": "password-1", "role": "clerk", "branch_ids": [1]},
        {"username": "u1", "password": "password-2", "role": "clerk", "branch_ids": [1]},
        {"username": "u1", "password": "password-1", "role": "manager", "branch_ids": [1]},
    ],
    ("PATCH", "/api/v1/users/{user_id}"): [
        {"role": "manager"},
        {"role": "clerk"},
        {"password": "password-1"},
        {"password": "password-2"},
        {"active": False},
    ],
    ("POST", "/api/v1/branches"): [{"name": "East"}, {"name": "West"}],
    ("PATCH", "/api/v1/branches/{branch_id}"): [
        {},
        {"region": None},
        {"name": "East"},
        {"settings": {"public_issue": True}},
    ],
    ("POST", "/api/v1/services"): [
        {"code": "A", "prefix": "A", "name": {"en": "A"}},
        {"code": "A", "prefix": "B", "name": {"en": "A"}},
    ],
    ("PATCH", "/api/v1/services/{service_id}"): [{"active": True}, {"active": False}],
    ("POST", "/api/v1/counters"): [{"number": 1}, {"number": 2}],
    ("PATCH", "/api/v1/counters/{counter_id}"): [{"name": "a"}, {"name": "b"}],
    ("POST", "/api/v1/print-jobs/{job_id}/result"): [{"ok": True}, {"ok": False}],
    ("POST", "/api/v1/kiosks/{kiosk_id}/printer-status"): [{"online": True}, {"online": False}],
    ("POST", "/api/v1/tickets/{ticket_id}/reprint"): [{"kiosk_id": 1}, {"kiosk_id": 2}],
    ("POST", "/api/v1/complaints"): [
        {"branch_id": 1, "category": "other", "text": "a"},
        {"branch_id": 1, "category": "other", "text": "b"},
    ],
    ("POST", "/api/v1/public/tickets/{public_id}/complaint"): [
        {"category": "other", "text": "a"},
        {"category": "other", "text": "a", "contact": "a@example.com"},
    ],
    ("PATCH", "/api/v1/complaints/{complaint_id}"): [{"assignee_id": 1}, {"assignee_id": 2}],
    ("POST", "/api/v1/follow-ups"): [{"branch_id": 1}, {"branch_id": 1, "note": "x"}],
    ("PATCH", "/api/v1/follow-ups/{follow_up_id}"): [{"result": "a"}, {"result": "b"}],
    ("POST", "/api/v1/regions"): [{"name": "East"}, {"name": "East", "parent_id": 1}],
    ("PATCH", "/api/v1/regions/{region_id}"): [{"name": "East"}, {"parent_id": None}],
    ("POST", "/api/v1/inspections"): [
        {"branch_id": 1, "date": "2026-01-01", "score": 1},
        {"branch_id": 1, "date": "2026-01-01", "score": 2},
    ],
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): [{"active": True}, {"active": False}],
    ("POST", "/api/v1/public/appointments"): [
        {"branch_id": 1, "service_id": 1, "start": "2026-01-05T10:00:00+08:00"},
        {"branch_id": 1, "service_id": 1, "start": "2026-01-05T10:00:00+08:00", "name": "a"},
    ],
    ("POST", "/api/v1/appointments/check-in"): [{"code": "ABCD"}, {"code": "ABCD", "kiosk_id": 1}],
}


def mutating_endpoints(api: Api) -> list[tuple[str, str, bool]]:
    """(method, path, takes a body) of every mutating endpoint the app serves."""
    schema = api.client.app.openapi()  # type: ignore[attr-defined]
    return [
        (method.upper(), path, "requestBody" in operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in MUTATING
    ]


def test_every_mutating_endpoint_fingerprints_its_whole_body(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each endpoint's request is fingerprinted (the use case itself is not run here): two
    different bodies never share a fingerprint, the same body always does."""
    seen: list[Idem | None] = []

    async def record(ctx: Any, action: Any, *, idem: Idem | None, status: int) -> Any:
        seen.append(idem)
        return status, {}

    monkeypatch.setattr("server.auth.deps.perform_async", record)
    endpoints = [e for e in mutating_endpoints(api) if e[:2] not in NOT_IDEMPOTENT]
    assert {(m, p) for m, p, body in endpoints if body} == set(BODIES)
    for method, path, _ in endpoints:
        url = path.replace("{public_id}", "abc")
        url = url.format(**{name: 1 for name in ("ticket_id", "counter_id", "user_id",
                                                 "branch_id", "service_id", "job_id",
                                                 "kiosk_id", "device_id", "complaint_id",
                                                 "follow_up_id", "region_id",
                                                 "alert_id", "webhook_id")})  # fmt: skip
        headers = api.admin | {"Idempotency-Key": "same-key"}
        hashes = []
        for body in [*BODIES.get((method, path), [None]), *BODIES.get((method, path), [None])]:
            seen.clear()
            r = api.client.request(method, url, json=body, headers=headers)
            assert r.status_code < 300, (method, path, body, r.text)
            assert len(seen) == 1 and seen[0] is not None, f"{method} {path} takes no key"
            hashes.append(seen[0].request_hash)
        distinct = len(BODIES.get((method, path), [None]))
        assert len(set(hashes)) == distinct, f"{method} {path}: bodies share a fingerprint"
        assert hashes[:distinct] == hashes[distinct:], f"{method} {path}: not deterministic"


def test_the_same_key_with_another_user_change_is_refused_not_replayed(api: Api) -> None:
    """The defect of issue 13: PATCH /users left the body out of the key check, so a role
    change sent again under a used key answered 200 and was silently not applied."""
    user = api.post("/api/v1/users", {"username": "ann", "password": "password-123",
                                      "role": "clerk", "branch_ids": [1]}, status=201)  # fmt: skip
    url = f"/api/v1/users/{user['id']}"
    key = api.admin | {"Idempotency-Key": "user-change-1"}
    assert ok(api.client.patch(url, json={"role": "manager"}, headers=key))["role"] == "manager"
    again = ok(api.client.patch(url, json={"role": "manager"}, headers=key))
    assert again["role"] == "manager"  # the same request: replayed
    error_of(api.client.patch(url, json={"role": "clerk"}, headers=key), 422,
             "idempotency_conflict")  # fmt: skip
    error_of(api.client.patch(url, json={"password": "password-456"}, headers=key), 422,
             "idempotency_conflict")  # fmt: skip
    listed = {u["id"]: u for u in api.get("/api/v1/users")}
    assert listed[user["id"]]["role"] == "manager"
    # passwords under one key: the same one replays, another one is refused
    key = api.admin | {"Idempotency-Key": "password-reset-1"}
    ok(api.client.patch(url, json={"password": "password-456"}, headers=key))
    ok(api.client.patch(url, json={"password": "password-456"}, headers=key))
    error_of(api.client.patch(url, json={"password": "password-789"}, headers=key), 422,
             "idempotency_conflict")  # fmt: skip
    api.login("ann", "password-456")


def test_anonymous_callers_do_not_share_idempotency_keys(api: Api) -> None:
    """The defect of issue 13: a second anonymous client reusing a key received the first
    client's ticket and public_id. Keys of callers without a login are kept per client
    address."""
    set_hall_settings(api, public_issue=True)
    service = api.service("A")["id"]
    key = {"Idempotency-Key": "my-ticket"}
    app = api.client.app
    first = TestClient(app, client=("203.0.113.7", 50000))
    second = TestClient(app, client=("198.51.100.9", 50000))
    mine = ok(first.post("/api/v1/tickets", json={"service_id": service}, headers=key), 201)
    theirs = ok(second.post("/api/v1/tickets", json={"service_id": service}, headers=key), 201)
    assert theirs["id"] != mine["id"] and theirs["public_id"] != mine["public_id"]
    retry = ok(first.post("/api/v1/tickets", json={"service_id": service}, headers=key), 201)
    assert (retry["id"], retry["public_id"]) == (mine["id"], mine["public_id"])  # a replay
    assert len(api.get("/api/v1/tickets", branch_id=1)) == 2
