"""The kiosk page says when issuing opens next: after a session's cut-off, in a lunch break,
after closing and on closed days, in zh-CN, zh-TW and en (Debian's chromium, a LiveServer).

The server runs on the real clock, so the hall gets a fixed-offset timezone in which it is
11:xx now, and opening hours around that time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.protocol.hours import WEEKDAYS
from tests.browser import shot
from tests.fake_printer import KioskHall
from tests.support import LiveServer

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1920, "height": 1080}


def eleven_oclock_zone() -> tuple[str, datetime]:
    """A timezone where it is 11:xx now, and the time there (naive)."""
    now = datetime.now(UTC)
    offset = 11 - now.hour
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-8 is UTC+8
    return zone, (now + timedelta(hours=offset)).replace(tzinfo=None)


def set_hours(hall: KioskHall, hours: dict[str, list[list[str]]], cutoff_min: int = 0) -> None:
    hall.remote.client.patch(
        f"/api/v1/branches/{hall.branch_id}",
        json={"settings": {"opening_hours": hours, "cutoff_min": cutoff_min}},
        headers=hall.remote.admin,
    ).raise_for_status()


def says(page: Any, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#prompt').textContent === t", arg=text,
                           timeout=15000)  # fmt: skip


def test_the_kiosk_says_when_it_opens_next(browser: Any, server: LiveServer) -> None:
    hall = KioskHall(server, prefixes="AB")
    zone, local = eleven_oclock_zone()
    hall.remote.client.patch(f"/api/v1/branches/{hall.branch_id}", json={"timezone": zone},
                             headers=hall.remote.admin).raise_for_status()  # fmt: skip
    today, tomorrow, later = (WEEKDAYS[(local.weekday() + n) % 7] for n in (0, 1, 3))
    # The morning session closes in 15 minutes; with a 20-minute cut-off it stopped issuing.
    morning_close = (local + timedelta(minutes=15)).strftime("%H:%M")
    set_hours(hall, {today: [["08:30", morning_close], ["13:30", "17:00"]],
                     tomorrow: [["08:30", "12:00"]]}, cutoff_min=20)  # fmt: skip

    context = browser.new_context(viewport=LANDSCAPE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.goto(f"{server.url}/kiosk?kiosk={hall.kiosk_id}&token={hall.token}")
    button = page.locator(f"button.service[data-service='{hall.services['A']}']")
    button.wait_for()
    lunch = {
        "zh-CN": ("本时段取号已截止 · 今天 13:30 开始取号", "本时段取号已截止"),
        "zh-TW": ("本時段取號已截止 · 今天 13:30 開始取號", "本時段取號已截止"),
        "en": ("No more tickets this session · Tickets again from 13:30 today",
               "No more tickets this session"),
    }  # fmt: skip
    for locale, (prompt, detail) in lunch.items():
        page.locator(f"[data-locale='{locale}']").click()
        says(page, prompt)
        assert button.is_disabled() and detail in button.inner_text()
        assert "今日" not in prompt and "today" not in detail
        shot(page, f"kiosk-hours-cutoff-{locale}")
    page.set_viewport_size({"width": 1080, "height": 1920})  # kiosks stand upright too
    shot(page, "kiosk-hours-cutoff-en-portrait")
    page.set_viewport_size(LANDSCAPE)

    set_hours(hall, {today: [["08:30", "10:00"]], tomorrow: [["08:30", "12:00"]]})
    closed_tomorrow = {
        "en": "Closed now · Tickets again from 08:30 tomorrow",
        "zh-TW": "現在不辦理取號 · 明天 08:30 開始取號",
        "zh-CN": "现在不办理取号 · 明天 08:30 开始取号",
    }
    for locale, prompt in closed_tomorrow.items():
        page.locator(f"[data-locale='{locale}']").click()
        says(page, prompt)
        shot(page, f"kiosk-hours-tomorrow-{locale}")

    set_hours(hall, {later: [["09:00", "17:00"]]})
    day = (local + timedelta(days=3)).day
    later_texts = {
        "zh-CN": "现在不办理取号 · ",
        "zh-TW": "現在不辦理取號 · ",
        "en": "Closed now · Tickets again from 09:00, ",
    }
    for locale, start in later_texts.items():
        page.locator(f"[data-locale='{locale}']").click()
        # the previous state's prompt starts alike: wait for this one's opening time too
        page.wait_for_function(
            "t => { const s = document.querySelector('#prompt').textContent;"
            " return s.startsWith(t) && s.includes('09:00'); }",
            arg=start, timeout=15000,
        )  # fmt: skip
        prompt = page.locator("#prompt").inner_text()
        assert f"{day}" in prompt and "09:00" in prompt and "明天" not in prompt, prompt
        shot(page, f"kiosk-hours-later-{locale}")

    set_hours(hall, {})  # no hours at all: open around the clock
    page.locator("[data-locale='zh-CN']").click()
    says(page, "请选择业务，轻触取号")
    assert button.is_enabled()
    context.close()
