"""The Webhooks tab of /admin: a webhook for a region (every hall of its subtree) is chosen in
the scope list beside "this hall" and "all halls", and listed with its region's name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import expect, shot
from tests.support import LiveServer, Remote
from tests.test_admin_page import WAIT_MS, sign_in

pytestmark = pytest.mark.browser

REGION = {"zh-CN": "片区", "zh-TW": "區域", "en": "Region"}
ALL_HALLS = {"zh-CN": "全部大厅", "zh-TW": "全部大廳", "en": "All halls"}


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
def test_a_webhook_for_a_region(page: Any, server: LiveServer, remote: Remote, lang: str) -> None:
    name = f"华东 {lang}"
    region = remote.post("/api/v1/regions", {"name": name}, status=201)["id"]
    remote.client.patch(
        "/api/v1/branches/1", json={"region_id": region}, headers=remote.admin
    ).raise_for_status()
    sign_in(page, server, view="webhooks", lang=lang)
    url = f"http://127.0.0.1:9/region-{lang}"
    page.fill("#wh-add input[name=url]", url)
    scope = page.locator("#wh-add select[name=scope]")
    expect(scope.locator(f'option[value="r:{region}"]')).to_have_text(f"{REGION[lang]} · {name}")
    expect(scope.locator('option[value="all"]')).to_have_text(ALL_HALLS[lang])
    scope.select_option(f"r:{region}")
    page.click("#wh-add button[type=submit]")
    expect(page.locator("#wh-secret code")).to_contain_text("whsec_", timeout=WAIT_MS)
    made = [w for w in remote.get("/api/v1/webhooks") if w["url"] == url][-1]
    assert (made["region_id"], made["branch_id"]) == (region, None)
    row = page.locator(f'#wh-table tr[data-webhook-id="{made["id"]}"]')
    expect(row).to_contain_text(f"{REGION[lang]} · {name}", timeout=WAIT_MS)
    shot(page, f"admin-webhooks-region-{lang}")
