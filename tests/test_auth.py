"""Who may do what (the 401/403 matrix), tokens, logins, throttling and password storage."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from server.auth import service as auth_service
from server.auth.models import User
from server.core.engine import Database
from server.core.settings import Settings
from tests.conftest import ADMIN_PASSWORD, Api
from tests.support import Clock, ok, statements, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


ANONYMOUS, KIOSK, DISPLAY, CLERK, MANAGER, ADMIN, OTHER_CLERK = (
    "anonymous",
    "kiosk",
    "display",
    "clerk",
    "manager",
    "admin",
    "other_clerk",
)
EVERYONE = (ANONYMOUS, KIOSK, DISPLAY, CLERK, MANAGER, ADMIN, OTHER_CLERK)
Request = Callable[[dict[str, str], str], Any]


class Hall:
    """Branch 1 with a service and a counter, a second branch, and one principal of each kind."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.other_branch = api.post("/api/v1/branches", {"name": "Other hall"}, status=201)["id"]
        self.service = api.service("A")["id"]
        self.counter = api.counter(1, [self.service])["id"]
        self.headers: dict[str, dict[str, str]] = {
            ANONYMOUS: {},
            KIOSK: api.device("kiosk")[1],
            DISPLAY: api.device("display")[1],
            CLERK: api.user("clerk", "clerk", [1]),
            MANAGER: api.user("manager", "manager", [1]),
            ADMIN: api.admin,
            OTHER_CLERK: api.user("other_clerk", "clerk", [self.other_branch]),
        }

    def token(self, who: str) -> str:
        return self.headers[who].get("Authorization", " ").split(" ")[1]

    def mismatches(self, what: str, request: Request, expected: dict[str, int]) -> list[str]:
        """Send `request` as every principal; describe each status that differs from `expected`."""
        wrong = []
        for who in EVERYONE:
            response = request(self.headers[who], who)
            if response.status_code != expected[who]:
                wrong.append(f"{what} as {who}: {response.status_code} != {expected[who]}")
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error", "detail"}
                assert body["error"] == {401: "unauthorized", 403: "forbidden"}[expected[who]]
        return wrong


def statuses(default: int, **overrides: int) -> dict[str, int]:
    return {who: overrides.get(who, default) for who in EVERYONE} | {
        ANONYMOUS: overrides.get(ANONYMOUS, 401)
    }


def test_configuration_endpoints_answer_each_principal_as_documented(api: Api) -> None:
    hall, c = Hall(api), api.client
    wrong = hall.mismatches(
        "GET /branches", lambda h, _: c.get("/api/v1/branches", headers=h), statuses(200)
    )
    wrong += hall.mismatches(
        "POST /branches",
        lambda h, who: c.post("/api/v1/branches", json={"name": f"Hall of {who}"}, headers=h),
        statuses(403, admin=201),
    )
    wrong += hall.mismatches(
        "PATCH /branches/1",
        lambda h, who: c.patch("/api/v1/branches/1", json={"name": f"by {who}"}, headers=h),
        statuses(403, manager=200, admin=200),
    )
    prefixes = dict(zip(EVERYONE, ("N", "K", "D", "C", "M", "X", "O"), strict=True))
    wrong += hall.mismatches(
        "POST /services",
        lambda h, who: c.post(
            "/api/v1/services",
            headers=h,
            json={"branch_id": 1, "code": who, "prefix": prefixes[who], "name": {"en": who}},
        ),
        statuses(403, manager=201, admin=201),
    )
    wrong += hall.mismatches(
        "POST /users",
        lambda h, who: c.post(
            "/api/v1/users",
            headers=h,
            json={
                "username": f"made_by_{who}",
                "password": "password-123",
                "role": "clerk",
                "branch_ids": [1],
            },
        ),
        statuses(403, manager=201, admin=201),
    )
    wrong += hall.mismatches(
        "POST /devices",
        lambda h, who: c.post(
            "/api/v1/devices", headers=h, json={"kind": "display", "name": who, "branch_id": 1}
        ),
        statuses(403, manager=201, admin=201),
    )
    assert wrong == []


