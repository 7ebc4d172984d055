"""Published results (公开评议结果): `GET /api/v1/public/branches/{id}/results` on the
hand-computed scenario of tests/test_stats.py, with a3 rated 1 (SQLite, and PostgreSQL + Redis
when reachable).

Service A: a1 (5) and a3 (1) served by c1; waits 240 within, 660 and 720 over → 33.3 %.
Service B: b1 (3) served by c2; 5 of its 6 waits within → 83.3 %. Counter 1 holds the
ratings of a1 and a3 and the waits of A; counter 2 b1's rating and the waits of B.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Api
from tests.support import Clock
from tests.test_stats import Hall, make_hall, run_scenario

pytestmark = pytest.mark.integration

URL = "/api/v1/public/branches/{}/results"


@pytest.fixture
def hall(api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Hall:
    h = make_hall(api, clock, monkeypatch)
    run_scenario(h)
    h.api.post(f"/api/v1/public/tickets/{h.public['a3']}/rating", {"score": 1})
    h.at(30)
    return h


def publish(h: Hall, mode: object, branch_id: int = 1) -> None:
    answer = h.api.client.patch(f"/api/v1/branches/{branch_id}", headers=h.api.admin,
                                json={"settings": {"publish_results": mode}})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["settings"]["publish_results"] == mode


def public(h: Hall, branch_id: int = 1, **params: Any) -> Any:
    return h.api.client.get(URL.format(branch_id), params=params)  # no token


def test_off_by_default_the_results_are_not_found(hall: Hall) -> None:
    assert hall.api.get("/api/v1/branches/1")["settings"]["publish_results"] is False
    answer = public(hall)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found" and "publish" in answer.json()["detail"]


def test_per_service_this_month_without_a_login(hall: Hall) -> None:
    publish(hall, "service")
    answer = public(hall)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "public, max-age=60"
    body = answer.json()
    assert (body["month"], body["date_from"], body["date_to"]) == (
        "2026-01", "2026-01-01", "2026-01-15")  # fmt: skip
    assert (body["mode"], body["name"], body["counters"]) == ("service", "服务大厅", None)
    a, b = body["services"]
    assert (a["code"], a["name"]["en"], b["code"]) == ("a", "Service A", "b")
    assert a | {"id": 0, "name": {}} == {
        "id": 0, "code": "a", "name": {}, "served": 2, "rating": {"mean": 3.0, "count": 2},
        "satisfied_pct": 50.0, "sla_pct": 33.3,
    }  # fmt: skip
    assert (b["served"], b["rating"], b["satisfied_pct"], b["sla_pct"]) == (
        4, {"mean": 3.0, "count": 1}, 100.0, 83.3)  # fmt: skip
    assert body["total"] == {"served": 6, "rating": {"mean": 3.0, "count": 3},
                             "satisfied_pct": 66.7, "sla_pct": 66.7}  # fmt: skip


def test_per_counter_only_when_the_hall_says_counter(hall: Hall) -> None:
    publish(hall, "counter")
    body = public(hall).json()
    assert body["mode"] == "counter" and len(body["services"]) == 2
    k1, k2 = body["counters"]
    assert (k1["number"], k1["served"], k1["rating"], k1["satisfied_pct"], k1["sla_pct"]) == (
        1, 2, {"mean": 3.0, "count": 2}, 50.0, 33.3)  # fmt: skip
    assert (k2["number"], k2["served"], k2["rating"], k2["sla_pct"]) == (
        2, 4, {"mean": 3.0, "count": 1}, 83.3)  # fmt: skip
    assert set(k1) == {"id", "number", "name", "served", "rating", "satisfied_pct", "sla_pct"}


def test_no_clerk_name_or_id_is_ever_published(hall: Hall) -> None:
    publish(hall, "counter")
    text = public(hall).text
    body = json.loads(text)
    for name in ("c1", "c2", "clerk", "username", "public_id", "comment"):
        assert f'"{name}' not in text, name
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    assert "hall_names" not in keys
    assert not {k for k in keys if "clerk" in k or "user" in k}
    ids = {r["id"] for r in body["services"] + body["counters"]}
    assert ids == {hall.ids[k] for k in ("A", "B", "k1", "k2")}  # services and counters only


def test_turning_it_off_takes_effect_at_once_despite_the_cache(hall: Hall) -> None:
    publish(hall, "counter")
    assert public(hall).status_code == 200
    publish(hall, False)
    assert public(hall).status_code == 404
    publish(hall, "service")
    assert public(hall).json()["counters"] is None  # the mode is part of what is kept


def test_a_month_back_and_the_bounds(hall: Hall) -> None:
    publish(hall, "service")
    last_year = public(hall, month="2025-01").json()  # twelve months back: allowed, empty
    assert (last_year["month"], last_year["date_to"], last_year["services"]) == (
        "2025-01", "2025-01-31", [])  # fmt: skip
    assert last_year["total"]["rating"] == {"mean": None, "count": 0}
    for bad in ("2024-12", "2026-02", "2026-13", "2026-1", "26-01", "x" * 8, "2026-00"):
        answer = public(hall, month=bad)
        assert answer.status_code == 422, bad
        assert answer.json()["error"] == "validation_error" and answer.json()["detail"]


@pytest.mark.parametrize("branch", ["999", "0", "-1", "x", str(2**63)])
def test_an_unknown_hall_is_404_or_422(hall: Hall, branch: str) -> None:
    answer = hall.api.client.get(URL.format(branch))
    assert answer.status_code == (404 if branch == "999" else 422)
    assert set(answer.json()) == {"error", "detail"}


def test_every_role_reads_the_same_and_no_one_writes(hall: Hall) -> None:
    publish(hall, "service")
    kiosk = hall.api.device("kiosk")[1]
    display = hall.api.device("display")[1]
    expected = public(hall).json()["services"]
    for headers in (hall.api.admin, hall.clerks["c1"], kiosk, display):
        answer = hall.api.client.get(URL.format(1), headers=headers)
        assert answer.status_code == 200 and answer.json()["services"] == expected
    assert hall.api.client.post(URL.format(1)).status_code == 405
    other = hall.ids["hall2"]
    assert public(hall, other).status_code == 404  # hall 2 publishes nothing


def test_the_setting_takes_only_off_service_or_counter(hall: Hall) -> None:
    for bad in (True, "clerk", "", None, 1):
        answer = hall.api.client.patch("/api/v1/branches/1", headers=hall.api.admin,
                                       json={"settings": {"publish_results": bad}})  # fmt: skip
        assert answer.status_code == 422, bad


def test_each_client_address_is_limited(hall: Hall) -> None:
    publish(hall, "service")
    answers = [public(hall).status_code for _ in range(61)]
    assert answers[:60] == [200] * 60 and answers[60] == 429
    limited = public(hall)
    assert limited.json()["error"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
