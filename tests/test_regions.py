"""Regions (issue 17, item 1): the tree, its bad input, and region managers' scope — the whole
role matrix against every region-scoped endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.support import ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def error_of(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == code, response.text


class Tree:
    """HQ → East → (Shanghai, Hangzhou), HQ → South; hall 1 in Shanghai, hall 2 in South."""

    def __init__(self, api: Api) -> None:
        self.api = api
        post = api.post
        self.hq = post("/api/v1/regions", {"name": "HQ"}, status=201)["id"]
        self.east = post("/api/v1/regions", {"name": "East", "parent_id": self.hq}, status=201)[
            "id"
        ]
        self.shanghai = post("/api/v1/regions", {"name": "上海", "parent_id": self.east},
                             status=201)["id"]  # fmt: skip
        self.hangzhou = post("/api/v1/regions", {"name": "杭州", "parent_id": self.east},
                             status=201)["id"]  # fmt: skip
        self.south = post("/api/v1/regions", {"name": "South", "parent_id": self.hq},
                          status=201)["id"]  # fmt: skip
        ok(api.client.patch("/api/v1/branches/1", json={"region_id": self.shanghai},
                            headers=api.admin))  # fmt: skip
        self.hall2 = post("/api/v1/branches", {"name": "Guangzhou", "region_id": self.south},
                          status=201)["id"]  # fmt: skip

    def user(
        self, name: str, role: str, branch_ids: list[int], region_ids: list[int]
    ) -> dict[str, str]:
        body = {"username": name, "password": "password-123", "role": role,
                "branch_ids": branch_ids, "region_ids": region_ids}  # fmt: skip
        self.api.post("/api/v1/users", body, status=201)
        return self.api.login(name, "password-123")


@pytest.fixture
def tree(api: Api) -> Tree:
    return Tree(api)


def test_a_tree_of_any_depth_and_branches_carry_their_region(api: Api, tree: Tree) -> None:
    regions = {r["id"]: r for r in api.get("/api/v1/regions")}
    assert regions[tree.shanghai]["parent_id"] == tree.east
    assert regions[tree.east]["parent_id"] == tree.hq
    hall1 = api.get("/api/v1/branches/1")
    assert (hall1["region_id"], hall1["region"]) == (tree.shanghai, "上海")
    ok(api.client.patch(f"/api/v1/regions/{tree.shanghai}", json={"name": "上海分公司"},
                        headers=api.admin))  # fmt: skip
    assert api.get("/api/v1/branches/1")["region"] == "上海分公司"  # the name follows
    # the old free-text field still works: an existing name is that region
    ok(api.client.patch("/api/v1/branches/1", json={"region": "杭州"}, headers=api.admin))
    assert api.get("/api/v1/branches/1")["region_id"] == tree.hangzhou


def test_cycles_are_refused(api: Api, tree: Tree) -> None:
    for region, parent in ((tree.hq, tree.shanghai), (tree.east, tree.east),
                           (tree.hq, tree.east)):  # fmt: skip
        r = api.client.patch(f"/api/v1/regions/{region}", json={"parent_id": parent},
                             headers=api.admin)  # fmt: skip
        error_of(r, 409, "conflict")
    assert {r["id"]: r["parent_id"] for r in api.get("/api/v1/regions")}[tree.hq] is None
    # moving a subtree elsewhere is fine
    ok(api.client.patch(f"/api/v1/regions/{tree.hangzhou}", json={"parent_id": tree.south},
                        headers=api.admin))  # fmt: skip


def test_a_region_with_halls_or_children_is_not_deleted(api: Api, tree: Tree) -> None:
    error_of(api.client.delete(f"/api/v1/regions/{tree.east}", headers=api.admin), 409, "conflict")
    error_of(api.client.delete(f"/api/v1/regions/{tree.shanghai}", headers=api.admin), 409,
             "conflict")  # fmt: skip
    ok(api.client.delete(f"/api/v1/regions/{tree.hangzhou}", headers=api.admin))
    error_of(api.client.delete(f"/api/v1/regions/{tree.hangzhou}", headers=api.admin), 404,
             "not_found")  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "x" * 101}, {"name": "a", "parent_id": 0}, {"name": "a", "extra": 1},
     {"name": "a", "parent_id": 2**63}, {"name": "a", "settings": {"inspection_days": 0}}],
)  # fmt: skip
def test_bad_region_bodies_are_422(api: Api, body: dict[str, Any]) -> None:
    error_of(api.client.post("/api/v1/regions", json=body, headers=api.admin), 422,
             "validation_error")  # fmt: skip


def test_unknown_parents_and_regions_are_404(api: Api) -> None:
    error_of(api.client.post("/api/v1/regions", json={"name": "a", "parent_id": 99},
                             headers=api.admin), 404, "not_found")  # fmt: skip
    error_of(api.client.patch("/api/v1/branches/1", json={"region_id": 99}, headers=api.admin),
             404, "not_found")  # fmt: skip
    error_of(api.client.get("/api/v1/regions/99/overview", headers=api.admin), 404, "not_found")
    error_of(api.client.post("/api/v1/regions", json={"name": "nul\x00name"}, headers=api.admin),
             422, "validation_error")  # fmt: skip


def test_a_region_manager_manages_its_whole_subtree_including_later_halls(
    api: Api, tree: Tree
) -> None:
    east = tree.user("east", "manager", [], [tree.east])
    assert [b["id"] for b in api.get("/api/v1/branches", east)] == [1]
    assert ok(api.client.get("/api/v1/auth/me", headers=east))["region_ids"] == sorted(
        [tree.east, tree.shanghai, tree.hangzhou]
    )
    later = api.post("/api/v1/branches", {"name": "Ningbo", "region_id": tree.hangzhou},
                     status=201)["id"]  # fmt: skip
    assert [b["id"] for b in api.get("/api/v1/branches", east)] == [1, later]
    api.service("N", branch_id=later, code="n")  # as admin; the manager may configure it too
    ok(api.client.patch(f"/api/v1/branches/{later}", json={"name": "宁波"}, headers=east))
    error_of(api.client.patch(f"/api/v1/branches/{tree.hall2}", json={"name": "x"}, headers=east),
             403, "forbidden")  # fmt: skip
    # a region manager moves halls inside its subtree only; only an admin edits the tree
    ok(api.client.patch(f"/api/v1/branches/{later}", json={"region_id": tree.shanghai},
                        headers=east))  # fmt: skip
    error_of(api.client.patch(f"/api/v1/branches/{later}", json={"region_id": tree.south},
                              headers=east), 403, "forbidden")  # fmt: skip
    error_of(api.client.post("/api/v1/regions", json={"name": "x"}, headers=east), 403, "forbidden")
    error_of(api.client.patch(f"/api/v1/regions/{tree.east}", json={"name": "x"}, headers=east),
             403, "forbidden")  # fmt: skip
    # only an admin hands out regions
    body = {"username": "c9", "password": "password-123", "role": "clerk", "branch_ids": [1],
            "region_ids": [tree.east]}  # fmt: skip
    error_of(api.client.post("/api/v1/users", json=body, headers=east), 403, "forbidden")


REGION_ENDPOINTS = (
    "/api/v1/regions/{region}/overview",
    "/api/v1/stats/summary?region_id={region}",
    "/api/v1/stats/breakdown?region_id={region}&group_by=region",
    "/api/v1/stats/export?region_id={region}",
    "/api/v1/complaints?region_id={region}",
    "/api/v1/inspections?region_id={region}",
    "/api/v1/inspections/export?region_id={region}",
    "/api/v1/alerts?region_id={region}",
    "/api/v1/alerts/export?region_id={region}",
)


def test_the_role_matrix_of_region_scoped_endpoints(api: Api, tree: Tree) -> None:
    """admin, the region's manager, its parent's manager: 200; another region's manager, a
    hall manager of a hall inside it, a clerk, kiosk and display devices: 403; nobody: 401."""
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
        "nobody": {},
    }
    allowed = {"admin", "hq", "east"}
    for template in REGION_ENDPOINTS:
        url = template.format(region=tree.east)
        for name, headers in callers.items():
            r = api.client.get(url, headers=headers)
            if name in allowed:
                assert r.status_code == 200, (url, name, r.text)
            elif name == "nobody":
                error_of(r, 401, "unauthorized")
            else:
                assert r.status_code == 403, (url, name, r.text)
                assert r.json()["error"] == "forbidden"
    # the south manager sees its own board, not East's halls in it
    south = api.get(f"/api/v1/regions/{tree.south}/overview", callers["south"])
    assert [t["branch_id"] for t in south] == [tree.hall2]
    # a region manager sees the regions of its subtree and no other
    listed = {r["id"] for r in api.get("/api/v1/regions", callers["east"])}
    assert listed == {tree.east, tree.shanghai, tree.hangzhou}
    for device in ("kiosk", "display"):
        r = api.client.get("/api/v1/regions", headers=callers[device])
        error_of(r, 403, "forbidden")


def test_region_statistics_cover_the_subtree_and_group_by_region_gives_children(
    api: Api, tree: Tree
) -> None:
    a = api.service("A")
    z = api.service("Z", branch_id=tree.hall2, code="z")
    for _ in range(2):
        api.issue(a["id"])
    api.issue(z["id"])
    hq = api.get("/api/v1/stats/summary", region_id=tree.hq)
    east = api.get("/api/v1/stats/summary", region_id=tree.east)
    assert (hq["issued"], east["issued"]) == (3, 2)
    rows = api.get("/api/v1/stats/breakdown", region_id=tree.hq, group_by="region", locale="en")
    assert [(r["key"], r["label"], r["issued"]) for r in rows] == [
        (tree.east, "East", 2), (tree.south, "South", 1)
    ]  # fmt: skip
    deeper = api.get("/api/v1/stats/breakdown", region_id=tree.east, group_by="region")
    assert [(r["key"], r["issued"]) for r in deeper] == [(tree.shanghai, 2)]
    both = api.client.get("/api/v1/stats/summary", params={"region_id": tree.east, "branch_id": 1},
                          headers=api.admin)  # fmt: skip
    error_of(both, 422, "validation_error")
    export = api.client.get("/api/v1/stats/export", params={"region_id": tree.south},
                            headers=api.admin)  # fmt: skip
    assert export.status_code == 200 and "Guangzhou" in export.text and "业务A" not in export.text


def test_region_changes_are_in_the_audit_trail(api: Api, tree: Tree) -> None:
    ok(api.client.patch(f"/api/v1/regions/{tree.south}", json={"name": "华南"},
                        headers=api.admin))  # fmt: skip
    ok(api.client.delete(f"/api/v1/regions/{tree.hangzhou}", headers=api.admin))
    kinds = {
        (r["kind"], r["subject"]): r["data"]
        for r in api.get("/api/v1/audit", subject=f"region:{tree.south}")
        + api.get("/api/v1/audit", subject=f"region:{tree.hangzhou}")
    }
    assert kinds[("region.updated", f"region:{tree.south}")] == {
        "old": {"name": "South"}, "new": {"name": "华南"}
    }  # fmt: skip
    assert ("region.created", f"region:{tree.hangzhou}") in kinds
    assert ("region.deleted", f"region:{tree.hangzhou}") in kinds
    assert api.get("/api/v1/audit/verify")["ok"] is True