def test_each_principal_sees_only_its_own_branches(api: Api) -> None:
    hall = Hall(api)
    for who, expected in [
        (ADMIN, [1, hall.other_branch]),
        (CLERK, [1]),
        (KIOSK, [1]),
        (OTHER_CLERK, [hall.other_branch]),
    ]:
        branches = ok(api.client.get("/api/v1/branches", headers=hall.headers[who]))
        assert [b["id"] for b in branches] == expected, who


def test_a_manager_manages_only_clerks_and_devices_of_its_own_branches(api: Api) -> None:
    hall, c = Hall(api), api.client
    manager = hall.headers[MANAGER]
    clerk = {"password": "password-123", "role": "clerk"}
    for body in (
        {"username": "elsewhere", "branch_ids": [hall.other_branch]} | clerk,
        {"username": "both", "branch_ids": [1, hall.other_branch]} | clerk,
        {"username": "nowhere", "branch_ids": []} | clerk,
        {"username": "boss", "branch_ids": [1], "password": "password-123", "role": "admin"},
    ):
        r = c.post("/api/v1/users", json=body, headers=manager)
        assert ok(r, 403)["error"] == "forbidden", body
    deputy = {"username": "deputy", "password": "password-123", "branch_ids": [1]}
    r = c.post("/api/v1/users", headers=manager, json=deputy | {"role": "manager"})
    assert ok(r, 403)["error"] == "forbidden"  # managers are made by an admin
    made = ok(c.post("/api/v1/users", headers=manager, json=deputy | {"role": "clerk"}), 201)
    assert made["role"] == "clerk" and made["branch_ids"] == [1]
    r = c.post(
        "/api/v1/devices",
        headers=manager,
        json={"kind": "kiosk", "name": "k", "branch_id": hall.other_branch},
    )
    assert ok(r, 403)["error"] == "forbidden"


def test_ticket_counter_and_queue_endpoints_answer_each_principal_as_documented(
    api: Api,
) -> None:
    hall, c = Hall(api), api.client
    issue = {"service_id": hall.service}
    wrong = hall.mismatches(
        "GET /tickets",
        lambda h, _: c.get("/api/v1/tickets", params={"branch_id": 1}, headers=h),
        statuses(403, clerk=200, manager=200, admin=200),
    )
    wrong += hall.mismatches(
        "POST /tickets (no public issuing)",
        lambda h, _: c.post("/api/v1/tickets", json=issue, headers=h),
        statuses(403, kiosk=201, clerk=201, manager=201, admin=201),
    )
    wrong += hall.mismatches(
        "POST /counters/{id}/open",
        lambda h, _: c.post(f"/api/v1/counters/{hall.counter}/open", headers=h),
        statuses(403, clerk=200, manager=200, admin=200),
    )
    wrong += hall.mismatches(
        "GET /branches/1/queue",
        lambda h, _: c.get("/api/v1/branches/1/queue", headers=h),
        statuses(200, other_clerk=403),
    )
    ok(c.patch("/api/v1/branches/1", json={"settings": {"public_issue": True}}, headers=api.admin))
    wrong += hall.mismatches(
        "POST /tickets (public issuing)",
        lambda h, _: c.post("/api/v1/tickets", json=issue, headers=h),
        statuses(403, anonymous=201, kiosk=201, clerk=201, manager=201, admin=201),
    )
    assert wrong == []
    web = [t for t in ok(c.get("/api/v1/tickets", headers=api.admin)) if t["channel"] == "web"]
    assert len(web) == 1  # the anonymous ticket


def test_the_event_stream_admits_every_principal_of_the_branch_and_refuses_others(
    api: Api,
) -> None:
    hall = Hall(api)
    for who in (KIOSK, DISPLAY, CLERK, MANAGER, ADMIN):
        url = f"/api/v1/branches/1/events?token={hall.token(who)}"
        with api.client.websocket_connect(url) as ws:
            assert json.loads(ws.receive_text())["type"] == "snapshot", who
    for who, code, close in ((OTHER_CLERK, "forbidden", 4403), (ANONYMOUS, "unauthorized", 4401)):
        url = "/api/v1/branches/1/events" + (
            f"?token={hall.token(who)}" if who != ANONYMOUS else ""
        )
        with api.client.websocket_connect(url) as ws:
            first = json.loads(ws.receive_text())
            assert set(first) == {"error", "detail"} and first["error"] == code, who
            closed = ws.receive()
            assert closed["type"] == "websocket.close" and closed["code"] == close, who


