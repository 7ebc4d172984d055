"""The front door's pages in Debian's chromium against a LiveServer, in the three languages:
the reception desk (/reception) issuing for a customer with a priority reason and a note, on
screen or at a kiosk's printer, past the cut-off with the override; the counter page showing the
note on the ticket in hand; and the hall's public page (/hall) with its hours, special days,
notice and commitments, taking a ticket remotely when the hall allows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.browser import expect, shot
from tests.support import LiveServer, Remote

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
LANGS = ["zh-CN", "zh-TW", "en"]
PHONE = {"width": 390, "height": 844}
NUMBER = re.compile(r"^R\d{3}$")
NOTE = "客户带了身份证复印件 <b>x</b>"
WORDS = {
    "zh-CN": {"issue": "取号", "scan": "请群众用手机扫码查看排队进度", "reason": "老年人",
              "note": "导办备注", "open": "正在办公", "take": "在线取号", "limit": "限时办结"},
    "zh-TW": {"issue": "取號", "scan": "請民眾用手機掃碼查看排隊進度", "reason": "長者",
              "note": "導辦備註", "open": "正在辦公", "take": "線上取號", "limit": "限時辦結"},
    "en": {"issue": "Issue ticket", "scan": "The customer scans this to follow their turn",
           "reason": "Elderly", "note": "Reception note", "open": "Open now",
           "take": "Take a ticket", "limit": "Service time limit"},
}  # fmt: skip


def patch_settings(remote: Remote, settings: dict[str, Any]) -> None:
    r = remote.client.patch("/api/v1/branches/1", json={"settings": settings}, headers=remote.admin)
    assert r.status_code == 200, r.text


_zone: list[ZoneInfo] = []


@pytest.fixture(scope="module", autouse=True)
def midday(remote: Remote) -> Iterator[None]:
    """The hall's zone set to one where it is about noon now, for the module: its opening
    hours, cut-off and special days of today never straddle the hall's midnight, whenever the
    suite runs (it skipped two tests in the hall's first and last hour before)."""
    offset = 12 - datetime.now(UTC).hour  # -11 … +12
    name = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX signs: GMT-8 is +8
    before = remote.get("/api/v1/branches/1")["timezone"]
    r = remote.client.patch("/api/v1/branches/1", json={"timezone": name}, headers=remote.admin)
    assert r.status_code == 200, r.text
    _zone[:] = [ZoneInfo(name)]
    try:
        yield
    finally:
        remote.client.patch("/api/v1/branches/1", json={"timezone": before},
                            headers=remote.admin)  # fmt: skip


def local_now() -> datetime:
    """Now in the hall's zone (about noon: `midday`)."""
    return datetime.now(_zone[0])


@pytest.fixture(scope="module")
def desk(remote: Remote) -> dict[str, Any]:
    service = remote.service("R", target_wait_min=20, max_service_min=30)
    counter = remote.counter(31, [service["id"]])
    remote.user("desk1")
    remote.user("counter1")
    return {"service": service, "counter": counter}


def reception(browser: Any, server: LiveServer, lang: str, user: str = "desk1") -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server.url}/reception?lang={lang}")
    page.fill("#username", user)
    page.fill("#password", "password-123")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_reception_issues_for_a_customer_with_a_qr_on_screen(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any], lang: str
) -> None:
    page = reception(browser, server, lang)
    try:
        service = desk["service"]
        page.click(f'[data-service="{service["id"]}"]')
        page.check('input[name="priority"][value="priority"]')
        expect(page.locator("#reason-row")).to_be_visible()
        page.click("#issue")  # no reason yet: refused on the page
        expect(page.locator("#issue-error")).not_to_be_empty()
        page.fill("#reason", WORDS[lang]["reason"])
        page.fill("#note", NOTE)
        expect(page.locator("#note-count")).to_have_text(f"{len(NOTE)}/200")
        page.select_option("#output", "screen")
        page.click("#issue")
        expect(page.locator("#result-number")).to_have_text(NUMBER, timeout=WAIT_MS)
        expect(page.locator("#result-print")).to_have_text(WORDS[lang]["scan"])
        expect(page.locator("#result-qr svg")).to_be_visible()
        url = page.locator("#result-qr").get_attribute("data-url")
        assert url and url.startswith(f"{server.url}/t/")
        number = page.locator("#result-number").text_content()
        tickets = remote.get("/api/v1/tickets", branch_id=1)
        (ticket,) = [t for t in tickets if t["number"] == number]
        assert ticket["note"] == NOTE and ticket["priority_reason"] == WORDS[lang]["reason"]
        assert ticket["channel"] == "reception" and ticket["priority"] == "priority"
        expect(page.locator("#note")).to_have_value("")  # ready for the next customer
        shot(page, f"reception_{lang}")
    finally:
        page.context.close()


