"""The hall floor's pages say what is true (issue 13, items 19–22), in Debian's chromium against a
live server: the call order on the configuration page, "no counter open" instead of an
estimate, the called-not-started alert, the login throttle, printer faults, the counter's
timers, the mobile page's done message and star labels, and the opening-hours hint. Each test
has a hall (branch) of its own; screenshots in zh-CN, zh-TW and en go to tests/_artifacts/."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser import expect, shot
from tests.support import LIVE_ADMIN_PASSWORD, LiveServer, Remote, backdate

pytestmark = pytest.mark.browser
EVALUATE_ALERTS = True  # the `server` evaluates alerts (conftest.py)

WAIT_MS = 20_000
LANGS = ("zh-CN", "zh-TW", "en")
_halls = itertools.count(1)


@dataclass
class Hall:
    remote: Remote
    branch_id: int

    def service(self, prefix: str, **fields: Any) -> dict[str, Any]:
        name = {"zh-CN": f"咨询{prefix}", "zh-TW": f"諮詢{prefix}", "en": f"Enquiries {prefix}"}
        return self.remote.service(prefix, branch_id=self.branch_id, name=name, **fields)

    def counter(self, number: int, services: list[dict[str, Any]]) -> dict[str, Any]:
        return self.remote.counter(number, [s["id"] for s in services], branch_id=self.branch_id)

    def issue(self, service: dict[str, Any]) -> dict[str, Any]:
        return dict(self.remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201))

    def act(self, counter: dict[str, Any], action: str, body: Any = None) -> Any:
        return self.remote.post(f"/api/v1/counters/{counter['id']}/{action}", body or {})


def new_hall(remote: Remote) -> Hall:
    body = remote.post("/api/v1/branches", {"name": f"楼层{next(_halls)}"}, status=201)
    return Hall(remote, int(body["id"]))


def admin(page: Any, server: LiveServer, hall: Hall, view: str, lang: str = "zh-CN") -> None:
    page.add_init_script(
        f"localStorage.setItem('hallq.admin.view', '{view}');"
        f"localStorage.setItem('hallq.admin.lang', '{lang}');"
        f"localStorage.setItem('hallq.admin.branch', '{hall.branch_id}');"
    )
    page.goto(f"{server.url}/admin")
    page.fill("#username", "admin")
    page.fill("#password", LIVE_ADMIN_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator(f"#{view}-view")).to_be_visible(timeout=WAIT_MS)


def relabel(page: Any, lang: str) -> None:
    page.click(f'[data-lang="{lang}"]')


# ---- item 19: the call order --------------------------------------------------------------


def test_the_configuration_lists_a_counters_services_as_a_set_and_says_the_call_order(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    general, vip = hall.service("A"), hall.service("V", priority=True)
    hall.counter(1, [general, vip])
    admin(page, server, hall, "config")
    page.click('#config-tabs [data-sub="counters"]')
    served = page.locator("#config-body td.served").first
    expect(served).to_have_text("A · V（优先）", timeout=WAIT_MS)
    expect(page.locator("#config-body")).not_to_contain_text("→")
    expect(page.locator("#config-body")).not_to_contain_text("顺序")
    expect(page.locator("#config-body button[title]")).to_have_count(0)  # no ▲▼: order is moot
    says = {"zh-CN": "按取号时间先后叫号", "zh-TW": "按取號時間先後叫號", "en": "by issue time"}
    for lang in LANGS:
        relabel(page, lang)
        expect(page.locator("#call-order")).to_contain_text(says[lang], timeout=WAIT_MS)
        expect(page.locator("#call-order")).to_contain_text("15")
        shot(page, f"floor-config-counters-{lang}")
    page.click('#config-tabs [data-sub="services"]')
    expect(page.locator(f'#config-body tr[data-service-id="{vip["id"]}"]')).to_contain_text("yes")


# ---- item 20: no counter open -------------------------------------------------------------


def test_kiosk_tv_and_mobile_say_no_counter_open_instead_of_an_estimate(
    browser: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    served, unserved = hall.service("A", service_min=6), hall.service("C", service_min=4)
    open_counter = hall.counter(1, [served])
    c_counter = hall.counter(2, [unserved])
    hall.act(open_counter, "open")
    for _ in range(2):
        hall.issue(served)
    ticket = hall.issue(unserved)
    assert ticket["estimated_wait_s"] is None and ticket["open_counters"] == 0
    kiosk_id, kiosk_token = remote.device("kiosk", branch_id=hall.branch_id)
    _, tv_token = remote.device("display", branch_id=hall.branch_id)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    try:
        kiosk, tv, mobile = context.new_page(), context.new_page(), phone.new_page()
        kiosk.goto(f"{server.url}/kiosk?kiosk={kiosk_id}&token={kiosk_token}")
        c_button = kiosk.locator(f'button.service[data-service="{unserved["id"]}"]')
        a_button = kiosk.locator(f'button.service[data-service="{served["id"]}"]')
        texts = {"zh-CN": "暂无窗口办理", "zh-TW": "暫無窗口辦理", "en": "no counter open"}
        for lang in LANGS:
            kiosk.click(f'#langs [data-locale="{lang}"]')
            expect(c_button).to_contain_text(texts[lang], timeout=WAIT_MS)
            expect(a_button).not_to_contain_text(texts[lang])
            shot(kiosk, f"floor-kiosk-no-counter-{lang}")
        for lang in LANGS:
            tv.goto(f"{server.url}/display?branch={hall.branch_id}&token={tv_token}&lang={lang}")
            chip = tv.locator(f'#waiting [data-service="{unserved["id"]}"]')
            expect(chip).to_contain_text(texts[lang], timeout=WAIT_MS)
            expect(tv.locator(f'#waiting [data-service="{served["id"]}"]')).not_to_contain_text(
                texts[lang]
            )
            shot(tv, f"floor-tv-no-counter-{lang}")
        mobile.goto(f"{server.url}/t/{ticket['public_id']}")
        expect(mobile.locator("#wait")).to_have_text(texts["zh-CN"], timeout=WAIT_MS)
        expect(mobile.locator("#banner")).to_be_hidden()  # not "your turn is near": nobody calls
        for lang in LANGS:
            mobile.click(f'#langs [data-locale="{lang}"]')
            expect(mobile.locator("#wait")).to_have_text(texts[lang], timeout=WAIT_MS)
            shot(mobile, f"floor-mobile-no-counter-{lang}")

        hall.act(c_counter, "open")  # the TV sees it from the counter event, the others reload
        expect(chip).not_to_contain_text(texts["en"], timeout=WAIT_MS)
        expect(chip.locator(".s-est")).to_contain_text("min", timeout=WAIT_MS)
        expect(c_button).not_to_contain_text(texts["en"], timeout=WAIT_MS)
        expect(mobile.locator("#wait")).to_have_text("soon", timeout=WAIT_MS)  # next in line
    finally:
        context.close()
        phone.close()


# ---- item 21: called, not started ---------------------------------------------------------


def test_the_monitor_alerts_on_a_ticket_called_and_not_started(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    """The server raises the alert (API tests move its clock); here the call is moved into the
    past in the database, and the page shows what the server raised, in three languages."""
    hall = new_hall(remote)
    service = hall.service("B", target_wait_min=60)
    counter = hall.counter(3, [service])
    hall.act(counter, "open")
    ticket = hall.issue(service)
    hall.act(counter, "call-next")
    admin(page, server, hall, "monitor")
    subject = f'[data-subject="ticket:{ticket["id"]}"]'
    alert = page.locator(f'#alerts [data-kind="called_not_started"]{subject}')
    expect(page.locator("#monitor-counters td.hand")).to_have_text(
        ticket["number"], timeout=WAIT_MS
    )
    backdate(server, "ticket", ticket["id"], called_at=timedelta(minutes=4, seconds=30))
    page.wait_for_timeout(2500)  # a round or two of the server's evaluation
    expect(alert).to_have_count(0)  # under the default 5 minutes: nothing yet
    backdate(server, "ticket", ticket["id"], called_at=timedelta(minutes=5, seconds=30))
    expect(alert).to_be_visible(timeout=WAIT_MS)
    says_zh = f"{ticket['number']} 在 3号窗口（admin） 叫号已超过 5 分钟，仍未开始办理"
    expect(alert).to_contain_text(says_zh)  # who (the desk and its clerk), what
    page.reload()  # the page reads the (moved) call time again
    in_service = page.locator("#monitor-counters tbody tr td").nth(4)
    expect(in_service).to_contain_text("叫号后 5:", timeout=WAIT_MS)  # time since the call
    expect(alert).to_be_visible(timeout=WAIT_MS)  # the server's alerts, read at the start
    says = {"zh-TW": "仍未開始辦理", "en": "service has not started"}
    for lang in LANGS:
        relabel(page, lang)
        if lang in says:
            expect(alert).to_contain_text(says[lang])
        shot(page, f"floor-monitor-called-{lang}")
    hall.act(counter, "start")  # started: the server clears the alert
    expect(alert).to_have_count(0, timeout=WAIT_MS)


def test_the_called_alert_follows_the_halls_setting(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    settings = remote.get(f"/api/v1/branches/{hall.branch_id}")["settings"]
    assert settings["called_alert_min"] == 5
    r = remote.client.patch(f"/api/v1/branches/{hall.branch_id}",
                            json={"settings": settings | {"called_alert_min": 0}},
                            headers=remote.admin)  # fmt: skip
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    service = hall.service("B")
    counter = hall.counter(1, [service])
    hall.act(counter, "open")
    ticket = hall.issue(service)
    hall.act(counter, "call-next")
    admin(page, server, hall, "config")
    field = page.locator('input[name="called_alert_min"]')
    expect(field).to_have_value("5", timeout=WAIT_MS)
    field.fill("2")
    page.click("#config-body form button[type=submit]")
    expect(page.locator("#config-msg")).to_have_text("已保存", timeout=WAIT_MS)
    assert remote.get(f"/api/v1/branches/{hall.branch_id}")["settings"]["called_alert_min"] == 2
    page.click('[data-view="monitor"]')
    expect(page.locator("#monitor-counters td.hand")).to_have_text(
        ticket["number"], timeout=WAIT_MS
    )
    backdate(server, "ticket", ticket["id"], called_at=timedelta(minutes=2, seconds=30))
    alert = page.locator(f'#alerts [data-subject="ticket:{ticket["id"]}"]')
    expect(alert).to_be_visible(timeout=WAIT_MS)
    expect(alert).to_have_attribute("data-kind", "called_not_started")


# ---- item 22: misleading device messages --------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_login_pages_say_the_throttle_in_their_language(
    page: Any, server: LiveServer, lang: str
) -> None:
    says = {
        "zh-CN": "登录失败次数过多",
        "zh-TW": "登入失敗次數過多",
        "en": "Too many failed sign-ins",
    }
    user = f"nobody-{lang}"
    for path in ("/admin", "/counter"):
        page.add_init_script(f"localStorage.setItem('hallq.admin.lang', '{lang}');"
                             f"localStorage.setItem('hallq.counter.lang', '{lang}');")  # fmt: skip
        page.goto(f"{server.url}{path}?lang={lang}")
        error = page.locator("#login-error")
        for _ in range(8):
            page.fill("#username", f"{user}{path}")
            page.fill("#password", "wrong-password")
            page.click("#login-form button[type=submit]")
            page.wait_for_function("document.getElementById('login-error').textContent !== ''")
            if says[lang] in (error.text_content() or ""):
                break
            page.evaluate("document.getElementById('login-error').textContent = ''")
        expect(error).to_contain_text(says[lang])
        expect(error).not_to_contain_text("too many failed logins")  # the server's English
        shot(page, f"floor-login-throttle{path.replace('/', '-')}-{lang}")


def test_an_unreachable_printer_is_told_in_the_monitors_language(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    kiosk_id, token = remote.device("kiosk", branch_id=hall.branch_id)
    raw = "unreachable: [Errno 111] Connection refused"
    remote.post(f"/api/v1/kiosks/{kiosk_id}/printer-status",
                {"online": False, "paper": "ok", "detail": raw},
                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    admin(page, server, hall, "monitor")
    row = page.locator(f'#monitor-kiosks tr[data-kiosk-id="{kiosk_id}"]')
    alert = page.locator(f'#alerts [data-kind="printer_fault"][data-subject="device:{kiosk_id}"]')
    cells = row.locator("td")
    says = {
        "zh-CN": ("离线 · 无法连接打印机", "未知"),
        "zh-TW": ("離線 · 無法連線印表機", "未知"),
        "en": ("offline · printer unreachable", "unknown"),
    }
    for lang in LANGS:
        relabel(page, lang)
        printer, paper = says[lang]
        expect(cells.nth(1)).to_have_text(printer, timeout=WAIT_MS)
        expect(cells.nth(2)).to_have_text(paper)
        expect(alert).to_contain_text(printer)
        expect(page.locator("#monitor-view")).not_to_contain_text("Errno")
        shot(page, f"floor-monitor-printer-{lang}")
    expect(cells.nth(1)).to_have_attribute("title", raw)  # for whoever repairs it
    # A printer that answers and is out of paper: the code is translated too.
    remote.post(f"/api/v1/kiosks/{kiosk_id}/printer-status",
                {"online": True, "paper": "out", "detail": "paper_out"},
                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    relabel(page, "zh-CN")
    expect(cells.nth(2)).to_have_text("缺纸", timeout=WAIT_MS)
    expect(alert).to_contain_text("缺纸")
    expect(page.locator("#monitor-view")).not_to_contain_text("paper_out")


def test_the_counter_page_times_the_service_from_its_start(
    browser: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    service = hall.service("K")
    counter = hall.counter(7, [service])
    remote.user(f"floorclerk{hall.branch_id}", branch_ids=[hall.branch_id])
    ticket = hall.issue(service)
    labels = {"zh-CN": ("叫号后", "已办理"), "zh-TW": ("叫號後", "已辦理"),
              "en": ("Since called", "Served")}  # fmt: skip
    for lang in LANGS:
        context = browser.new_context(viewport={"width": 1600, "height": 900})
        try:
            page = context.new_page()
            page.clock.install(time=datetime.now(UTC))
            page.goto(f"{server.url}/counter?lang={lang}")
            page.fill("#username", f"floorclerk{hall.branch_id}")
            page.fill("#password", "password-123")
            page.click("#login-form button[type=submit]")
            page.click(f'[data-counter="{counter["number"]}"]')
            expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)
            called, serving = labels[lang]
            timer = page.locator("#hand .timers span").nth(1)
            if lang == "zh-CN":
                page.keyboard.press("o")
                page.click('[data-action="next"]')
                expect(page.locator("#hand-number")).to_have_text(ticket["number"], timeout=WAIT_MS)
                page.clock.fast_forward("03:00")  # the customer has not come yet
            expect(timer).to_contain_text(called, timeout=WAIT_MS)
            expect(timer).not_to_contain_text(serving)
            shot(page, f"floor-counter-called-{lang}")
            if lang == "en":
                page.click('[data-action="start"]')
                expect(timer).to_contain_text(serving, timeout=WAIT_MS)
                expect(timer.locator("b")).to_have_text("0:00", timeout=WAIT_MS)
                page.clock.fast_forward("00:42")
                expect(timer.locator("b")).to_have_text("0:42", timeout=WAIT_MS)
                shot(page, f"floor-counter-serving-{lang}")
        finally:
            context.close()


def test_the_mobile_page_says_done_once_with_the_rating_screens_stars(
    browser: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    service = hall.service("M")
    counter = hall.counter(1, [service])
    hall.act(counter, "open")
    ticket = hall.issue(service)
    hall.act(counter, "call-next")
    hall.act(counter, "complete")
    _, tv_token = remote.device("display", branch_id=hall.branch_id)
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    tablet = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        mobile = phone.new_page()
        mobile.goto(f"{server.url}/t/{ticket['public_id']}")
        done = {"zh-CN": "已办结，谢谢光临", "zh-TW": "已辦結，謝謝光臨", "en": "Done, thank you"}
        stars = {}
        for lang in LANGS:
            mobile.click(f'#langs [data-locale="{lang}"]')
            expect(mobile.locator("#banner")).to_have_text(done[lang], timeout=WAIT_MS)
            assert mobile.locator("main").inner_text().count(done[lang]) == 1
            stars[lang] = [mobile.locator(f'#stars [data-score="{n}"] span').inner_text()
                           for n in range(1, 6)]  # fmt: skip
            shot(mobile, f"floor-mobile-done-{lang}")
        assert stars["zh-CN"][1] == "不太满意" and stars["zh-TW"][1] == "不太滿意"
        rate = tablet.new_page()
        rate.goto(f"{server.url}/rate?counter={counter['id']}&token={tv_token}")
        expect(rate.locator("#welcome")).to_be_visible(timeout=WAIT_MS)
        labels = rate.evaluate("HALLQ_RATING_LABELS")
        for lang in LANGS:
            assert stars[lang] == [labels[lang][f"s{n}"] for n in range(1, 6)]
    finally:
        phone.close()
        tablet.close()


def test_the_opening_hours_hint_says_what_empty_days_do(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    hall = new_hall(remote)
    admin(page, server, hall, "config")
    hint = page.locator("#config-body p.note").first
    says = {"zh-CN": ("留空为当天休息", "24 小时开放"), "zh-TW": ("留空為當天休息", "24 小時開放"),
            "en": ("An empty day is closed", "open 24 hours")}  # fmt: skip
    for lang in LANGS:
        relabel(page, lang)
        for part in says[lang]:
            expect(hint).to_contain_text(part, timeout=WAIT_MS)
        shot(page, f"floor-config-hours-{lang}")