# ---- tokens and logins -------------------------------------------------------------------


def test_logout_revokes_that_token_only(api: Api) -> None:
    clerk = api.user("clerk", "clerk", [1])
    other_session = api.login("clerk", "password-123")
    assert api.client.post("/api/v1/auth/logout", headers=clerk).status_code == 204
    r = api.client.get("/api/v1/branches", headers=clerk)
    assert ok(r, 401)["error"] == "unauthorized"
    ok(api.client.get("/api/v1/branches", headers=other_session))


def test_a_token_expires_after_twelve_hours(api: Api, clock: Clock) -> None:
    clerk = api.user("clerk", "clerk", [1])
    clock.advance(hours=11, minutes=59)
    ok(api.client.get("/api/v1/branches", headers=clerk))
    clock.advance(minutes=1, seconds=1)
    for headers in (clerk, api.admin):
        assert ok(api.client.get("/api/v1/branches", headers=headers), 401)["error"] == (
            "unauthorized"
        )
    ok(api.client.get("/api/v1/branches", headers=api.login("clerk", "password-123")))


def test_a_wrong_password_or_unknown_user_is_unauthorized(api: Api) -> None:
    for body in (
        {"username": "admin", "password": "wrong"},
        {"username": "nobody", "password": ADMIN_PASSWORD},
    ):
        r = api.client.post("/api/v1/auth/login", json=body)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        assert set(r.json()) == {"error", "detail"}


def test_five_failed_logins_lock_out_the_sixth_attempt_even_with_the_right_password(
    api: Api,
) -> None:
    login = "/api/v1/auth/login"
    for _ in range(5):
        r = api.client.post(login, json={"username": "admin", "password": "wrong-password"})
        assert r.status_code == 401
    r = api.client.post(login, json={"username": "admin", "password": ADMIN_PASSWORD})
    assert ok(r, 429) == {"error": "rate_limited", "detail": r.json()["detail"]}
    r = api.client.post(login, json={"username": "someone", "password": "wrong-password"})
    assert r.status_code == 401  # counted per username


