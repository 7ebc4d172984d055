"""Who may change whose account (issue 13, item 16; docs/decisions.md): an admin anyone; a
manager the clerks whose every hall is its own, and its own password; nobody else anything."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import ADMIN_PASSWORD, Api

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

PASSWORD = "password-123"
ACTORS = ("admin", "manager", "clerk", "kiosk", "anonymous")
TARGETS = (
    "admin", "other_admin", "manager", "peer_manager", "far_manager", "clerk", "far_clerk",
    "shared_clerk",
)  # fmt: skip
# Password resets allowed, as (actor, target); every other pair is refused.
RESETS = {("admin", target) for target in TARGETS} | {
    ("manager", "manager"),  # its own password
    ("manager", "clerk"),
}


class Accounts:
    """Branch 1 and branch `far`; two admins, three managers, three clerks and a kiosk."""

    def __init__(self, api: Api) -> None:
        self.api = api
        far = api.post("/api/v1/branches", {"name": "Far hall"}, status=201)["id"]
        halls = {
            "other_admin": ("admin", []), "manager": ("manager", [1]),
            "peer_manager": ("manager", [1]), "far_manager": ("manager", [far]),
            "clerk": ("clerk", [1]), "far_clerk": ("clerk", [far]),
            "shared_clerk": ("clerk", [1, far]),
        }  # fmt: skip
        self.far = far
        self.ids = {u["username"]: u["id"] for u in api.get("/api/v1/users")}
        for name, (role, branches) in halls.items():
            body = {"username": name, "password": PASSWORD, "role": role, "branch_ids": branches}
            user = api.post("/api/v1/users", body, status=201)
            self.ids[name] = user["id"]
        self.passwords = dict.fromkeys(self.ids, PASSWORD) | {"admin": ADMIN_PASSWORD}
        self.headers = {
            "admin": api.admin,
            "manager": api.login("manager", PASSWORD),
            "clerk": api.login("clerk", PASSWORD),
            "kiosk": api.device("kiosk")[1],
            "anonymous": {},
        }

    def patch(self, actor: str, target: str, body: dict[str, object]) -> int:
        url = f"/api/v1/users/{self.ids[target]}"
        return self.api.client.patch(url, json=body, headers=self.headers[actor]).status_code

    def can_log_in(self, username: str, password: str) -> bool:
        body = {"username": username, "password": password}
        return self.api.client.post("/api/v1/auth/login", json=body).status_code == 200


def test_who_may_reset_whose_password(api: Api) -> None:
    accounts = Accounts(api)
    wrong = []
    for n, (actor, target) in enumerate(itertools.product(ACTORS, TARGETS)):
        new = f"new-password-{n}"
        status = accounts.patch(actor, target, {"password": new})
        allowed = (actor, target) in RESETS
        expected = 200 if allowed else 401 if actor == "anonymous" else 403
        if status != expected:
            wrong.append(f"{actor} resets {target}: {status} != {expected}")
        if allowed:
            accounts.passwords[target] = new
    assert wrong == []
    for username, password in accounts.passwords.items():  # the refused changed nothing
        assert accounts.can_log_in(username, password), username


def test_a_manager_never_widens_a_role_or_a_hall_nor_touches_a_peer(api: Api) -> None:
    accounts = Accounts(api)
    refused = {
        "promote its clerk": ("clerk", {"role": "manager"}),
        "demote a peer": ("peer_manager", {"role": "clerk"}),
        "deactivate a peer": ("peer_manager", {"active": False}),
        "move a peer": ("peer_manager", {"branch_ids": [1]}),
        "widen its clerk's halls": ("clerk", {"branch_ids": [1, accounts.far]}),
        "widen its own halls": ("manager", {"branch_ids": [1, accounts.far]}),
        "change its own role": ("manager", {"role": "admin"}),
        "its own password and halls at once": ("manager", {"password": "x" * 8, "branch_ids": [1]}),
        "touch an admin": ("admin", {"active": False}),
    }  # fmt: skip
    statuses = {what: accounts.patch("manager", t, body) for what, (t, body) in refused.items()}
    assert statuses == dict.fromkeys(refused, 403)
    c = api.client
    manager = accounts.headers["manager"]
    url = f"/api/v1/users/{accounts.ids['peer_manager']}"
    assert c.delete(url, headers=manager).status_code == 403
    for role in ("manager", "admin"):
        body = {"username": f"new_{role}", "password": PASSWORD, "role": role, "branch_ids": [1]}
        assert c.post("/api/v1/users", json=body, headers=manager).status_code == 403, role
    # what a manager may do with its own clerk
    assert accounts.patch("manager", "clerk", {"branch_ids": [1]}) == 200
    assert c.delete(f"/api/v1/users/{accounts.ids['clerk']}", headers=manager).status_code == 200
    body = {"username": "new_clerk", "password": PASSWORD, "role": "clerk", "branch_ids": [1]}
    assert c.post("/api/v1/users", json=body, headers=manager).status_code == 201
    # the admin may all of it
    assert accounts.patch("admin", "far_clerk", {"role": "manager"}) == 200
    assert accounts.patch("admin", "peer_manager", {"active": False}) == 200
    assert accounts.can_log_in("peer_manager", PASSWORD) is False
