"""A region's webhook (API.md, "Webhooks": `"branch_id"?|"region_id"?`): it receives the events
of every hall in the region's subtree — halls added or moved there later included — and never
another hall's; who may make and manage one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Api
from tests.support import ok
from tests.test_regions import Tree, error_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def tree(api: Api) -> Tree:
    return Tree(api)


def create(api: Api, headers: dict[str, str], **fields: Any) -> Any:
    body = {"url": URL, "events": ["ticket.issued"]} | fields
    return api.client.post("/api/v1/webhooks", json=body, headers=headers)


def deliveries(db_url: str) -> list[tuple[int, int]]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT webhook_id, branch_id FROM webhook_delivery ORDER BY id"))
        found = [(int(w), int(b)) for w, b in rows]
    engine.dispose()
    return found


def test_a_region_webhook_gets_its_subtrees_events_and_no_other(
    api: Api, tree: Tree, db_url: str
) -> None:
    east = ok(create(api, api.admin, region_id=tree.east), 201)
    assert (east["region_id"], east["branch_id"]) == (tree.east, None)
    shanghai = ok(create(api, api.admin, region_id=tree.shanghai), 201)
    a = api.service("A")
    z = api.service("Z", branch_id=tree.hall2, code="z")
    api.issue(a["id"])  # hall 1, in Shanghai, in East
    api.issue(z["id"])  # hall 2, in South: neither webhook
    assert deliveries(db_url) == [(east["id"], 1), (shanghai["id"], 1)]
    # a hall added to Hangzhou later is East's at once, not Shanghai's
    later = api.post("/api/v1/branches", {"name": "Ningbo", "region_id": tree.hangzhou},
                     status=201)["id"]  # fmt: skip
    n = api.service("N", branch_id=later, code="n")
    api.issue(n["id"])
    assert deliveries(db_url)[2:] == [(east["id"], later)]
    # a hall moved out of East leaves its webhook; one moved in joins it
    ok(api.client.patch(f"/api/v1/branches/{later}", json={"region_id": tree.south},
                        headers=api.admin))  # fmt: skip
    ok(api.client.patch(f"/api/v1/branches/{tree.hall2}", json={"region_id": tree.shanghai},
                        headers=api.admin))  # fmt: skip
    api.issue(n["id"])
    api.issue(z["id"])
    assert deliveries(db_url)[3:] == [(east["id"], tree.hall2), (shanghai["id"], tree.hall2)]
    # a region hung under another brings its halls along
    ok(api.client.patch(f"/api/v1/regions/{tree.south}", json={"parent_id": tree.east},
                        headers=api.admin))  # fmt: skip
    api.issue(n["id"])
    assert deliveries(db_url)[5:] == [(east["id"], later)]


def test_who_may_make_and_manage_a_region_webhook(api: Api, tree: Tree) -> None:
    """An admin, or a manager of the region (or of one above it); not another region's
    manager, a hall's manager (even of a hall inside it), a clerk or a device."""
    hq = tree.user("hq", "manager", [], [tree.hq])
    east = tree.user("east", "manager", [], [tree.east])
    south = tree.user("south", "manager", [], [tree.south])
    hall = tree.user("hall", "manager", [1], [])
    clerk = tree.user("clerk", "clerk", [], [tree.east])
    kiosk = api.device("kiosk")[1]
    mine = ok(create(api, east, region_id=tree.east), 201)
    below = ok(create(api, east, region_id=tree.shanghai), 201)
    ok(create(api, hq, region_id=tree.east), 201)
    for who in (south, hall, clerk, kiosk):
        error_of(create(api, who, region_id=tree.east), 403, "forbidden")
        error_of(create(api, who, region_id=tree.shanghai), 403, "forbidden")
    error_of(create(api, {}, region_id=tree.east), 401, "unauthorized")
    error_of(create(api, east, region_id=tree.south), 403, "forbidden")
    error_of(create(api, east, region_id=tree.hq), 403, "forbidden")  # the region above
    # the list: a region's webhooks for those who manage the region, and nobody else
    listed = {w["id"] for w in api.get("/api/v1/webhooks", east)}
    assert {mine["id"], below["id"]} <= listed
    assert all(w["region_id"] is None for w in api.get("/api/v1/webhooks", hall))
    assert api.get("/api/v1/webhooks", south) == []
    assert {w["region_id"] for w in api.get("/api/v1/webhooks", hq)} == {tree.east, tree.shanghai}
    url = f"/api/v1/webhooks/{mine['id']}"
    for who in (south, hall):
        error_of(api.client.patch(url, json={"active": False}, headers=who), 403, "forbidden")
        error_of(api.client.get(f"{url}/deliveries", headers=who), 403, "forbidden")
        error_of(api.client.post(f"{url}/test", headers=who), 403, "forbidden")
        error_of(api.client.delete(url, headers=who), 403, "forbidden")
    changed = ok(api.client.patch(url, json={"events": ["ticket.called"]}, headers=east))
    assert changed["region_id"] == tree.east
    assert ok(api.client.post(f"{url}/test", headers=east), 202)["event_type"] == "webhook.test"
    assert api.get(f"{url}/deliveries", east)[0]["event_type"] == "webhook.test"
    ok(api.client.delete(url, headers=east))


@pytest.mark.parametrize(
    "fields",
    [{"region_id": 999999}, {"region_id": 0}, {"region_id": -1}, {"region_id": "east"},
     {"region_id": 2**63}, {"region_id": None, "branch_id": 999999}],
)  # fmt: skip
def test_bad_regions_are_422(api: Api, tree: Tree, fields: dict[str, Any]) -> None:
    error_of(create(api, api.admin, **fields), 422, "validation_error")


def test_a_hall_and_a_region_together_are_422(api: Api, tree: Tree) -> None:
    error_of(create(api, api.admin, region_id=tree.east, branch_id=1), 422, "validation_error")


def test_a_region_with_webhooks_is_not_deleted(api: Api, tree: Tree) -> None:
    empty = api.post("/api/v1/regions", {"name": "Empty"}, status=201)["id"]
    made = ok(create(api, api.admin, region_id=empty), 201)
    # a region with no hall: the test message has nobody to come from
    error_of(api.client.post(f"/api/v1/webhooks/{made['id']}/test", headers=api.admin), 422,
             "validation_error")  # fmt: skip
    error_of(api.client.delete(f"/api/v1/regions/{empty}", headers=api.admin), 409, "conflict")
    ok(api.client.delete(f"/api/v1/webhooks/{made['id']}", headers=api.admin))
    ok(api.client.delete(f"/api/v1/regions/{empty}", headers=api.admin))


def test_region_webhooks_are_in_the_audit_trail(api: Api, tree: Tree) -> None:
    made = ok(create(api, api.admin, region_id=tree.east, secret="region-secret-1234"), 201)
    (record,) = [r for r in api.get("/api/v1/audit", limit=10000)
                 if r["subject"] == f"webhook:{made['id']}"]  # fmt: skip
    assert record["kind"] == "webhook.created"
    assert record["data"]["new"]["region_id"] == tree.east
    assert "region-secret" not in str(record)
