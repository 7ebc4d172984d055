"""The HQ board page in Debian's chromium: regions fold, tiles are coloured by state, a call
in a hall reaches its tile over the region's one socket, and a click opens that hall's monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser import expect, shot
from tests.support import LIVE_ADMIN_PASSWORD, LiveServer, Remote

pytestmark = pytest.mark.browser

WAIT_MS = 20_000


def sign_in(page: Any, server: LiveServer, region: int, lang: str) -> None:
    page.add_init_script(f"localStorage.setItem('hallq.admin.lang', '{lang}');")
    page.goto(f"{server.url}/admin/overview?region={region}")
    page.fill("#username", "admin")
    page.fill("#password", LIVE_ADMIN_PASSWORD)
    page.click("#login-form button[type=submit]")


def test_the_board_shows_regions_tiles_and_live_changes(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    hq = remote.post("/api/v1/regions", {"name": "总部"}, status=201)["id"]
    east = remote.post("/api/v1/regions", {"name": "华东分公司", "parent_id": hq}, status=201)["id"]
    south = remote.post("/api/v1/regions", {"name": "华南分公司", "parent_id": hq}, status=201)[
        "id"
    ]
    remote.client.patch("/api/v1/branches/1", json={"region_id": east}, headers=remote.admin)
    halls = [remote.post("/api/v1/branches", {"name": name, "region_id": region}, status=201)["id"]
             for name, region in (("杭州营业厅", east), ("广州营业厅", south),
                                  ("深圳营业厅", south))]  # fmt: skip
    service = remote.service("B", target_wait_min=0)
    counter = remote.counter(21, [service["id"]])
    remote.post(f"/api/v1/counters/{counter['id']}/open", {})
    for _ in range(3):
        remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
    far = remote.service("F", branch_id=halls[1], code="f")
    remote.post("/api/v1/tickets", {"service_id": far["id"]}, status=201)  # nobody serves it

    sign_in(page, server, hq, "zh-CN")
    tile = page.locator('.tile[data-branch="1"]')
    expect(tile.locator("dd.waiting")).to_have_text("3", timeout=WAIT_MS)
    expect(page.locator(".tile")).to_have_count(4)
    expect(page.locator(f'.tile[data-branch="{halls[1]}"]')).to_have_class("tile st-busy")
    expect(page.locator("#conn")).to_have_text("实时", timeout=WAIT_MS)
    remote.post(f"/api/v1/counters/{counter['id']}/call-next", {})
    expect(tile.locator("dd.waiting")).to_have_text("2", timeout=WAIT_MS)
    expect(tile.locator(".insp-flag")).to_have_text("超过 7 天未巡视")  # never inspected
    shot(page, "board-zh-CN")

    page.click("[data-lang=zh-TW]")
    expect(page.locator(".brand")).to_contain_text("總部看板")
    shot(page, "board-zh-TW")
    page.click("[data-lang=en]")
    page.locator(f'details[data-region="{south}"] > summary').click()  # fold South
    expect(page.locator(f'.tile[data-branch="{halls[2]}"]')).to_be_hidden()
    shot(page, "board-en")
    page.goto(f"{server.url}/admin/overview?region={hq}")  # the fold is remembered
    expect(page.locator('.tile[data-branch="1"]')).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(f'.tile[data-branch="{halls[2]}"]')).to_be_hidden()
    page.locator('.tile[data-branch="1"]').click()
    expect(page.locator("#monitor-view")).to_be_visible(timeout=WAIT_MS)
    assert "branch=1" in page.url


def test_the_inspections_tab_records_lists_and_exports(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    region = remote.post("/api/v1/regions", {"name": "巡视片区"}, status=201)["id"]
    remote.client.patch("/api/v1/branches/1", json={"region_id": region}, headers=remote.admin)
    page.add_init_script("localStorage.setItem('hallq.admin.view', 'inspections');"
                         "localStorage.setItem('hallq.admin.lang', 'zh-CN');")  # fmt: skip
    page.goto(f"{server.url}/admin")
    page.fill("#username", "admin")
    page.fill("#password", LIVE_ADMIN_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#inspections-view")).to_be_visible(timeout=WAIT_MS)
    page.fill("#insp-checklist", "公示牌齐全\n✗ 地面清洁\n叫号屏正常\n工作人员着装")
    page.fill("#insp-findings", "大厅地面湿滑")
    page.fill("#insp-actions", "放置警示牌，下班前复查")
    page.click("#insp-form button[type=submit]")
    row = page.locator("#insp-table tbody tr").first
    expect(row).to_contain_text("75", timeout=WAIT_MS)
    expect(row).to_contain_text("放置警示牌")
    shot(page, "inspections-zh-CN")
    with page.expect_download() as download:
        page.click("#inspections-view [data-format=csv]")
    assert "大厅地面湿滑" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    page.click("[data-lang=zh-TW]")
    expect(page.locator("#insp-table thead")).to_contain_text("巡視人")
    shot(page, "inspections-zh-TW")
    page.click("[data-lang=en]")
    expect(page.locator("#insp-table thead")).to_contain_text("Inspector")
    shot(page, "inspections-en")
