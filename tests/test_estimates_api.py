"""GET /api/v1/stats/estimates (issue 18, item 2): the estimates given at issue (hallq's and the
naive one, kept on the ticket) against the waits that followed; its shape, the role matrix,
region scoping and bad input."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Api
from tests.support import Clock, ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

PATH = "/api/v1/stats/estimates"
FIGURES = {"mae_s", "p90_abs_s", "within_5min_pct", "within_20pct_pct"}


def user(api: Api, name: str, role: str, branch_ids: list[int], region_ids: list[int]
         ) -> dict[str, str]:  # fmt: skip
    body = {"username": name, "password": "password-123", "role": role,
            "branch_ids": branch_ids, "region_ids": region_ids}  # fmt: skip
    api.post("/api/v1/users", body, status=201)
    return api.login(name, "password-123")


def served_pair(api: Api, clock: Clock) -> dict[str, Any]:
    """One counter of a 5-minute service: the first ticket is called at once (both estimates
    0, right); the second is issued while the first is at the desk: hallq says 300 s (what is
    left of the first's turn), the naive formula 0 (nobody waits ahead). It is called 300 s
    later."""
    service = api.service("A", service_min=5)
    counter = api.counter(1, [service["id"]])
    api.act(counter["id"], "open")
    first = api.issue(service["id"])
    api.act(counter["id"], "call-next")
    second = api.issue(service["id"])
    assert (first["estimated_wait_s"], second["estimated_wait_s"]) == (0, 300)
    clock.advance(minutes=5)
    api.act(counter["id"], "call-next", {"complete_current": True})
    return service


def test_the_report_compares_both_estimates_with_the_waits(api: Api, clock: Clock) -> None:
    service = served_pair(api, clock)
    day = clock().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    report = api.get(PATH, branch_id=1, **{"from": day, "to": day})
    assert set(report) == {"tickets", "hallq", "naive", "by_service", "by_hour"}
    assert report["tickets"] == 2
    assert report["hallq"] == {"mae_s": 0.0, "p90_abs_s": 0.0, "within_5min_pct": 100.0,
                               "within_20pct_pct": 100.0}  # fmt: skip
    assert report["naive"] == {"mae_s": 150.0, "p90_abs_s": 300.0, "within_5min_pct": 100.0,
                               "within_20pct_pct": 50.0}  # fmt: skip
    (row,) = report["by_service"]
    assert row == {"service_id": service["id"], "tickets": 2, "hallq": report["hallq"],
                   "naive": report["naive"]}  # fmt: skip
    hour = clock().astimezone(ZoneInfo("Asia/Shanghai")).hour
    assert [(h["hour"], h["tickets"]) for h in report["by_hour"]] == [(hour, 2)]
    # the default range is today; another day has nothing
    assert api.get(PATH)["tickets"] == 2
    empty = api.get(PATH, **{"from": "2020-01-01", "to": "2020-01-02"})
    assert empty["tickets"] == 0 and set(empty["hallq"]) == FIGURES
    assert empty["hallq"]["mae_s"] is None and empty["by_service"] == []


def test_the_role_matrix_and_region_scoping(api: Api, clock: Clock) -> None:
    served_pair(api, clock)
    east = api.post("/api/v1/regions", {"name": "East"}, status=201)["id"]
    west = api.post("/api/v1/regions", {"name": "West"}, status=201)["id"]
    ok(api.client.patch("/api/v1/branches/1", json={"region_id": east}, headers=api.admin))
    callers = {
        "admin": api.admin,
        "east": user(api, "east", "manager", [], [east]),
        "west": user(api, "west", "manager", [], [west]),
        "hall": user(api, "hall", "manager", [1], []),
        "clerk": user(api, "clerk", "clerk", [1], []),
        "kiosk": api.device("kiosk")[1],
        "display": api.device("display")[1],
        "nobody": {},
    }
    for params in ({"branch_id": 1}, {"region_id": east}):
        readers = {"admin", "east"} | ({"hall"} if "branch_id" in params else set())
        for name, headers in callers.items():
            r = api.client.get(PATH, params=params, headers=headers)
            expected = 200 if name in readers else 401 if name == "nobody" else 403
            assert r.status_code == expected, (name, params, r.text)
            if expected == 200:
                assert r.json()["tickets"] == 2
            else:
                assert "tickets" not in r.json()
    west_report = api.client.get(PATH, params={"region_id": west}, headers=callers["west"])
    assert west_report.status_code == 200 and west_report.json()["tickets"] == 0


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2026-02-10", "to": "2026-02-01"}, 422),  # backwards
        ({"from": "2026-13-01"}, 422),
        ({"to": "yesterday"}, 422),
        ({"from": "9999-12-30", "to": "9999-12-31"}, 422),
        ({"from": "2000-01-01", "to": "2026-01-01"}, 422),  # more than MAX_DAYS
        ({"branch_id": 1, "region_id": 1}, 422),
        ({"branch_id": 0}, 422),
        ({"branch_id": "x"}, 422),
        ({"region_id": -1}, 422),
        ({"branch_id": 2**63}, 422),
        ({"branch_id": 999}, 404),
        ({"region_id": 999}, 404),
    ],
)  # fmt: skip
def test_bad_input_is_refused_never_500(api: Api, params: dict[str, Any], status: int) -> None:
    r = api.client.get(PATH, params=params, headers=api.admin)
    assert r.status_code == status, r.text
    assert r.json()["error"] == ("validation_error" if status == 422 else "not_found")


def test_transferred_tickets_and_tickets_without_an_estimate_are_left_out(
    api: Api, clock: Clock
) -> None:
    service = api.service("A", service_min=5)
    other = api.service("B", service_min=5)
    api.issue(service["id"])  # no counter open: no estimate given, left out
    counter = api.counter(1, [service["id"], other["id"]])
    api.act(counter["id"], "open")
    api.act(counter["id"], "call-next")
    api.act(counter["id"], "transfer", {"service_id": other["id"]})
    clock.advance(minutes=1)
    api.act(counter["id"], "call-next")  # the transferred ticket: called again, not counted
    assert api.get(PATH, branch_id=1)["tickets"] == 0
