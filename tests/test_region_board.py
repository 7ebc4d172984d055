"""The HQ board (issue 17, item 2): tiles of a region's halls, and its live feed — one socket
for the whole region, updated when any of its halls has an event."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.regions import overview
from tests.conftest import Api
from tests.support import Clock, ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def region_with_halls(api: Api) -> tuple[int, int, int]:
    """Region East → Shanghai (hall 1) and a second hall directly in East."""
    east = api.post("/api/v1/regions", {"name": "East"}, status=201)["id"]
    shanghai = api.post("/api/v1/regions", {"name": "上海", "parent_id": east}, status=201)["id"]
    ok(api.client.patch("/api/v1/branches/1", json={"region_id": shanghai}, headers=api.admin))
    hall2 = api.post("/api/v1/branches", {"name": "Suzhou", "region_id": east}, status=201)["id"]
    return east, shanghai, hall2


def test_a_tile_per_hall_with_todays_figures(api: Api, clock: Clock) -> None:
    east, shanghai, hall2 = region_with_halls(api)
    a = api.service("A", target_wait_min=2)
    counter = api.counter(1, [a["id"]])
    for _ in range(3):
        api.issue(a["id"])
    clock.advance(minutes=5)
    api.act(counter["id"], "open")
    api.act(counter["id"], "call-next")
    api.act(counter["id"], "complete")
    api.post(f"/api/v1/counters/{counter['id']}/call-next", {})
    tiles = {t["branch_id"]: t for t in api.get(f"/api/v1/regions/{east}/overview")}
    assert set(tiles) == {1, hall2}
    one = tiles[1]
    assert (one["region_id"], one["open_now"], one["waiting"], one["open_counters"]) == (
        shanghai, True, 1, 1
    )  # fmt: skip
    assert one["longest_wait_s"] == 300 and one["served_today"] == 1
    assert one["sla_pct_today"] == 0.0  # both waited 5 min against a 2-minute target
    assert one["active_alerts"] == 0 and one["state"] == "busy"
    empty = tiles[hall2]
    assert (empty["waiting"], empty["longest_wait_s"], empty["state"]) == (0, None, "ok")


def test_the_alerts_hook_counts_active_alerts(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    east, _, hall2 = region_with_halls(api)
    monkeypatch.setattr(overview, "_ALERT_COUNTS", [])
    overview.register_alert_count(lambda session, ids, now: {hall2: 2})
    tiles = {t["branch_id"]: t for t in api.get(f"/api/v1/regions/{east}/overview")}
    assert (tiles[hall2]["active_alerts"], tiles[hall2]["state"]) == (2, "alert")
    assert tiles[1]["active_alerts"] == 0


def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.receive_text())
    return message


def test_the_board_socket_sends_a_snapshot_then_the_changed_tiles(api: Api) -> None:
    east, shanghai, hall2 = region_with_halls(api)
    a = api.service("A")
    token = api.admin["Authorization"].removeprefix("Bearer ")
    with api.client.websocket_connect(f"/api/v1/regions/{east}/board?token={token}") as ws:
        first = receive(ws)
        assert first["type"] == "snapshot"
        assert {r["id"] for r in first["data"]["regions"]} == {east, shanghai}
        assert {t["branch_id"] for t in first["data"]["tiles"]} == {1, hall2}
        api.issue(a["id"])
        # (with Redis, the bus's echo of the set-up before may come first: a tile unchanged)
        for _ in range(5):
            update = receive(ws)
            assert update["type"] == "tiles"
            assert [t["branch_id"] for t in update["data"]] == [1]  # only the hall that changed
            if update["data"][0]["waiting"] == 1:
                break
        else:
            raise AssertionError("the issued ticket never reached the board")


def test_the_board_socket_refuses_who_does_not_manage_the_region(api: Api) -> None:
    east, _, _ = region_with_halls(api)
    other = api.post("/api/v1/regions", {"name": "West"}, status=201)["id"]
    api.post("/api/v1/users", {"username": "west", "password": "password-123",
                               "role": "manager", "region_ids": [other]}, status=201)  # fmt: skip
    for headers, code in ((api.login("west", "password-123"), 4403), ({}, 4401)):
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        with api.client.websocket_connect(f"/api/v1/regions/{east}/board?token={token}") as ws:
            refusal = receive(ws)
            assert refusal["error"] in {"forbidden", "unauthorized"}
            ws_close = ws.receive()
            assert ws_close["code"] == code
