"""The monitor shows the server's alerts live (who, what, since when), acknowledges one, lists
each device's heartbeat, and queries and downloads the alert history — in Debian's chromium
against a live server, in zh-CN, zh-TW and en (screenshots in tests/_artifacts/)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.browser import ARTIFACTS, expect
from tests.support import LiveServer, Remote, backdate
from tests.test_floor_pages import LANGS, WAIT_MS, admin, new_hall, relabel

pytestmark = pytest.mark.browser
EVALUATE_ALERTS = True  # the `server` evaluates alerts (conftest.py)

SAYS = {
    "zh-CN": ("没有开放的窗口办理", "纸将用尽", "已离线", "设备状态", "提醒记录", "确认"),
    "zh-TW": ("沒有開放的窗口辦理", "紙將用盡", "已離線", "設備狀態", "提醒紀錄", "確認"),
    "en": ("no open counter serves it", "paper running low", "is offline", "Devices",
           "Alert history", "Acknowledge"),
}  # fmt: skip


def test_the_monitor_shows_acknowledges_and_exports_the_servers_alerts(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    remote.client.patch(f"/api/v1/branches/{hall.branch_id}",
                        json={"settings": {"queue_alert_per_counter": 1, "device_offline_s": 30}},
                        headers=remote.admin).raise_for_status()  # fmt: skip
    nobody = hall.service("N", target_wait_min=60)
    busy = hall.service("Q", target_wait_min=60)
    counter = hall.counter(2, [busy])
    hall.act(counter, "open")
    hall.issue(nobody)
    hall.issue(busy)
    hall.issue(busy)
    kiosk_id, kiosk = remote.device("kiosk", branch_id=hall.branch_id)
    remote.post(f"/api/v1/kiosks/{kiosk_id}/printer-status", {"online": True, "paper": "near_end"},
                headers={"Authorization": f"Bearer {kiosk}"})  # fmt: skip
    tv_id, tv = remote.device("display", branch_id=hall.branch_id)
    remote.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tv}"})  # seen once …
    admin(page, server, hall, "monitor")
    alerts = page.locator("#alerts")
    expect(alerts.locator('[data-kind="no_open_counter"]')).to_be_visible(timeout=WAIT_MS)
    expect(alerts.locator('[data-kind="queue_long"]')).to_be_visible(timeout=WAIT_MS)
    low = alerts.locator(f'[data-kind="paper_low"][data-subject="device:{kiosk_id}"]')
    expect(low).to_be_visible(timeout=WAIT_MS)
    tv_row = page.locator(f'#monitor-devices tr[data-device-id="{tv_id}"]')
    expect(tv_row.locator("td").nth(2)).to_have_text("在线", timeout=WAIT_MS)
    gone = timedelta(minutes=5)  # … and not since
    backdate(server, "device_seen", tv_id, "device_id", last_seen_at=gone)
    offline_key = f'[data-kind="device_offline"][data-subject="device:{tv_id}"]'
    expect(alerts.locator(offline_key)).to_be_visible(timeout=WAIT_MS)
    expect(tv_row.locator("td").nth(2)).to_have_text("离线", timeout=WAIT_MS)
    low.locator("button.ack").click()
    expect(low.locator(".acked")).to_contain_text("admin", timeout=WAIT_MS)
    page.click("#ah-form button[type=submit]")
    expect(page.locator("#ah-table tbody tr")).to_have_count(4, timeout=WAIT_MS)
    for lang in LANGS:
        relabel(page, lang)
        uncovered, paper, offline, devices, history, ack = SAYS[lang]
        expect(alerts).to_contain_text(uncovered)
        expect(low).to_contain_text(paper)
        expect(alerts.locator(offline_key)).to_contain_text(offline)
        expect(page.locator("#devices-title")).to_have_text(devices)
        expect(page.locator("#ah-title")).to_have_text(history)
        expect(alerts.locator('[data-kind="queue_long"] button.ack')).to_have_text(ack)
        expect(page.locator("#ah-table tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"alerts-monitor-{lang}.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#ah-csv")
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert text.splitlines()[0].startswith("id,hall,kind") and "paper_low" in text
    hall.act(counter, "call-next")  # one waits for Q's one counter now: the long queue ends
    expect(alerts.locator('[data-kind="queue_long"]')).to_have_count(0, timeout=WAIT_MS)


def test_the_hall_settings_set_the_alert_thresholds(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    admin(page, server, hall, "config")
    field = page.locator('input[name="queue_alert_per_counter"]')
    expect(field).to_have_value("8", timeout=WAIT_MS)
    expect(page.locator('input[name="device_offline_s"]')).to_have_value("120")
    expect(page.locator('input[name="pause_alert_min"]')).to_have_value("15")
    field.fill("5")
    page.click("#config-body form button[type=submit]")
    expect(page.locator("#config-msg")).to_have_text("已保存", timeout=WAIT_MS)
    settings = remote.get(f"/api/v1/branches/{hall.branch_id}")["settings"]
    assert settings["queue_alert_per_counter"] == 5 and settings["device_offline_s"] == 120
    labels = {"zh-CN": "排队过长提醒", "zh-TW": "排隊過長提醒", "en": "more wait per open counter"}
    for lang in LANGS:
        relabel(page, lang)
        expect(page.locator("#config-body")).to_contain_text(labels[lang], timeout=WAIT_MS)
        field = page.locator('input[name="device_offline_s"]')
        field.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"alerts-settings-{lang}.png"))
