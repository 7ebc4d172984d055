"""The appointment pages in Debian's chromium against a LiveServer, in the three languages: the
booking page /book on a 390×844 phone (its first paint measured), the customer's page /a/<id>
with cancelling, check-in at the kiosk by the on-screen keypad and by a scanner (the ticket
printed on the fake printer says its slot), and the admin's Today's appointments tab."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser import ARTIFACTS, expect, shot
from tests.fake_printer import AgentThread, FakePrinter, KioskHall, numbers
from tests.support import LiveServer, Remote, wait_until
from tests.test_admin_page import WAIT_MS, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LANDSCAPE = {"width": 1920, "height": 1080}
LANGS = ["zh-CN", "zh-TW", "en"]
ZONE = ZoneInfo("Asia/Shanghai")
WORDS = {
    "zh-CN": {"title": "预约办事", "done": "预约成功", "slot": "预约 ", "cancelled": "已取消",
              "early": "还未到签到时间", "tab": "今日预约"},
    "zh-TW": {"title": "預約辦事", "done": "預約成功", "slot": "預約 ", "cancelled": "已取消",
              "early": "還未到報到時間", "tab": "今日預約"},
    "en": {"title": "Book an appointment", "done": "Booked", "slot": "Appointment ",
           "cancelled": "Cancelled", "early": "Too early", "tab": "Today's appointments"},
}  # fmt: skip


def next_slot(hours: float = 0) -> datetime:
    """The next half hour in the hall's zone (its check-in window is open now), or `hours`
    later."""
    now = datetime.now(ZONE) + timedelta(hours=hours)
    return now.replace(second=0, microsecond=0) + timedelta(minutes=30 - now.minute % 30)


@pytest.fixture
def hall(server: LiveServer) -> KioskHall:
    """A hall of its own that books online: service A with three places a slot."""
    hall = KioskHall(server, prefixes="AB")
    remote = hall.remote
    remote.client.patch(f"/api/v1/branches/{hall.branch_id}", headers=remote.admin,
                        json={"settings": {"public_booking": True}}).raise_for_status()  # fmt: skip
    remote.client.patch(f"/api/v1/services/{hall.services['A']}", headers=remote.admin,
                        json={"appointment_capacity": 3}).raise_for_status()  # fmt: skip
    return hall


def book(hall: KioskHall, start: datetime, **body: Any) -> dict[str, Any]:
    payload = {"branch_id": hall.branch_id, "service_id": hall.services["A"],
               "start": start.isoformat()} | body  # fmt: skip
    return dict(hall.remote.post("/api/v1/public/appointments", payload, status=201))


def decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def phone_page(browser: Any, lang: str) -> Any:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('hallq.book.locale', '{lang}');")
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_book_on_a_phone_then_see_and_cancel_the_booking(
    browser: Any, server: LiveServer, hall: KioskHall, lang: str
) -> None:
    page = phone_page(browser, lang)
    page.goto(f"{server.url}/book?branch={hall.branch_id}")
    page.wait_for_selector("#dates .b-choice")
    if datetime.now(ZONE).hour == 23:  # today's last slots are past or passing: book tomorrow
        page.locator("#dates .b-choice").nth(1).tap()
    page.wait_for_selector("#slots .b-choice:not([disabled])")
    paint = page.evaluate("performance.getEntriesByType('paint').map(e => [e.name, e.startTime])")
    first = dict(paint).get("first-contentful-paint")
    (ARTIFACTS / f"book-first-paint-{lang}.txt").write_text(f"{first:.0f} ms\n")
    assert page.locator("#title").inner_text() == WORDS[lang]["title"]
    assert page.locator("#services .b-choice").count() == 1  # B is not bookable
    shot(page, f"book-form-{lang}")
    page.locator("#slots .b-choice:not([disabled])").first.tap()
    page.fill("#name", "王小明")
    page.fill("#phone", "138 0013 8000")
    page.locator("#submit").tap()
    page.wait_for_selector("#done:not(.hq-hidden)")
    assert page.locator("#done-title").inner_text() == WORDS[lang]["done"]
    code = page.locator("#qr").get_attribute("data-code")
    assert code and page.locator("#code").inner_text().replace(" ", "") == code
    assert decode_qr(page.locator("#qr").screenshot()) == [code]
    shot(page, f"book-done-{lang}")
    (row,) = hall.remote.get("/api/v1/appointments", branch_id=hall.branch_id)
    assert row["name"] == "王小明" and row["phone"] == "13800138000" and row["code"] == code
    page.locator("#link").tap()
    page.wait_for_selector("#card:not(.hq-hidden)")
    assert "王小明" not in page.content() and "138****8000" in page.content()
    shot(page, f"appointment-{lang}")
    page.locator("#cancel").tap()
    page.locator("#yes").tap()
    page.wait_for_selector("#state[data-state=cancelled]")
    assert page.locator("#state").inner_text() == WORDS[lang]["cancelled"]
    page.context.close()


def test_the_booking_page_of_a_hall_that_does_not_book_online(
    browser: Any, server: LiveServer, hall: KioskHall
) -> None:
    off = {"settings": {"public_booking": False}}
    url = f"/api/v1/branches/{hall.branch_id}"
    hall.remote.client.patch(url, headers=hall.remote.admin, json=off).raise_for_status()
    page = phone_page(browser, "zh-CN")
    page.goto(f"{server.url}/book?branch={hall.branch_id}")
    page.wait_for_selector("#closed:not(.hq-hidden)")
    assert "不接受网上预约" in page.locator("#closed").inner_text()
    page.goto(f"{server.url}/a/no-such-booking")
    page.wait_for_selector("#missing:not(.hq-hidden)")
    page.context.close()


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    with FakePrinter() as fake:
        yield fake


@pytest.fixture
def agent(hall: KioskHall, server: LiveServer, printer: FakePrinter,
          tmp_path: Path) -> Iterator[AgentThread]:  # fmt: skip
    running = AgentThread(hall.settings(server.url, printer, tmp_path)).start()
    yield running
    running.stop()


def open_kiosk(browser: Any, server: LiveServer, hall: KioskHall) -> Any:
    context = browser.new_context(viewport=LANDSCAPE, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.goto(f"{server.url}/kiosk?kiosk={hall.kiosk_id}&token={hall.token}")
    page.wait_for_selector(f"button.service[data-service='{hall.services['A']}']")
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_check_in_at_the_kiosk_by_keypad_and_by_scanner(
    browser: Any, server: LiveServer, hall: KioskHall, printer: FakePrinter, agent: AgentThread,
    lang: str,
) -> None:  # fmt: skip
    start, later = next_slot(), next_slot(hours=3)  # once: a half hour may pass meanwhile
    typed, scanned = book(hall, start), book(hall, start)
    early = book(hall, later)
    page = open_kiosk(browser, server, hall)
    wait_until(lambda: hall.kiosk()["printer"] is not None, 20, "agent reported the printer")
    page.locator(f"#langs [data-locale='{lang}']").tap()
    page.locator("#appt-open").tap()
    for key in typed["code"]:
        page.locator(f"#appt-keys [data-key='{key}']").tap()
    shot(page, f"kiosk-appointment-keypad-{lang}")
    page.locator("#appt-go").tap()
    page.wait_for_selector("#result.printed")
    slot = start.strftime("%H:%M")
    assert WORDS[lang]["slot"] + slot in page.locator("#result-service").inner_text()
    shot(page, f"kiosk-appointment-ticket-{lang}")
    page.locator("#result-done").click()
    page.wait_for_selector("#result.hq-hidden", state="attached")
    # A USB scanner types the code and Enter, on the idle screen
    page.keyboard.type(scanned["code"].lower(), delay=5)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#result-number').textContent === 'A002'")
    wait_until(lambda: numbers(printer.tickets()) == ["A001", "A002"], 20, "both printed")
    printed = " ".join(" ".join(t.texts + t.kanji) for t in printer.tickets())
    assert slot in printed
    page.locator("#result-done").click()
    page.locator(f"#langs [data-locale='{lang}']").tap()  # idle: back to the hall's language
    # Too early: says when it opens
    page.keyboard.type(early["code"], delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector("#appt:not(.hq-hidden)")
    expect(page.locator("#appt-message")).to_contain_text(WORDS[lang]["early"], timeout=WAIT_MS)
    opens = (later - timedelta(minutes=30)).strftime("%H:%M")
    assert opens in page.locator("#appt-message").inner_text()
    shot(page, f"kiosk-appointment-early-{lang}")
    page.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_todays_appointments_in_admin(
    browser: Any, server: LiveServer, hall: KioskHall, lang: str
) -> None:
    # Two bookings of one hall-day, whatever the hour (after 23:00 in the hall, an hour on is
    # tomorrow); the page is shown that day.
    first = next_slot()
    later = first + timedelta(minutes=30)
    book(hall, first, name="陈大文", phone="91234567")
    booked = book(hall, later if later.date() == first.date() else first, name="<b>李四</b>")
    hall.remote.post(f"/api/v1/public/appointments/{booked['public_id']}/cancel")
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('hallq.admin.branch', '{hall.branch_id}');")
    sign_in(page, server, view="appointments", lang=lang)
    page.wait_for_function("() => document.querySelector('#appointments-date').value")
    page.fill("#appointments-date", first.date().isoformat())
    page.locator("#appointments-form button[type=submit]").click()
    page.wait_for_selector("#appointments-table tbody tr[data-state]")
    assert page.locator("#tab-appointments").inner_text() == WORDS[lang]["tab"]
    text = page.locator("#appointments-table").inner_text()
    assert "陈大文" in text and "91234567" in text and "<b>李四</b>" in text
    assert page.locator("#appointments-table tbody tr").count() == 2
    shot(page, f"admin-appointments-{lang}")
    context.close()


def test_the_configuration_edits_the_booking_settings_and_capacity(
    browser: Any, server: LiveServer, hall: KioskHall
) -> None:
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('hallq.admin.branch', '{hall.branch_id}');")
    sign_in(page, server, view="config", lang="en")
    page.click('#config-tabs [data-sub="branch"]')
    form = page.locator("#config-body form")
    expect(form.locator('[name="appointment_slot_min"]')).to_have_value("30", timeout=WAIT_MS)
    assert form.locator('[name="public_booking"]').is_checked()
    form.locator('[name="appointment_slot_min"]').fill("20")
    form.locator('[name="appointment_days_ahead"]').fill("3")
    form.locator("button[type=submit]").click()
    expect(page.locator("#config-msg")).to_have_text("Saved", timeout=WAIT_MS)
    settings = hall.remote.get(f"/api/v1/branches/{hall.branch_id}")["settings"]
    assert (settings["appointment_slot_min"], settings["appointment_days_ahead"]) == (20, 3)
    assert settings["public_booking"] is True and settings["appointment_late_min"] == 15
    page.click('#config-tabs [data-sub="services"]')
    page.locator(f'#config-body tr[data-service-id="{hall.services["B"]}"] button').first.click()
    # the service's own form, not the "add" form still shown while it loads
    expect(page.locator("#config-body h3")).to_have_text("Edit B", timeout=WAIT_MS)
    field = page.locator('#service-form [name="appointment_capacity"]')
    expect(field).to_have_value("0", timeout=WAIT_MS)
    field.fill("2")
    page.locator("#service-form button[type=submit]").click()
    expect(page.locator("#config-msg")).to_have_text("Saved", timeout=WAIT_MS)
    services = {s["id"]: s for s in hall.remote.get("/api/v1/services", branch_id=hall.branch_id)}
    assert services[hall.services["B"]]["appointment_capacity"] == 2
    shot(page, "admin-config-appointments")
    context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_counter_page_shows_an_appointment_tickets_slot(
    browser: Any, server: LiveServer, remote: Remote, lang: str
) -> None:
    from tests.test_counter_page import desk
    from tests.test_counter_page import sign_in as counter_sign_in

    service, (counter,), (clerk,) = desk(remote)
    remote.client.patch("/api/v1/branches/1", headers=remote.admin,
                        json={"settings": {"public_booking": True}}).raise_for_status()  # fmt: skip
    remote.client.patch(f"/api/v1/services/{service['id']}", headers=remote.admin,
                        json={"appointment_capacity": 2}).raise_for_status()  # fmt: skip
    start = next_slot()
    booked = remote.post(
        "/api/v1/public/appointments",
        {"branch_id": 1, "service_id": service["id"], "start": start.isoformat()},
        status=201,
    )
    ticket = remote.post("/api/v1/appointments/check-in", {"code": booked["code"]}, status=201)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    counter_sign_in(page, server, clerk, counter, lang=lang)
    row = page.locator(f'#waiting [data-ticket="{ticket["number"]}"]')
    star = {"zh-CN": "预约", "zh-TW": "預約", "en": "appointment"}[lang]
    expect(row).to_contain_text(f"★ {star} {start:%H:%M}", timeout=WAIT_MS)
    shot(page, f"counter-appointment-{lang}")
    context.close()
