"""`hallq region add|list`, `hallq report --region ID`, and hall.toml carrying its region."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.support import ok
from tests.test_cli import ADMIN_PASSWORD, Hallq, login

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def test_region_add_builds_the_tree_and_report_takes_a_region_id(tmp_path: Path) -> None:
    hallq = Hallq(f"sqlite:///{tmp_path}/hallq.db")
    hallq("db", "upgrade")
    hallq("user", "add", "admin", "--role", "admin", "--password", ADMIN_PASSWORD)
    assert "created region '总部' (id 1)" in hallq("region", "add", "总部")
    assert "(id 2) under region 1" in hallq("region", "add", "华东", "--parent", "1")
    assert "does not exist" in hallq("region", "add", "x", "--parent", "99", code=1)
    assert "at most 100" in hallq("region", "add", "x" * 101, code=1)
    assert hallq("region", "list").splitlines() == ["    1  总部", "    2    华东"]
    with hallq.client() as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        ok(client.patch("/api/v1/branches/1", json={"region_id": 2}, headers=admin))
        service = ok(client.post("/api/v1/services", headers=admin, json={
            "code": "a", "prefix": "A", "name": {"en": "A"}}), 201)  # fmt: skip
        ok(client.post("/api/v1/tickets", json={"service_id": service["id"]}, headers=admin), 201)
    table = hallq("report", "--region", "1", "--group-by", "region", "--locale", "en")
    assert "华东" in table and "Region" in table
    assert "does not exist" in hallq("report", "--region", "42", code=1)


def test_export_and_import_carry_the_halls_region(tmp_path: Path) -> None:
    first = Hallq(f"sqlite:///{tmp_path}/first.db")
    second = Hallq(f"sqlite:///{tmp_path}/second.db")
    first("db", "upgrade")
    first("user", "add", "admin", "--role", "admin", "--password", ADMIN_PASSWORD)
    first("region", "add", "总部")
    first("region", "add", "华东", "--parent", "1")
    first("region", "add", "上海", "--parent", "2")
    with first.client() as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        ok(client.patch("/api/v1/branches/1", json={"region_id": 3}, headers=admin))
    exported = tmp_path / "hall.toml"
    first("export", str(exported))
    branch = tomllib.loads(exported.read_text(encoding="utf-8"))["branch"]
    assert branch["region"] == "上海" and branch["region_path"] == ["总部", "华东", "上海"]
    assert "region_id" not in branch  # ids differ between installations

    second("db", "upgrade")
    second("region", "add", "总部")  # an existing part of the path is reused
    second("import", str(exported))
    again = tmp_path / "again.toml"
    second("export", str(again))
    assert tomllib.loads(again.read_text(encoding="utf-8"))["branch"] == branch
    assert second("region", "list").splitlines() == [
        "    1  总部",
        "    2    华东",
        "    3      上海",
    ]
    bad = tmp_path / "bad.toml"
    bad.write_text('[branch]\nregion_path = ["总部", ""]\n', encoding="utf-8")
    assert "region_path" in second("import", str(bad), code=1)