def test_reception_prints_at_a_kiosk(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any]
) -> None:
    kiosk_id, kiosk_token = remote.device("kiosk")
    page = reception(browser, server, "en")
    try:
        page.click(f'[data-service="{desk["service"]["id"]}"]')
        page.select_option("#output", str(kiosk_id))
        page.click("#issue")
        expect(page.locator("#result-print")).to_contain_text("Printing at kiosk", timeout=WAIT_MS)
        expect(page.locator("#result-qr")).to_be_hidden()
        auth = {"Authorization": f"Bearer {kiosk_token}"}
        jobs = httpx.get(f"{server.url}/api/v1/print-jobs", params={"state": "pending"},
                         headers=auth).json()  # fmt: skip
        assert NOTE not in str(jobs)
        r = httpx.post(f"{server.url}/api/v1/print-jobs/{jobs[-1]['id']}/result", json={"ok": True},
                       headers=auth)  # fmt: skip
        assert r.status_code == 200, r.text
        expect(page.locator("#result-print")).to_contain_text("Printed at kiosk", timeout=WAIT_MS)
        shot(page, "reception_printed_en")
    finally:
        page.context.close()
        remote.client.delete(f"/api/v1/devices/{kiosk_id}", headers=remote.admin)


def test_the_counter_shows_the_note_on_the_ticket_in_hand(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any]
) -> None:
    from tests.test_counter_page import sign_in

    body = {"service_id": desk["service"]["id"], "channel": "reception", "note": NOTE,
            "priority": "priority", "priority_reason": "wheelchair"}  # fmt: skip
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, server, "counter1", desk["counter"])
        page.keyboard.press("o")
        expect(page.locator("#state-badge")).to_have_text("open", timeout=WAIT_MS)
        for t in remote.get("/api/v1/tickets", branch_id=1, state="waiting"):
            remote.post(f"/api/v1/tickets/{t['id']}/cancel")  # earlier tests' tickets
        remote.post("/api/v1/tickets", body, status=201)
        page.click('[data-action="next"]')
        for lang in LANGS:
            page.click(f'.langs button[data-lang="{lang}"]')
            expect(page.locator("#hand-note")).to_have_text(f"{WORDS[lang]['note']}: {NOTE}",
                                                            timeout=WAIT_MS)  # fmt: skip
            expect(page.locator("#hand-reason")).to_contain_text("wheelchair")
            shot(page, f"counter_note_{lang}")
        page.click('[data-action="complete"]')
    finally:
        context.close()


