"""Inspections (issue 17, item 3): recorded by a region's managers, listed and exported, and
the board flags halls not inspected within the region's `inspection_days`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import Api
from tests.support import Clock, ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def error_of(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == code, response.text


def user(api: Api, name: str, role: str, branch_ids: list[int], region_ids: list[int]
         ) -> dict[str, str]:  # fmt: skip
    body = {"username": name, "password": "password-123", "role": role,
            "branch_ids": branch_ids, "region_ids": region_ids}  # fmt: skip
    api.post("/api/v1/users", body, status=201)
    return api.login(name, "password-123")


@pytest.fixture
def regions(api: Api) -> dict[str, int]:
    body = {"name": "East", "settings": {"inspection_days": 7}}
    east = api.post("/api/v1/regions", body, status=201)["id"]
    west = api.post("/api/v1/regions", {"name": "West"}, status=201)["id"]
    ok(api.client.patch("/api/v1/branches/1", json={"region_id": east}, headers=api.admin))
    far = api.post("/api/v1/branches", {"name": "Far", "region_id": west}, status=201)["id"]
    return {"east": east, "west": west, "far": far}


def test_a_region_manager_records_and_lists_inspections(
    api: Api, clock: Clock, regions: dict[str, int]
) -> None:
    east = user(api, "east", "manager", [], [regions["east"]])
    today = clock().date().isoformat()
    body = {"branch_id": 1, "date": today, "findings": "地面湿滑", "actions": "放置警示牌",
            "checklist": [{"item": "公示牌", "ok": True}, {"item": "叫号屏", "ok": True},
                          {"item": "清洁", "ok": False}, {"item": "着装", "ok": True}]}  # fmt: skip
    made = api.post("/api/v1/inspections", body, headers=east, status=201)
    assert (made["score"], made["inspector"], made["branch_id"]) == (75, "east", 1)
    listed = api.get("/api/v1/inspections", east, region_id=regions["east"])
    assert [i["id"] for i in listed] == [made["id"]]
    csv = api.client.get("/api/v1/inspections/export", params={"branch_id": 1, "locale": "en"},
                         headers=east)  # fmt: skip
    assert csv.status_code == 200 and "Findings" in csv.text and "放置警示牌" in csv.text
    xlsx = api.client.get("/api/v1/inspections/export", params={"format": "xlsx"}, headers=east)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_role_matrix_of_inspections(api: Api, clock: Clock, regions: dict[str, int]) -> None:
    today = clock().date().isoformat()
    callers = {
        "admin": api.admin,
        "east": user(api, "east", "manager", [], [regions["east"]]),
        "west": user(api, "west", "manager", [], [regions["west"]]),
        "hall": user(api, "hall", "manager", [1], []),
        "clerk": user(api, "clerk", "clerk", [1], []),
        "kiosk": api.device("kiosk")[1],
        "display": api.device("display")[1],
        "nobody": {},
    }
    body = {"branch_id": 1, "date": today, "score": 90}
    for name, headers in callers.items():
        r = api.client.post("/api/v1/inspections", json=body, headers=headers)
        expected = {"admin": 201, "east": 201, "nobody": 401}.get(name, 403)
        assert r.status_code == expected, (name, r.text)
    for name, headers in callers.items():
        for params in ({"region_id": regions["east"]}, {"branch_id": 1}, {}):
            r = api.client.get("/api/v1/inspections", params=params, headers=headers)
            reads = {"admin", "east"} | ({"hall"} if "region_id" not in params else set())
            if name == "west" and not params:
                assert r.status_code == 200 and r.json() == []  # none of its halls'
                continue
            expected = 200 if name in reads else 401 if name == "nobody" else 403
            assert r.status_code == expected, (name, params, r.text)
        r = api.client.get("/api/v1/inspections/export",
                           params={"region_id": regions["east"]}, headers=headers)  # fmt: skip
        assert r.status_code == (200 if name in {"admin", "east"} else 401 if name == "nobody"
                                 else 403), (name, r.text)  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [{"score": 101}, {"score": -1}, {"date": "2026-13-01"}, {"findings": "x" * 4001},
     {"checklist": [{"item": "", "ok": True}]}, {"branch_id": 0}, {"extra": 1},
     {"score": None}],
)  # fmt: skip
def test_bad_inspections_are_422(api: Api, clock: Clock, change: dict[str, Any]) -> None:
    body = {"branch_id": 1, "date": clock().date().isoformat(), "score": 80} | change
    error_of(api.client.post("/api/v1/inspections", json=body, headers=api.admin), 422,
             "validation_error")  # fmt: skip


def test_future_and_unknown_are_refused(api: Api, clock: Clock) -> None:
    tomorrow = (clock().date() + timedelta(days=2)).isoformat()
    error_of(api.client.post("/api/v1/inspections", json={"branch_id": 1, "date": tomorrow,
             "score": 1}, headers=api.admin), 422, "validation_error")  # fmt: skip
    error_of(api.client.post("/api/v1/inspections", json={"branch_id": 99,
             "date": clock().date().isoformat(), "score": 1}, headers=api.admin), 404,
             "not_found")  # fmt: skip


def test_the_board_flags_halls_not_inspected_within_the_region_setting(
    api: Api, clock: Clock, regions: dict[str, int]
) -> None:
    east = regions["east"]
    day = clock().date()
    old = (day - timedelta(days=8)).isoformat()
    api.post("/api/v1/inspections", {"branch_id": 1, "date": old, "score": 80}, status=201)
    tile = api.get(f"/api/v1/regions/{east}/overview")[0]
    assert (tile["last_inspected"], tile["inspection_overdue"]) == (old, True)
    ok(api.client.patch(f"/api/v1/regions/{east}", json={"settings": {"inspection_days": 10}},
                        headers=api.admin))  # fmt: skip
    assert api.get(f"/api/v1/regions/{east}/overview")[0]["inspection_overdue"] is False
    never = api.get(f"/api/v1/regions/{regions['west']}/overview")[0]
    assert (never["last_inspected"], never["inspection_overdue"]) == (None, True)
