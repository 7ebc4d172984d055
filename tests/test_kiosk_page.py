"""The kiosk touch page and the mobile ticket page in Debian's chromium, against a LiveServer,
with the kiosk agent printing on the fake printer. Screenshots land in tests/_artifacts/."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import fast_forward_until, shot
from tests.fake_printer import AgentThread, FakePrinter, KioskHall, numbers
from tests.support import LiveServer, wait_until

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def hall(server: LiveServer) -> KioskHall:
    hall = KioskHall(server, prefixes="ABC")
    hall.remote.client.patch(
        f"/api/v1/services/{hall.services['B']}",
        json={"name": {"zh-CN": "缴费", "zh-TW": "繳費", "en": "Payments"}},
        headers=hall.remote.admin,
    ).raise_for_status()
    return hall


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


def open_kiosk(browser: Any, server: LiveServer, hall: KioskHall, viewport: dict[str, int],
               *, clock: bool = False) -> Any:  # fmt: skip
    """The kiosk page; with `clock`, on a clock the test moves on (`fast_forward_until`)."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", has_touch=True)
    page = context.new_page()
    if clock:
        page.clock.install()
    page.goto(f"{server.url}/kiosk?kiosk={hall.kiosk_id}&token={hall.token}")
    page.wait_for_selector(f"button.service[data-service='{hall.services['A']}']")
    return page


def tickets(hall: KioskHall, prefix: str | None = None) -> list[dict[str, Any]]:
    found = hall.remote.get("/api/v1/tickets", branch_id=hall.branch_id)
    service = hall.services.get(prefix or "")
    return [t for t in found if service is None or t["service_id"] == service]


def decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_tap_a_service_and_the_ticket_appears_and_prints(
    browser: Any, server: LiveServer, hall: KioskHall, printer: FakePrinter, agent: AgentThread
) -> None:
    page = open_kiosk(browser, server, hall, LANDSCAPE)
    assert page.locator("#branch-name").inner_text() == hall.branch_name
    wait_until(lambda: hall.kiosk()["printer"] is not None, 20, "agent reported the printer")
    shot(page, "kiosk-landscape-idle")
    page.locator("button.service[data-prefix='A']").tap()
    page.wait_for_selector("#result.printed")
    assert page.locator("#result-number").inner_text() == "A001"
    assert "请取票" in page.locator("#result-title").inner_text()
    shot(page, "kiosk-landscape-printed")
    wait_until(lambda: numbers(printer.tickets()) == ["A001"], 20, "A001 on paper")
    page.wait_for_function("document.querySelector('.service[data-prefix=A] .s-detail')"
                           ".textContent.includes('1')")  # fmt: skip
    page.locator("#result-done").click()
    page.wait_for_selector("#result.hq-hidden", state="attached")
    page.context.close()


def test_a_double_tap_makes_one_ticket(
    browser: Any, server: LiveServer, hall: KioskHall, printer: FakePrinter, agent: AgentThread
) -> None:
    page = open_kiosk(browser, server, hall, PORTRAIT)
    button = page.locator("button.service[data-prefix='B']")
    button.dblclick()
    page.wait_for_selector("#result.printed")
    # Two taps straight through the handler too (no overlay in between): one key, one ticket.
    page.evaluate("""() => {
        document.querySelector('#result').className = 'overlay hq-hidden';
        const b = document.querySelector("button.service[data-prefix='C']");
        b.click(); b.click();
    }""")
    page.wait_for_function("document.querySelector('#result-number').textContent === 'C001'")
    wait_until(lambda: numbers(printer.tickets()) == ["B001", "C001"], 20, "both printed")
    assert [t["number"] for t in tickets(hall)] == ["B001", "C001"]
    page.context.close()


def test_the_next_customer_on_the_same_button_gets_a_new_ticket(
    browser: Any, server: LiveServer, hall: KioskHall
) -> None:
    """A tap after the ticket screen is a new customer, however soon and in whatever language:
    never the previous customer's ticket again, never an idempotency conflict."""
    page = open_kiosk(browser, server, hall, PORTRAIT, clock=True)  # no agent: no print result
    button = page.locator("button.service[data-prefix='B']")
    shown = []
    for locale in ("zh-CN", "zh-CN", "en"):
        page.locator(f"[data-locale='{locale}']").click()
        button.tap()
        page.wait_for_selector("#result.printing")
        shown.append(page.locator("#result-number").inner_text())
        page.clock.fast_forward(500)  # past a double tap's second touch; well within 2 s
        page.locator("#result-done").click()
        page.wait_for_selector("#result.hq-hidden", state="attached")
    assert shown == ["B001", "B002", "B003"]
    issued = tickets(hall, "B")
    assert [t["number"] for t in issued] == ["B001", "B002", "B003"]
    assert [t["locale"] for t in issued] == ["zh-CN", "zh-CN", "en"]
    page.context.close()


def test_print_failure_shows_the_number_and_a_qr_to_the_mobile_page(
    browser: Any, server: LiveServer, hall: KioskHall, printer: FakePrinter, agent: AgentThread
) -> None:
    printer.state = "paper_out"
    wait_until(lambda: (hall.kiosk()["printer"] or {}).get("paper") == "out", 20, "paper out")
    page = open_kiosk(browser, server, hall, PORTRAIT)
    shot(page, "kiosk-portrait-idle")
    page.locator("button.service[data-prefix='A']").tap()
    page.wait_for_selector("#result.failed")
    [ticket] = tickets(hall)
    assert page.locator("#result-number").inner_text() == ticket["number"]
    qr = page.locator("#result-qr")
    assert qr.get_attribute("data-url") == f"{server.url}/t/{ticket['public_id']}"
    assert decode_qr(qr.screenshot()) == [f"{server.url}/t/{ticket['public_id']}"]
    shot(page, "kiosk-portrait-print-failed")
    page.set_viewport_size(LANDSCAPE)
    assert decode_qr(qr.screenshot()) == [f"{server.url}/t/{ticket['public_id']}"]
    shot(page, "kiosk-landscape-print-failed")
    assert printer.tickets() == []
    page.context.close()