def test_staff_override_the_cutoff_on_the_reception_page(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any]
) -> None:
    """Today the hall closes 15 minutes from now with a 20 minute cut-off: issuing has stopped."""
    local = local_now()
    closes = (local + timedelta(minutes=15)).strftime("%H:%M")
    every_day = {d: [["00:00", closes]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    before = remote.get("/api/v1/branches/1")["settings"]
    patch_settings(remote, {**before, "opening_hours": every_day, "cutoff_min": 20})
    page = reception(browser, server, "zh-CN")
    try:
        page.click(f'[data-service="{desk["service"]["id"]}"]')
        expect(page.locator("#override-row")).to_be_visible(timeout=WAIT_MS)
        page.click("#issue")
        expect(page.locator("#issue-error")).to_have_text("该业务现在不能取号", timeout=WAIT_MS)
        page.check("#override")
        page.click("#issue")
        expect(page.locator("#result-number")).to_have_text(NUMBER, timeout=WAIT_MS)
        shot(page, "reception_override_zh-CN")
        records = remote.get("/api/v1/audit", branch_id=1, kind="ticket.reception")
        assert any(r["data"]["override_cutoff"] for r in records)
    finally:
        page.context.close()
        patch_settings(remote, before)


@pytest.mark.parametrize("lang", LANGS)
def test_the_hall_page_shows_the_commitments_and_takes_a_ticket(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any], lang: str
) -> None:
    local = local_now().date()
    before = remote.get("/api/v1/branches/1")["settings"]
    soon = (local + timedelta(days=2)).isoformat()
    later = (local + timedelta(days=6)).isoformat()
    settings = {**before, "public_issue": True, "cutoff_min": 0,
                "special_days": {soon: [], later: [["09:00", "12:00"]]},
                "notice": {"zh-CN": "元旦假期调整办公时间，请留意。",
                           "zh-TW": "元旦假期調整辦公時間，請留意。",
                           "en": "Hours change over the New Year holiday."}}  # fmt: skip
    patch_settings(remote, settings)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/hall?branch=1&lang={lang}")
        card = page.locator(f'[data-service="{desk["service"]["id"]}"]')
        expect(card).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#status")).to_contain_text(WORDS[lang]["open"])
        expect(page.locator("#notice")).to_have_text(settings["notice"][lang])
        expect(card.locator(".target")).to_contain_text("20")
        expect(card.locator(".limit")).to_contain_text("30")
        expect(card).to_contain_text(WORDS[lang]["limit"])
        expect(page.locator(f'#special [data-day="{soon}"]')).to_be_visible()
        expect(page.locator(f'#special [data-day="{later}"]')).to_contain_text("09:00–12:00")
        assert page.locator("[data-book]").count() == 0  # nothing bookable yet
        shot(page, f"hall_{lang}")
        card.locator("[data-take]").click()
        page.wait_for_url(f"{server.url}/t/**", timeout=WAIT_MS)
        expect(page.locator("#number")).to_have_text(NUMBER, timeout=WAIT_MS)
    finally:
        context.close()
        patch_settings(remote, before)


def test_the_hall_page_of_an_unknown_hall(browser: Any, server: LiveServer) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/hall?branch=999&lang=en")
        expect(page.locator("#error")).to_have_text("This hall was not found.", timeout=WAIT_MS)
    finally:
        context.close()


HOURS = {"zh-CN": "今日办公 00:00–23:59", "zh-TW": "今日辦公 00:00–23:59",
         "en": "Open today 00:00–23:59"}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_the_kiosk_shows_today_s_hours_and_priority_only_when_allowed(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any], lang: str
) -> None:
    today = local_now().date().isoformat()
    before = remote.get("/api/v1/branches/1")["settings"]
    kiosk_id, token = remote.device("kiosk")
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    page = context.new_page()
    try:
        patch_settings(remote, {**before, "special_days": {today: [["00:00", "23:59"]]},
                                "self_priority": False, "offer_priority": False})  # fmt: skip
        page.goto(f"{server.url}/kiosk?kiosk={kiosk_id}&token={token}")
        expect(page.locator(f'[data-service="{desk["service"]["id"]}"]')).to_be_visible(
            timeout=WAIT_MS
        )
        page.click(f'#langs [data-locale="{lang}"]')
        expect(page.locator("#hours")).to_have_text(HOURS[lang], timeout=WAIT_MS)
        expect(page.locator("#priority-bar")).to_be_hidden()
        patch_settings(remote, {**before, "special_days": {today: [["00:00", "23:59"]]},
                                "self_priority": True})  # fmt: skip
        expect(page.locator("#priority-bar")).to_be_visible(timeout=WAIT_MS)
        page.click(f'#langs [data-locale="{lang}"]')
        shot(page, f"kiosk_hours_{lang}")
        patch_settings(remote, {**before, "special_days": {today: []}})
        expect(page.locator("#prompt")).to_have_class(re.compile("closed"), timeout=WAIT_MS)
        page.click(f'#langs [data-locale="{lang}"]')
        closed = {"zh-CN": "今日不办公", "zh-TW": "今日不辦公", "en": "Closed today"}[lang]
        expect(page.locator("#hours")).to_have_text(closed)
        shot(page, f"kiosk_closed_day_{lang}")
    finally:
        context.close()
        patch_settings(remote, before)
        remote.client.delete(f"/api/v1/devices/{kiosk_id}", headers=remote.admin)


@pytest.mark.parametrize("page_kind", ["kiosk", "display"])
def test_a_settings_change_before_the_stream_opened_is_not_missed(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any], page_kind: str
) -> None:
    """The page reads the hall's settings, then opens its event stream: a change made in between
    comes as no config.updated (the stream starts from a snapshot after it), so the snapshot
    itself must make the page read the settings again. The event socket is held here until the
    change is made."""
    today = local_now().date().isoformat()
    before = remote.get("/api/v1/branches/1")["settings"]
    device_id, token = remote.device(page_kind)
    held: list[Any] = []
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    page = context.new_page()
    page.route_web_socket(re.compile(r".*/events\?.*"), lambda ws: held.append(ws))
    try:
        patch_settings(remote, {**before, "special_days": {today: [["00:00", "23:59"]]},
                                "self_priority": False, "notice": {}})  # fmt: skip
        page.goto(f"{server.url}/{page_kind}?token={token}&lang=en")
        for _ in range(200):  # the page opens its stream once it has read the settings
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "the page opened no event stream"
        notice = {"zh-CN": "临时通知", "zh-TW": "臨時通知", "en": "A notice"}
        patch_settings(remote, {**before, "special_days": {today: [["00:00", "23:59"]]},
                                "self_priority": True, "display_info": True,
                                "notice": notice})  # fmt: skip
        held[0].connect_to_server()
        if page_kind == "kiosk":
            expect(page.locator("#priority-bar")).to_be_visible(timeout=WAIT_MS)
        else:
            expect(page.locator("#notice")).to_have_text(notice["en"], timeout=WAIT_MS)
    finally:
        context.close()
        patch_settings(remote, before)
        remote.client.delete(f"/api/v1/devices/{device_id}", headers=remote.admin)


