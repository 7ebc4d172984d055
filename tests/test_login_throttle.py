"""Login throttling resists guessing and lock-out (API.md "Limits and privacy", docs/decisions.md
"Login throttle"). The throttle lives in the process's memory: SQLite is enough."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.auth import service as auth_service
from server.auth.throttle import ADDRESS_FACTOR, USER_FACTOR, known_device, known_device_proof
from server.core.settings import Settings
from tests.conftest import ADMIN_PASSWORD, Api
from tests.support import Clock, ok, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("cheap_hashing"),
    pytest.mark.parametrize("backend", ["sqlite"]),
]
LOGIN = "/api/v1/auth/login"
CLERK = {"username": "clerk", "password": "password-123"}
WRONG = {"username": "clerk", "password": "wrong-password"}


@pytest.fixture
def proxied(settings: Settings, clock: Clock) -> Iterator[Api]:
    """An app behind a trusted proxy (the test client's address), so X-Forwarded-For names
    the client's address."""
    trusting = settings.model_copy(update={"trusted_proxies": "testclient"})
    with TestClient(create_app(trusting, clock=clock)) as client:
        hall = Api(client)
        hall.post("/api/v1/users", CLERK | {"role": "clerk", "branch_ids": [1]}, status=201)
        yield hall


def device(api: Api) -> TestClient:
    """Another browser on the same app: its own cookies."""
    return TestClient(api.client.app)


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_of_forty_simultaneous_wrong_passwords_with_forged_addresses_five_are_checked(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-Forwarded-For from an untrusted peer is not believed: every attempt is the same
    client, however many addresses it claims."""
    checking, release = [], threading.Event()

    def slow_wrong(_hash: str, _password: str) -> bool:
        checking.append(1)
        release.wait(10)
        return False

    monkeypatch.setattr(auth_service, "verify_password", slow_wrong)
    attacker = device(api)
    attempts = 40
    with ThreadPoolExecutor(attempts) as pool:
        body = {"username": "admin", "password": "x"}
        futures = [pool.submit(attacker.post, LOGIN, json=body, headers=from_address(f"10.0.{i}.1"))
                   for i in range(attempts)]  # fmt: skip
        refused = lambda: sum(f.done() and f.result().status_code == 429 for f in futures)  # noqa: E731
        wait_until(lambda: len(checking) + refused() == attempts, 10, "every attempt to be held")
        release.set()
        codes = sorted(f.result().status_code for f in futures)
    assert len(checking) == settings.login_max_failures
    assert codes == [401] * 5 + [429] * 35


def test_x_forwarded_for_is_believed_from_a_trusted_proxy(proxied: Api) -> None:
    guesser = device(proxied)
    for _ in range(5):
        ok(guesser.post(LOGIN, json=WRONG, headers=from_address("10.0.0.9")), 401)
    ok(guesser.post(LOGIN, json=CLERK, headers=from_address("10.0.0.9")), 429)
    # The clerk, on a device never used before, at another address:
    ok(device(proxied).post(LOGIN, json=CLERK, headers=from_address("10.0.0.1")))


def test_failures_on_a_shared_address_do_not_lock_the_clerk_out_of_a_known_device(
    api: Api,
) -> None:
    api.post("/api/v1/users", CLERK | {"role": "clerk", "branch_ids": [1]}, status=201)
    desk = device(api)
    ok(desk.post(LOGIN, json=CLERK))  # yesterday, at the counter
    attacker = device(api)  # same address (the hall's), no cookie
    for _ in range(5):
        ok(attacker.post(LOGIN, json=WRONG), 401)
    ok(attacker.post(LOGIN, json=CLERK), 429)  # even the right password, from that device
    ok(desk.post(LOGIN, json=CLERK))  # the clerk's own browser still gets in
    for _ in range(5):  # and a known device that guesses is throttled on its own
        ok(desk.post(LOGIN, json=WRONG), 401)
    ok(desk.post(LOGIN, json=CLERK), 429)


def test_a_guesser_spread_over_addresses_is_stopped_per_username(proxied: Api) -> None:
    desk = device(proxied)
    ok(desk.post(LOGIN, json=CLERK, headers=from_address("10.0.0.1")))
    guesser = device(proxied)
    limit = 5 * USER_FACTOR
    for i in range(limit):
        ok(guesser.post(LOGIN, json=WRONG, headers=from_address(f"10.1.{i // 5}.1")), 401)
    ok(guesser.post(LOGIN, json=CLERK, headers=from_address("10.2.0.1")), 429)
    ok(desk.post(LOGIN, json=CLERK, headers=from_address("10.0.0.1")))


def test_one_address_trying_many_usernames_is_stopped_per_address(proxied: Api) -> None:
    guesser = device(proxied)
    for i in range(5 * ADDRESS_FACTOR):
        body = {"username": f"user{i}", "password": "guess"}
        ok(guesser.post(LOGIN, json=body, headers=from_address("10.0.0.9")), 401)
    ok(guesser.post(LOGIN, json=CLERK, headers=from_address("10.0.0.9")), 429)
    ok(device(proxied).post(LOGIN, json=CLERK, headers=from_address("10.0.0.1")))


def test_a_known_device_cookie_is_bound_to_its_user_and_password(api: Api) -> None:
    proof = known_device_proof("hash-1", "clerk")
    assert known_device("hash-1", "clerk", proof) == proof.split(".")[0]
    assert known_device("hash-2", "clerk", proof) is None  # a new password forgets devices
    assert known_device("hash-1", "admin", proof) is None
    assert known_device("hash-1", "clerk", proof.split(".")[0] + "." + "0" * 32) is None
    assert known_device("hash-1", "clerk", "nonce.forged") is None
    r = api.client.post(LOGIN, json={"username": "admin", "password": ADMIN_PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert (
        "httponly" in cookie and "samesite=strict" in cookie and "path=/api/v1/auth/login" in cookie
    )
