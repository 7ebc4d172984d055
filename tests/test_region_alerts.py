"""Alerts of a region (issue 17): the list and the history export take `region_id` (the whole
subtree, halls added later included) with the role matrix; the HQ board's tiles count active
alerts and follow them live."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Api
from tests.test_api_alerts import evaluate
from tests.test_region_board import receive, region_with_halls
from tests.test_regions import Tree, error_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


@pytest.fixture
def tree(api: Api) -> Tree:
    return Tree(api)


def halls_alerted(api: Api, headers: dict[str, str], region_id: int) -> set[int]:
    rows = api.get("/api/v1/alerts", headers, region_id=region_id, active="true")
    return {a["branch_id"] for a in rows}


def test_a_region_lists_the_alerts_of_its_whole_subtree(api: Api, tree: Tree) -> None:
    # a hall added to Hangzhou after the fact belongs to East at once
    later = api.post("/api/v1/branches", {"name": "Ningbo", "region_id": tree.hangzhou},
                     status=201)["id"]  # fmt: skip
    for prefix, hall in (("A", 1), ("Z", tree.hall2), ("N", later)):
        service = api.service(prefix, branch_id=hall, code=prefix.lower())
        api.issue(service["id"])  # waiting, and no open counter: `no_open_counter`
    evaluate(api)
    admin = api.admin
    assert halls_alerted(api, admin, tree.hq) == {1, tree.hall2, later}
    assert halls_alerted(api, admin, tree.east) == {1, later}
    assert halls_alerted(api, admin, tree.shanghai) == {1}
    assert halls_alerted(api, admin, tree.south) == {tree.hall2}
    east = tree.user("east", "manager", [], [tree.east])
    assert halls_alerted(api, east, tree.east) == {1, later}
    assert halls_alerted(api, east, tree.hangzhou) == {later}  # a region below its own
    # without a region: every hall the manager sees, which is its subtree
    assert {a["branch_id"] for a in api.get("/api/v1/alerts", east)} == {1, later}
    # the other filters still apply inside the region
    assert api.get("/api/v1/alerts", admin, region_id=tree.east, active="false") == []
    assert api.get("/api/v1/alerts", admin, region_id=tree.east, kind="queue_long") == []
    paged = api.get("/api/v1/alerts", admin, region_id=tree.hq, limit=1, offset=1)
    assert len(paged) == 1


def test_the_history_export_takes_a_region(api: Api, tree: Tree) -> None:
    for prefix, hall in (("A", 1), ("Z", tree.hall2)):
        api.issue(api.service(prefix, branch_id=hall, code=prefix.lower())["id"])
    evaluate(api)
    r = api.client.get("/api/v1/alerts/export", headers=api.admin,
                       params={"region_id": tree.south, "locale": "en"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert f"region{tree.south}" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Guangzhou"]
    east = tree.user("east", "manager", [], [tree.east])
    error_of(api.client.get("/api/v1/alerts/export", headers=east,
                            params={"region_id": tree.south}), 403, "forbidden")  # fmt: skip
    r = api.client.get("/api/v1/alerts/export", headers=east,
                       params={"region_id": tree.east, "format": "xlsx"})  # fmt: skip
    assert r.status_code == 200 and r.content[:2] == b"PK"


@pytest.mark.parametrize("path", ["/api/v1/alerts", "/api/v1/alerts/export"])
def test_who_may_read_a_regions_alerts(api: Api, tree: Tree, path: str) -> None:
    """admin, East's manager and HQ's: 200; South's manager, a hall manager (even of a hall
    inside East), a clerk (even one placed in East), kiosk and display devices: 403; nobody:
    401."""
    callers = {
        "admin": api.admin,
        "hq": tree.user("hq", "manager", [], [tree.hq]),
        "east": tree.user("east", "manager", [], [tree.east]),
        "south": tree.user("south", "manager", [], [tree.south]),
        "hall": tree.user("hall", "manager", [1], []),
        "clerk": tree.user("clerk", "clerk", [1], []),
        "region_clerk": tree.user("rclerk", "clerk", [], [tree.east]),
        "kiosk": api.device("kiosk")[1],
        "display": api.device("display")[1],
    }
    for name, headers in callers.items():
        r = api.client.get(path, params={"region_id": tree.east}, headers=headers)
        if name in {"admin", "hq", "east"}:
            assert r.status_code == 200, (name, r.text)
        else:
            error_of(r, 403, "forbidden")
    error_of(api.client.get(path, params={"region_id": tree.east}), 401, "unauthorized")
    # the hall manager keeps its own hall
    assert api.client.get(path, params={"branch_id": 1}, headers=callers["hall"]).status_code \
        == 200  # fmt: skip


@pytest.mark.parametrize(
    "query",
    ["region_id=0", "region_id=-1", "region_id=x", "region_id=99999999999999999999",
     "region_id=1&branch_id=1"],
)  # fmt: skip
def test_bad_region_queries(api: Api, tree: Tree, query: str) -> None:
    for path in ("/api/v1/alerts", "/api/v1/alerts/export"):
        r = api.client.get(f"{path}?{query}".replace("region_id=1&", f"region_id={tree.east}&"),
                           headers=api.admin)  # fmt: skip
        error_of(r, 422, "validation_error")


def test_an_unknown_region_is_404(api: Api, tree: Tree) -> None:
    for path in ("/api/v1/alerts", "/api/v1/alerts/export"):
        error_of(api.client.get(path, params={"region_id": 999999}, headers=api.admin), 404,
                 "not_found")  # fmt: skip


def test_the_board_counts_active_alerts_and_follows_them_live(api: Api) -> None:
    """The tiles' `active_alerts` are the hall's uncleared alerts; `alert.raised` and
    `alert.cleared` reach an open board like any other event of the hall."""
    east, _, hall2 = region_with_halls(api)
    a = api.service("A")
    token = api.admin["Authorization"].removeprefix("Bearer ")

    def tile_of(ws: Any, branch_id: int, until: Callable[[dict[str, Any]], bool]) -> Any:
        for _ in range(10):
            update = receive(ws)
            assert update["type"] == "tiles"
            assert {t["branch_id"] for t in update["data"]} == {branch_id}
            if until(update["data"][0]):
                return update["data"][0]
        raise AssertionError("the board never showed it")

    with api.client.websocket_connect(f"/api/v1/regions/{east}/board?token={token}") as ws:
        assert receive(ws)["type"] == "snapshot"
        api.issue(a["id"])  # someone waits, no counter is open
        tile_of(ws, 1, lambda t: t["waiting"] == 1)
        evaluate(api)  # → no_open_counter is raised
        raised = tile_of(ws, 1, lambda t: t["active_alerts"] == 1)
        assert raised["state"] == "alert"
        counter = api.counter(1, [a["id"]])
        api.act(counter["id"], "open")
        evaluate(api)  # → cleared
        cleared = tile_of(ws, 1, lambda t: t["active_alerts"] == 0)
        assert cleared["state"] != "alert"
    tiles = {t["branch_id"]: t for t in api.get(f"/api/v1/regions/{east}/overview")}
    assert (tiles[1]["active_alerts"], tiles[hall2]["active_alerts"]) == (0, 0)


def test_the_overview_counts_each_halls_uncleared_alerts(api: Api) -> None:
    east, _, hall2 = region_with_halls(api)
    for prefix, hall in (("A", 1), ("B", 1), ("Z", hall2)):
        api.issue(api.service(prefix, branch_id=hall, code=prefix.lower())["id"])
    evaluate(api)  # one no_open_counter per service: two in hall 1, one in hall 2
    (first, *_) = api.get("/api/v1/alerts", branch_id=1, active="true")
    api.post(f"/api/v1/alerts/{first['id']}/ack", None)  # seen is not solved: still counted
    tiles = {t["branch_id"]: t for t in api.get(f"/api/v1/regions/{east}/overview")}
    assert (tiles[1]["active_alerts"], tiles[hall2]["active_alerts"]) == (2, 1)
    assert tiles[1]["state"] == tiles[hall2]["state"] == "alert"