@pytest.mark.parametrize("lang", LANGS)
def test_the_tv_shows_hours_the_notice_and_the_commitments(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any], lang: str
) -> None:
    today = local_now().date().isoformat()
    before = remote.get("/api/v1/branches/1")["settings"]
    notice = {"zh-CN": "本周六正常办公", "zh-TW": "本週六正常辦公", "en": "Open this Saturday"}
    display_id, token = remote.device("display")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        patch_settings(remote, {**before, "special_days": {today: [["00:00", "23:59"]]},
                                "display_info": True, "notice": notice})  # fmt: skip
        page.goto(f"{server.url}/display?token={token}&lang={lang}")
        expect(page.locator("#today")).to_have_text(HOURS[lang], timeout=WAIT_MS)
        expect(page.locator("#info")).to_be_visible()
        expect(page.locator("#notice")).to_have_text(notice[lang])
        row = page.locator(f'#commitments [data-service="{desk["service"]["id"]}"]')
        expect(row).to_contain_text("20")
        expect(row).to_contain_text("30")
        shot(page, f"tv_info_{lang}")
    finally:
        context.close()
        patch_settings(remote, before)
        remote.client.delete(f"/api/v1/devices/{display_id}", headers=remote.admin)


@pytest.mark.parametrize("lang", LANGS)
def test_the_mobile_ticket_page_shows_hours_and_links_to_the_hall(
    browser: Any, server: LiveServer, remote: Remote, desk: dict[str, Any], lang: str
) -> None:
    today = local_now().date().isoformat()
    before = remote.get("/api/v1/branches/1")["settings"]
    patch_settings(remote, {**before, "special_days": {today: [["00:00", "23:59"]]}})
    ticket = remote.post("/api/v1/tickets", {"service_id": desk["service"]["id"]}, status=201)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('hallq.mobile.locale', '{lang}');")
    try:
        page.goto(f"{server.url}/t/{ticket['public_id']}")
        expect(page.locator("#hall-hours")).to_have_text(HOURS[lang], timeout=WAIT_MS)
        link = page.locator("#hall-link")
        assert (link.get_attribute("href") or "").startswith("/hall?branch=1")
        shot(page, f"mobile_hall_{lang}")
        link.click()
        expect(page.locator("#status")).to_be_visible(timeout=WAIT_MS)
    finally:
        context.close()
        patch_settings(remote, before)


@pytest.mark.parametrize("lang", LANGS)
def test_the_admin_configuration_edits_the_front_door_settings(
    browser: Any, server: LiveServer, remote: Remote, lang: str
) -> None:
    from tests.test_admin_page import sign_in as admin_sign_in

    before = remote.get("/api/v1/branches/1")["settings"]
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        admin_sign_in(page, server, view="config", lang=lang)
        field = page.locator('#config-body [name="special_days"]')
        expect(field).to_be_visible(timeout=WAIT_MS)
        field.fill("2030-10-08 08:30-12:00, 13:30-17:30\n2030-10-03 closed\n2030-10-04 休息")
        page.locator('#config-body [name="nt_zh-CN"]').fill("国庆期间调整办公时间")
        page.locator('#config-body [name="nt_en"]').fill("Hours change over the holiday")
        for name in ("public_issue", "self_priority", "display_info"):
            page.locator(f'#config-body [name="{name}"]').check()
        field.scroll_into_view_if_needed()
        shot(page, f"admin_front_door_{lang}")
        page.locator("#config-body button[type=submit]").click()
        saved = {"zh-CN": "已保存", "zh-TW": "已儲存", "en": "Saved"}[lang]
        expect(page.locator("#config-msg")).to_contain_text(saved[:2], timeout=WAIT_MS)
        s = remote.get("/api/v1/branches/1")["settings"]
        assert s["special_days"] == {"2030-10-08": [["08:30", "12:00"], ["13:30", "17:30"]],
                                     "2030-10-03": [], "2030-10-04": []}  # fmt: skip
        assert s["notice"] == {"zh-CN": "国庆期间调整办公时间",
                               "en": "Hours change over the holiday"}  # fmt: skip
        assert s["public_issue"] and s["self_priority"] and s["display_info"]
        page.reload()
        expect(page.locator('#config-body [name="special_days"]')).to_have_value(
            re.compile(r"2030-10-03 \S+\n2030-10-04 \S+\n2030-10-08 08:30-12:00, 13:30-17:30"),
            timeout=WAIT_MS,
        )
        field = page.locator('#config-body [name="special_days"]')
        field.fill("2030-13-45 closed")  # the server refuses it; the page says so
        page.locator("#config-body button[type=submit]").click()
        expect(page.locator("#config-msg")).to_have_class(re.compile("error"), timeout=WAIT_MS)
    finally:
        context.close()
        patch_settings(remote, before)