@pytest.mark.parametrize("backend", ["sqlite"])  # the throttle is in memory
def test_of_many_simultaneous_wrong_passwords_only_the_limit_is_checked(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API.md, "Limits and privacy": the throttle holds under concurrency. Every password check
    is held until all requests are either being checked or refused."""
    checking, release = [], threading.Event()

    def slow_wrong(_hash: str, _password: str) -> bool:
        checking.append(1)
        release.wait(10)
        return False

    monkeypatch.setattr(auth_service, "verify_password", slow_wrong)
    body = {"username": "admin", "password": "wrong-password"}
    attempts = 4 * settings.login_max_failures
    with ThreadPoolExecutor(attempts) as pool:
        futures = [pool.submit(api.client.post, "/api/v1/auth/login", json=body)
                   for _ in range(attempts)]  # fmt: skip
        refused = lambda: sum(f.done() and f.result().status_code == 429 for f in futures)  # noqa: E731
        wait_until(lambda: len(checking) + refused() == attempts, 10, "every attempt to be held")
        release.set()
        codes = sorted(f.result().status_code for f in futures)
    assert len(checking) == settings.login_max_failures
    assert codes == [401] * len(checking) + [429] * (attempts - len(checking))


def walk_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in walk_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in walk_keys(v)}
    return set()


def test_passwords_are_never_returned_and_stored_as_argon2id(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the production hasher from here on
    c = api.client
    body = {"username": "clerk", "password": "password-123", "role": "clerk", "branch_ids": [1]}
    responses = [c.post("/api/v1/users", json=body, headers=api.admin)]
    user_id = responses[0].json()["id"]
    responses.append(
        c.patch(
            f"/api/v1/users/{user_id}", json={"password": "new-password-456"}, headers=api.admin
        )
    )
    responses.append(c.get("/api/v1/users", headers=api.admin))
    responses.append(
        c.post("/api/v1/auth/login", json={"username": "clerk", "password": "new-password-456"})
    )
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert not {k for k in walk_keys(response.json()) if "password" in k or "hash" in k}
        assert "password-123" not in response.text and "argon2" not in response.text
    db = Database(settings.database_url)
    try:
        with db.read() as session:
            hashes = {u.username: u.password_hash for u in session.scalars(select(User))}
    finally:
        db.dispose()
    assert set(hashes) == {"admin", "clerk"}
    assert all(h.startswith("$argon2id$") for h in hashes.values()), hashes
    assert "new-password-456" not in hashes["clerk"]


def test_creating_a_user_twice_with_one_idempotency_key_creates_it_once(api: Api) -> None:
    headers = api.admin | {"Idempotency-Key": "new-clerk"}
    body = {"username": "clerk", "password": "password-123", "role": "clerk", "branch_ids": [1]}
    first = api.client.post("/api/v1/users", json=body, headers=headers)
    again = api.client.post("/api/v1/users", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert first.json() == again.json()
    users = ok(api.client.get("/api/v1/users", headers=api.admin))
    assert [u["username"] for u in users] == ["admin", "clerk"]


def test_an_admin_cannot_demote_or_deactivate_itself(api: Api) -> None:
    me = ok(api.client.get("/api/v1/auth/me", headers=api.admin))
    for change in ({"role": "clerk"}, {"active": False}):
        r = api.client.patch(f"/api/v1/users/{me['id']}", json=change, headers=api.admin)
        assert r.status_code == 409 and r.json()["error"] == "conflict", r.text
    r = api.client.patch(f"/api/v1/users/{me['id']}", json={"role": "admin"}, headers=api.admin)
    assert r.status_code == 200, r.text


def test_a_body_that_is_not_json_gets_a_clear_validation_error(api: Api) -> None:
    r = api.client.post("/api/v1/auth/login", content=b"{bad",
                        headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    assert r.json()["detail"].startswith("the body is not valid JSON"), r.json()


def test_a_remembered_token_is_forgotten_when_its_device_or_user_changes(api: Api) -> None:
    """Verified tokens are cached (HALLQ_AUTH_CACHE_S); a revocation, deactivation or role
    change made through the server applies to the very next request all the same."""
    device_id, kiosk = api.device("kiosk")
    clerk = api.user("clerk", "clerk", [1])
    user_id = api.get("/api/v1/auth/me", headers=clerk)["id"]
    for headers in (kiosk, clerk):  # now remembered
        ok(api.client.get("/api/v1/auth/me", headers=headers))
    assert api.client.get("/api/v1/users", headers=clerk).status_code == 403
    ok(api.client.patch(f"/api/v1/users/{user_id}", json={"role": "manager"}, headers=api.admin))
    ok(api.client.get("/api/v1/users", headers=clerk))
    ok(api.client.delete(f"/api/v1/devices/{device_id}", headers=api.admin))
    assert api.client.get("/api/v1/auth/me", headers=kiosk).status_code == 401
    ok(api.client.delete(f"/api/v1/users/{user_id}", headers=api.admin))
    assert api.client.get("/api/v1/auth/me", headers=clerk).status_code == 401


def test_a_token_not_seen_lately_is_checked_in_two_queries(api: Api) -> None:
    """A clerk acts every minute or two, so most of a hall's requests miss the few seconds'
    token cache: the token and its user come in one query, the user's own halls and regions
    in another, and the region tree only for a user who has regions."""
    state: Any = api.client.app.state.hallq  # type: ignore[attr-defined]
    token = api.user("clerk1", "clerk", [1])["Authorization"].removeprefix("Bearer ")
    with statements(state.db.reader) as sent:
        principal = auth_service.authenticate(replace(state.ctx(), principals=None), token)
    assert principal.kind == "clerk" and principal.branch_ids == {1}
    assert len([s for s in sent if s.lstrip().upper().startswith("SELECT")]) == 2, sent
