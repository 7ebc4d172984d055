"""The audit trail: every change is a hash-chained record; verify finds any tampering; nobody
changes or deletes a record through the API (issue 17, items 4–6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from server.core.settings import Settings
from tests.conftest import Api

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def sql(settings: Settings, statement: str, **params: Any) -> None:
    """Tamper with the database behind the server's back, as someone with the file could."""
    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


def busy_hall(api: Api) -> dict[str, Any]:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    api.act(counter["id"], "open")
    for _ in range(3):
        api.issue(service["id"])
    api.act(counter["id"], "call-next")
    api.act(counter["id"], "complete")
    return service


@pytest.fixture
def trail(api: Api) -> Iterator[list[dict[str, Any]]]:
    busy_hall(api)
    yield api.get("/api/v1/audit", limit=10000)


def test_each_record_chains_to_the_one_before(api: Api, trail: list[dict[str, Any]]) -> None:
    from server.audit.domain import GENESIS, Stored, link

    assert trail and all(len(r["hash"]) == 64 for r in trail)
    kinds = {r["kind"] for r in trail}
    assert {"ticket.issued", "ticket.called", "ticket.completed", "counter.updated"} <= kinds
    assert {"service.created", "counter.created", "auth.login"} <= kinds
    previous = GENESIS
    for r in sorted(trail, key=lambda r: r["id"]):
        import json
        from datetime import datetime

        stored = Stored(
            r["id"], datetime.fromisoformat(r["ts"]), r["kind"], r["actor"], r["actor_name"],
            r["user_id"], r["device_id"], r["branch_id"], r["subject"],
            json.dumps(r["data"], sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        )  # fmt: skip
        assert link(previous, stored) == r["hash"], r
        previous = r["hash"]
    verdict = api.get("/api/v1/audit/verify")
    assert verdict == {"ok": True, "records": len(trail), "head": previous, "first_bad": None}


def test_a_changed_record_is_named(api: Api, settings: Settings, trail: Any) -> None:
    victim = trail[len(trail) // 2]["id"]
    sql(settings, "UPDATE audit_record SET data = :d WHERE id = :i", d='{"x":1}', i=victim)
    verdict = api.get("/api/v1/audit/verify")
    assert verdict["ok"] is False
    assert verdict["first_bad"]["id"] == victim and verdict["first_bad"]["reason"] == "changed"


def test_a_removed_record_is_found(api: Api, settings: Settings, trail: Any) -> None:
    victim = trail[len(trail) // 2]["id"]
    sql(settings, "DELETE FROM audit_record WHERE id = :i", i=victim)
    bad = api.get("/api/v1/audit/verify")["first_bad"]
    assert (bad["id"], bad["reason"], bad["missing_from"]) == (victim + 1, "gap", victim)


def test_the_last_record_removed_is_found(api: Api, settings: Settings, trail: Any) -> None:
    last = max(r["id"] for r in trail)
    sql(settings, "DELETE FROM audit_record WHERE id >= :i", i=last)
    bad = api.get("/api/v1/audit/verify")["first_bad"]
    assert (bad["id"], bad["reason"]) == (last, "missing")


def test_an_inserted_record_is_found(api: Api, settings: Settings, trail: Any) -> None:
    last = max(r["id"] for r in trail)
    row = {"i": last + 1, "h": "0" * 64}
    sql(settings, "INSERT INTO audit_record (id, ts, kind, actor, subject, data, hash) "
        "VALUES (:i, CURRENT_TIMESTAMP, 'user.created', 'system', 'user:99', '{}', :h)",
        **row)  # fmt: skip
    bad = api.get("/api/v1/audit/verify")["first_bad"]
    assert (bad["id"], bad["reason"]) == (last + 1, "after_head")


def test_a_record_moved_out_of_order_is_found(api: Api, settings: Settings, trail: Any) -> None:
    """Swap two records' contents (ids kept): the first of them no longer chains."""
    a, b = sorted(r["id"] for r in trail)[2:4]
    sql(settings, "UPDATE audit_record SET id = -1 WHERE id = :a", a=a)
    sql(settings, "UPDATE audit_record SET id = :a WHERE id = :b", a=a, b=b)
    sql(settings, "UPDATE audit_record SET id = :b WHERE id = -1", b=b)
    bad = api.get("/api/v1/audit/verify")["first_bad"]
    assert (bad["id"], bad["reason"]) == (a, "changed")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_no_route_changes_or_deletes_a_record(api: Api, trail: Any, method: str) -> None:
    one = trail[0]["id"]
    for path in (f"/api/v1/audit/{one}", "/api/v1/audit"):
        r = api.client.request(method, path, headers=api.admin, json={"data": {}})
        assert r.status_code in (404, 405), (method, path, r.status_code)
        assert "error" in r.json()
    assert api.get("/api/v1/audit/verify")["ok"] is True


def test_role_matrix(api: Api) -> None:
    service = busy_hall(api)
    assert service
    api.post("/api/v1/branches", {"name": "Other", "timezone": "Asia/Shanghai", "locale": "en"},
             status=201)  # fmt: skip
    manager = api.user("m1", "manager", [1])
    other = api.user("m2", "manager", [2])
    clerk = api.user("c1", "clerk", [1])
    _, kiosk = api.device("kiosk")
    _, display = api.device("display")
    everyone = {"admin": api.admin, "manager": manager, "other": other, "clerk": clerk,
                "kiosk": kiosk, "display": display, "nobody": {}}  # fmt: skip
    expect = {
        "/api/v1/audit?branch_id=1": {"admin": 200, "manager": 200, "other": 403},
        "/api/v1/audit": {"admin": 200, "manager": 200, "other": 200},
        "/api/v1/audit/verify": {"admin": 200, "manager": 403, "other": 403},
        "/api/v1/audit/export?branch_id=1": {"admin": 200, "manager": 200, "other": 403},
    }
    for path, allowed in expect.items():
        for who, headers in everyone.items():
            want = allowed.get(who, 401 if who == "nobody" else 403)
            r = api.client.get(path, headers=headers)
            assert r.status_code == want, (path, who, r.text)
    # a manager sees only the records of their halls: not the installation's logins
    mine = api.get("/api/v1/audit", manager, limit=10000)
    assert mine and all(r["branch_id"] == 1 for r in mine)
    assert api.get("/api/v1/audit", other, limit=10000) == [] or all(
        r["branch_id"] == 2 for r in api.get("/api/v1/audit", other, limit=10000)
    )


@pytest.mark.parametrize(
    "query",
    ["kind=" + "x" * 41, "subject=" + "s" * 61, "actor=" + "a" * 101, "limit=0", "limit=10001",
     "offset=-1", "branch_id=0", "from=2026-13-01", "ticket_id=1&subject=ticket:1",
     "from=2026-02-01&to=2026-01-01", "kind=%00", "actor=%00", "subject=%00"],
)  # fmt: skip
def test_bad_filters_get_the_error_shape(api: Api, query: str) -> None:
    r = api.client.get(f"/api/v1/audit?{query}", headers=api.admin)
    assert r.status_code in (200, 422), (query, r.text)
    if r.status_code == 422:
        assert set(r.json()) == {"error", "detail"}