def test_closed_services_priority_choice_and_languages(
    browser: Any, server: LiveServer, hall: KioskHall
) -> None:
    remote = hall.remote
    remote.client.patch(f"/api/v1/services/{hall.services['C']}", json={"daily_quota": 1},
                        headers=remote.admin).raise_for_status()  # fmt: skip
    remote.post("/api/v1/tickets", {"service_id": hall.services["C"]}, status=201)
    page = open_kiosk(browser, server, hall, LANDSCAPE, clock=True)  # no agent: it copes alone
    closed = page.locator("button.service[data-prefix='C']")
    assert closed.is_disabled() and "今日号已取完" in closed.inner_text()
    assert page.locator("#priority-bar").is_hidden()

    body = {"settings": {"offer_priority": True, "kiosk_idle_s": 3}}
    remote.client.patch(f"/api/v1/branches/{hall.branch_id}", json=body,
                        headers=remote.admin).raise_for_status()  # fmt: skip
    page.wait_for_selector("#priority-bar:not(.hq-hidden)")  # config.updated reloaded it
    page.locator("[data-locale='en']").click()
    assert "Payments" in page.locator("button.service[data-prefix='B']").inner_text()
    assert "all taken" in closed.inner_text()
    page.locator("#prio-priority").click()
    shot(page, "kiosk-landscape-en-priority")
    page.locator("button.service[data-prefix='B']").click()
    page.wait_for_selector("#result.printing")  # issued; it waits ~8 s for a print result
    fast_forward_until(page, "#result.failed")  # none came: the number and a QR code
    assert "Priority" in page.locator("#result-service").inner_text()
    [issued] = tickets(hall, "B")
    assert issued["priority"] == "priority" and issued["locale"] == "en"
    fast_forward_until(page, "#result.hq-hidden")  # idle again (kiosk_idle_s, + 10 s for the QR)
    assert page.locator("html").get_attribute("lang") == "zh-CN"  # back to the default
    page.context.close()


def test_mobile_page_follows_the_ticket_until_it_is_called(
    browser: Any, server: LiveServer, hall: KioskHall
) -> None:
    remote = hall.remote
    service = hall.services["A"]
    issued = [remote.post("/api/v1/tickets", {"service_id": service}, status=201)
              for _ in range(4)]  # fmt: skip
    mine = issued[3]
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.add_init_script(
        "navigator.vibrate = (p) => { (window.buzzed ||= []).push(p); return true; }"
    )
    page.goto(f"{server.url}/t/{mine['public_id']}")
    page.wait_for_function("document.querySelector('#number').textContent === 'A004'")
    assert "3 人" in page.locator("#ahead").inner_text()
    assert page.locator("#banner").is_hidden()
    shot(page, "mobile-waiting")

    clerk = remote.user(f"clerk{hall.kiosk_id}", branch_ids=[hall.branch_id])
    counter = remote.counter(7, [service], branch_id=hall.branch_id)
    remote.post(f"/api/v1/counters/{counter['id']}/open", headers=clerk)
    remote.post(f"/api/v1/counters/{counter['id']}/call-next", headers=clerk)
    page.wait_for_selector("#banner.near", timeout=20000)  # 2 ahead: your turn is near
    assert page.evaluate("window.buzzed.length") == 1
    shot(page, "mobile-near")
    for _ in range(3):
        remote.post(f"/api/v1/counters/{counter['id']}/call-next",
                    {"complete_current": True}, headers=clerk)  # fmt: skip
    page.wait_for_selector("#banner.called", timeout=20000)
    assert "请到 7 号窗口办理" in page.locator("#banner").inner_text()
    assert page.evaluate("window.buzzed.length") == 2
    page.locator("[data-locale='en']").click()
    assert "Please go to counter 7" in page.locator("#banner").inner_text()
    shot(page, "mobile-called")
    remote.post(f"/api/v1/counters/{counter['id']}/complete", headers=clerk)
    page.wait_for_selector("#rate:not(.hq-hidden) [data-score='4']", timeout=20000)
    page.locator("[data-score='4']").click()
    page.wait_for_selector("#stars.hq-hidden", state="attached")
    assert page.locator("#rate-q").inner_text() == "Thank you for your rating!"
    shot(page, "mobile-rated")
    assert remote.get(f"/api/v1/tickets/{mine['id']}")["rating"] == 4
    context.close()


def test_mobile_page_cancels_my_ticket(browser: Any, server: LiveServer, hall: KioskHall) -> None:
    ticket = hall.remote.post("/api/v1/tickets", {"service_id": hall.services["B"]}, status=201)
    context = browser.new_context(viewport={"width": 320, "height": 568}, locale="zh-TW")
    page = context.new_page()
    page.goto(f"{server.url}/t/{ticket['public_id']}")
    page.wait_for_selector("#cancel:not(.hq-hidden)")
    assert page.locator("#cancel").inner_text() == "取消排隊"
    page.locator("#cancel").click()
    page.locator("#confirm-yes").click()
    page.wait_for_selector("#banner.info")
    assert page.locator("#state").inner_text() == "已取消"
    assert page.locator("#cancel").is_hidden()
    shot(page, "mobile-cancelled")
    state = hall.remote.get(f"/api/v1/tickets/{ticket['id']}")["state"]
    assert state == "cancelled"
    page.goto(f"{server.url}/t/no-such-ticket")
    page.wait_for_selector("#missing:not(.hq-hidden)")
    context.close()
