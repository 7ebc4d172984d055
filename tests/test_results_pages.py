"""The published results in Debian's chromium against a live server: the public page
/results?branch=1 on a phone and on a wide screen, in the three languages, and the hall TV's
rotating results panel, which never takes a call's place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.browser import expect, shot
from tests.databases import Kind, Templates
from tests.support import LiveServer, Remote, live_env
from tests.test_admin_page import WAIT_MS, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LANGS = ["zh-CN", "zh-TW", "en"]
WORDS = {
    "zh-CN": {"title": "服务评议结果", "off": "未公开", "total": "全厅合计", "satisfied": "满意率"},
    "zh-TW": {"title": "服務評議結果", "off": "未公開", "total": "全廳合計", "satisfied": "滿意率"},
    "en": {"title": "Service results", "off": "does not publish", "total": "Whole hall",
           "satisfied": "Satisfied"},
}  # fmt: skip
CLERK = "wang.xiaoming"


@dataclass
class Hall:
    server: LiveServer
    remote: Remote
    services: dict[str, int]
    counters: list[int]
    token: str

    def publish(self, mode: object) -> None:
        settings = self.remote.get("/api/v1/branches/1")["settings"] | {"publish_results": mode}
        answer = self.remote.client.patch("/api/v1/branches/1", headers=self.remote.admin,
                                          json={"settings": settings})  # fmt: skip
        assert answer.status_code == 200, answer.text

    def serve(self, prefix: str, counter: int, score: int | None) -> None:
        ticket = self.remote.post("/api/v1/tickets", {"service_id": self.services[prefix]},
                                  status=201)  # fmt: skip
        self.remote.post(f"/api/v1/counters/{counter}/call", {"ticket_id": ticket["id"]})
        self.remote.post(f"/api/v1/counters/{counter}/complete")
        if score is not None:
            rating = f"{self.remote.url}/api/v1/public/tickets/{ticket['public_id']}/rating"
            answer = httpx.post(rating, json={"score": score})
            assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Hall]:
    """Three services, three counters (one named), a clerk with a name that must never show,
    tickets served and rated 5, 4, 3 and 1."""
    tmp = tmp_path_factory.mktemp("results-pages")
    server = LiveServer(live_env(templates.sqlite(tmp / "hallq.db", Kind.SCHEMA))).start()
    remote = Remote(server)
    try:
        names = {
            "A": ("综合业务", "綜合業務", "General services"),
            "B": ("缴费", "繳費", "Payments"),
            "C": ("不动产登记咨询", "不動產登記諮詢", "Property registration enquiries"),
        }
        services = {p: remote.service(p, name={"zh-CN": cn, "zh-TW": tw, "en": en})["id"]
                    for p, (cn, tw, en) in names.items()}  # fmt: skip
        counters = [remote.counter(n, list(services.values()))["id"] for n in (1, 2, 3)]
        remote.client.patch(f"/api/v1/counters/{counters[2]}", headers=remote.admin,
                            json={"name": "综合窗口"}).raise_for_status()  # fmt: skip
        clerk = remote.user(CLERK)
        for counter in counters:
            remote.post(f"/api/v1/counters/{counter}/open", headers=clerk)
        _, token = remote.device("display")
        box = Hall(server, remote, services, counters, token)
        box.remote.admin = clerk  # the clerk serves: their id is on every ticket
        for prefix, counter, score in (("A", 0, 5), ("A", 0, 4), ("B", 1, 3), ("B", 1, 1),
                                       ("C", 2, 5), ("A", 2, None)):  # fmt: skip
            box.serve(prefix, counters[counter], score)
        box.remote.admin = server.login()
        yield box
    finally:
        remote.close()
        server.stop()


def open_results(browser: Any, hall: Hall, lang: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport == PHONE)
    page = context.new_page()
    page.goto(f"{hall.server.url}/results?branch=1&lang={lang}")
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_the_results_page_on_a_phone_and_a_wide_screen(browser: Any, hall: Hall, lang: str) -> None:
    hall.publish("counter")
    for viewport, size in ((PHONE, "phone"), ({"width": 1920, "height": 1080}, "1920x1080")):
        page = open_results(browser, hall, lang, viewport)
        expect(page.locator("#title")).to_contain_text(WORDS[lang]["title"], timeout=WAIT_MS)
        expect(page.locator("#services .r-card")).to_have_count(3)
        expect(page.locator("#counters .r-card")).to_have_count(3)
        assert page.locator("#total .r-satisfied .r-value").text_content() == "80.0%"  # 4 of 5
        assert page.locator("#total .r-rating .r-value").text_content() == "3.60"
        assert WORDS[lang]["satisfied"] in page.locator("#total").text_content()
        body = page.locator("body").text_content()
        assert CLERK not in body and "综合窗口" in body
        # nothing is wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        shot(page, f"results-{size}-{lang}")
        page.context.close()


def test_the_page_says_so_when_the_hall_does_not_publish(browser: Any, hall: Hall) -> None:
    hall.publish(False)
    try:
        for lang in LANGS:
            page = open_results(browser, hall, lang, PHONE)
            expect(page.locator("#message")).to_contain_text(WORDS[lang]["off"], timeout=WAIT_MS)
            assert page.locator("#results").is_hidden()
            assert page.locator("#rules").text_content() == ""  # no figures, no rules
            if lang == "zh-CN":
                shot(page, "results-off-phone-zh-CN")
            page.context.close()
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(f"{hall.server.url}/results?branch=77")
        expect(page.locator("#message")).to_contain_text("77", timeout=WAIT_MS)
        context.close()
    finally:
        hall.publish("counter")


def test_the_tv_turns_through_the_results_and_a_call_comes_first(page: Any, hall: Hall) -> None:
    hall.publish("service")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.clock.install()
    page.goto(f"{hall.server.url}/display?branch=1&token={hall.token}&lang=zh-CN")
    page.wait_for_function("window.hallqDisplay && window.hallqDisplay.status === 'connected'")
    expect(page.locator("#results-panel")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#rp-name")).to_have_text("全厅合计")
    assert page.evaluate("window.hallqDisplay.results.slides") == 4  # the hall + 3 services
    assert "80.0%" in page.locator("#rp-figs").text_content()
    shot(page, "display-results-total-1920x1080")
    page.clock.fast_forward(9000)
    expect(page.locator("#rp-name")).to_have_text("综合业务")
    shot(page, "display-results-service-1920x1080")
    # a call: the panel holds still while the call flashes, and the call is untouched by it
    ticket = hall.remote.post("/api/v1/tickets", {"service_id": hall.services["B"]}, status=201)
    hall.remote.post(f"/api/v1/counters/{hall.counters[1]}/call", {"ticket_id": ticket["id"]})
    expect(page.locator("#latest-number")).to_have_text(ticket["number"], timeout=WAIT_MS)
    turn = page.evaluate("window.hallqDisplay.results.turn")
    page.clock.fast_forward(5000)
    assert page.evaluate("window.hallqDisplay.results.turn") == turn
    latest = page.locator("#latest").bounding_box()
    panel = page.locator("#results-panel").bounding_box()
    assert panel["y"] >= latest["y"] + latest["height"]  # below the call, never over it
    page.clock.fast_forward(12000)
    assert page.evaluate("window.hallqDisplay.results.turn") != turn
    assert CLERK not in page.locator("body").text_content()
    page.set_viewport_size({"width": 1080, "height": 1920})  # an upright screen
    page.clock.fast_forward(1000)
    expect(page.locator("#results-panel")).to_be_visible()
    boxes = [page.locator(f"#{i}").bounding_box() for i in ("latest", "results-panel")]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"]
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight")
    shot(page, "display-results-1080x1920")
    page.set_viewport_size({"width": 1920, "height": 1080})
    # the hall stops publishing: the panel goes, the calls take its room
    hall.publish(False)
    expect(page.locator("#results-panel")).to_be_hidden(timeout=WAIT_MS)
    assert errors == []
    hall.publish("counter")


COUNTER_MODE = [
    ("zh-CN", "按业务和窗口公开"),
    ("zh-TW", "按業務和窗口公開"),
    ("en", "Per service and per counter"),
]


@pytest.mark.parametrize(("lang", "label"), COUNTER_MODE)
def test_the_manager_turns_it_on_in_the_hall_settings(
    page: Any, hall: Hall, lang: str, label: str
) -> None:
    hall.publish(False)
    sign_in(page, hall.server, view="config", lang=lang)
    select = page.locator('#config-body select[name="publish_results"]')
    expect(select).to_have_value("", timeout=WAIT_MS)
    select.select_option(label=label)
    select.scroll_into_view_if_needed()
    shot(page, f"admin-config-publish-results-{lang}")
    page.locator("#config-body form button[type=submit]").click()
    expect(page.locator("#config-msg")).not_to_be_empty(timeout=WAIT_MS)
    assert hall.remote.get("/api/v1/branches/1")["settings"]["publish_results"] == "counter"
    page.reload()
    expect(page.locator('#config-body select[name="publish_results"]')).to_have_value(
        "counter", timeout=WAIT_MS
    )
