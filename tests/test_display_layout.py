"""The hall TV's layout: every open counter on the screen, nothing cut, type big enough for 5 m,
at 1920×1080, 1366×768 and 1080×1920, with 2, 6, 12 and 30 counters, in the three languages;
the empty hall; and a display that is not set up says so at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser import shot
from tests.databases import Kind, Templates
from tests.support import LiveServer, Remote, live_env

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1366, 768), (1080, 1920)]
LANGS = ["zh-CN", "zh-TW", "en"]
HALL = {"zh-TW": "服務大廳", "en": "Service hall"}
MARQUEE = {"zh-TW": "歡迎光臨，請保管好您的號票", "en": "Welcome, please keep your ticket"}
LONG_NAME = {
    "zh-CN": "对公及个人贵宾理财与外汇业务综合服务",
    "zh-TW": "對公及個人貴賓理財與外匯業務綜合服務",
    "en": "Corporate and private wealth management, foreign exchange and priority services",
}


@dataclass
class Hall:
    server: LiveServer
    remote: Remote
    counters: list[int]  # ids, counter number i + 1 at index i
    token: str  # a display of branch 1
    quiet_token: str  # a display of branch 2: services, counters, no call yet

    def url(self, extra: str = "", token: str | None = None) -> str:
        return f"{self.server.url}/display?token={token or self.token}{extra}"

    def act(self, counter: int, action: str, body: Any = None) -> None:
        """A counter action that may be refused (closing a closed counter): the state is what
        matters here, not the answer."""
        self.remote.client.post(f"/api/v1/counters/{counter}/{action}", json=body,
                                headers=self.remote.admin)  # fmt: skip

    def open_only(self, count: int) -> None:
        """Counters 1..count open (some serving, one paused), the others closed."""
        for i, counter in enumerate(self.counters):
            path = "open" if i < count else "close"
            self.act(counter, path)
        for counter in self.counters[:count]:
            body = {"complete_current": True}
            self.act(counter, "call-next", body)
        if count > 2:  # one paused without a ticket, one idle
            paused = self.counters[count - 1]
            self.act(paused, "complete")
            self.remote.post(f"/api/v1/counters/{paused}/pause", {"reason": "lunch"})
            idle = self.counters[count - 2]
            self.act(idle, "complete")


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Hall]:
    tmp = tmp_path_factory.mktemp("display-layout")
    server = LiveServer(live_env(templates.sqlite(tmp / "hallq.db", Kind.SCHEMA))).start()
    remote = Remote(server)
    try:
        names = {"A": {"zh-CN": "综合业务", "zh-TW": "綜合業務", "en": "General"},
                 "B": {"zh-CN": "缴费", "zh-TW": "繳費", "en": "Payments"},
                 "C": {"zh-CN": "咨询", "zh-TW": "諮詢", "en": "Enquiries"}}  # fmt: skip
        ids = [remote.service(prefix, name=name)["id"] for prefix, name in names.items()]
        # a long name and the longest numbers: "VIP10000"
        vip = remote.service("VIP", name=LONG_NAME, start_number=10000, end_number=99999)
        ids.append(vip["id"])
        counters = [remote.counter(n, ids)["id"] for n in range(1, 31)]
        long_counter = {"name": "VIP 贵宾理财专窗 · Wealth management and foreign exchange"}
        remote.client.patch(f"/api/v1/counters/{counters[2]}", json=long_counter,
                            headers=remote.admin)  # fmt: skip
        settings = remote.get("/api/v1/branches/1")["settings"]
        settings |= {
            "marquee": "欢迎光临，请保管好您的号票",
            "marquees": MARQUEE,
            "hall_names": HALL,
        }
        remote.client.patch("/api/v1/branches/1", json={"settings": settings}, headers=remote.admin)
        for i in range(90):
            remote.post("/api/v1/tickets", {"service_id": ids[i % 4]}, status=201)
        _, token = remote.device("display")
        quiet = remote.post("/api/v1/branches", {"name": "东城分理处"}, status=201)["id"]
        quiet_ids = [remote.service(p, branch_id=quiet, name=names[p])["id"] for p in "ABC"]
        for n in range(1, 7):
            remote.counter(n, quiet_ids, branch_id=quiet)
        for i in range(5):
            remote.post("/api/v1/tickets", {"service_id": quiet_ids[i % 3]}, status=201)
        _, quiet_token = remote.device("display", branch_id=quiet)
        yield Hall(server, remote, counters, token, quiet_token)
    finally:
        remote.close()
        server.stop()


# What is cut off or off the screen. Names may end in "…" (their CSS says ellipsis); numbers,
# counts, labels and times may not lose a single character.
CHECK = """() => {
  const out = [];
  const vw = innerWidth, vh = innerHeight;
  const inside = (r, box, slack = 1) => r.left >= box.left - slack && r.top >= box.top - slack
    && r.right <= box.right + slack && r.bottom <= box.bottom + slack;
  const name = (el) => `${el.id || el.className}[${el.textContent.slice(0, 30)}]`;
  const screen = { left: 0, top: 0, right: vw, bottom: vh };
  const shown = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  for (const el of document.querySelectorAll('#tv *')) {
    if (!shown(el) || el.closest('.marquee-bar')) continue;
    const r = el.getBoundingClientRect();
    if (!inside(r, screen)) out.push(`${name(el)} off the screen ${JSON.stringify(r)}`);
    // an inline text's box is as tall as the font's ascent + descent: compare it across only
    const box = el.parentElement.getBoundingClientRect();
    const across = getComputedStyle(el).display === 'inline'
      ? { ...r.toJSON(), top: box.top, bottom: box.bottom } : r;
    if (el.parentElement.id !== 'tv' && !inside(across, box, 2))
      out.push(`${name(el)} outside its box`);
    const cut = el.scrollWidth > el.clientWidth + 1;
    const clips = getComputedStyle(el).overflow !== 'visible';
    if (clips && cut && el.clientWidth > 0) {
      const ellipsis = getComputedStyle(el).textOverflow === 'ellipsis';
      if (!(ellipsis && el.matches('#hall-name, .c-extra, .s-name, .panel-title')))
        out.push(`${name(el)} cut: ${el.scrollWidth} wide in ${el.clientWidth}`);
    }
  }
  for (const el of document.querySelectorAll('.counter')) {
    if (!inside(el.getBoundingClientRect(), screen, 0))
      out.push(`tile ${name(el)} not fully on the screen`);
    for (const part of el.querySelectorAll('.c-label, .c-ticket')) {
      if (!inside(part.getBoundingClientRect(), el.getBoundingClientRect(), 0))
        out.push(`${name(part)} not inside its tile`);
    }
  }
  return out;
}"""

SIZES_JS = """() => {
  const px = (sel) => {
    const el = document.querySelector(sel);
    return el ? parseFloat(getComputedStyle(el).fontSize) : 0;
  };
  return { number: px('.counter:not(.paused) .c-ticket'), label: px('.c-label'),
           latest: px('#latest-number'), service: px('.s-line'), prefix: px('.s-prefix'),
           recent: px('#recent li'), welcome: px('.welcome div') };
}"""


def settle(page: Any, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(f"innerWidth === {width} && innerHeight === {height}")
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def check(page: Any, what: str) -> dict[str, float]:
    problems = page.evaluate(CHECK)
    assert problems == [], f"{what}: {problems}"
    return dict(page.evaluate(SIZES_JS))


@pytest.mark.parametrize("count", [2, 6, 12, 30])
def test_every_counter_fits_the_screen_readably(browser: Any, hall: Hall, count: int) -> None:
    hall.open_only(count)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for lang in LANGS:
            page.goto(hall.url(f"&lang={lang}"))
            page.wait_for_function(f"document.querySelectorAll('.counter').length === {count}")
            for width, height in SIZES:
                settle(page, width, height)
                size = check(page, f"{count} counters {width}×{height} {lang}")
                shot(page, f"tv-{count}-counters-{width}x{height}-{lang}")
                print(count, width, height, lang, size)
                # readable at 5 m on a 1080-line screen: numbers several cm high
                if (width, height) == (1920, 1080):
                    assert size["number"] >= {2: 140, 6: 95, 12: 70, 30: 45}[count], size
                    assert size["label"] >= min(40, 0.4 * size["number"]), size
                    assert size["latest"] >= 120 and size["service"] >= 30, size
            assert page.text_content("#hall-name") == HALL.get(lang, "服务大厅")
            marquee = page.text_content("#marquee-text")
            assert marquee == MARQUEE.get(lang, "欢迎光临，请保管好您的号票"), marquee
        assert errors == []
    finally:
        context.close()


def test_an_empty_hall_asks_for_a_ticket_and_shows_the_queues(browser: Any, hall: Hall) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        for lang in ["", "&lang=zh-TW"]:
            page.goto(hall.url(lang, token=hall.quiet_token))
            page.wait_for_selector("#latest.empty .welcome div")
            page.wait_for_function("document.querySelectorAll('.service').length === 3")
            welcome = page.locator(".welcome div").all_text_contents()
            assert welcome == (["請取號"] if lang else ["请取号", "Please take a ticket"])
            # no counter open: the queues take the space
            assert page.locator(".counter").count() == 0
            assert page.locator(".service").count() == 3
            for width, height in SIZES:
                settle(page, width, height)
                size = check(page, f"empty hall {width}×{height} {lang}")
                shot(page, f"tv-empty-{width}x{height}{lang.replace('&lang=', '-')}")
                if (width, height) == (1920, 1080):
                    assert size["welcome"] >= 150 and size["service"] >= 60, size
        assert "2" in page.text_content(".service .s-count")  # 5 tickets over 3 services
    finally:
        context.close()


def test_without_a_token_the_tv_says_at_once_that_it_is_not_set_up(page: Any, hall: Hall) -> None:
    page.clock.install()
    page.goto(f"{hall.server.url}/display?branch=1&lang=en")
    page.wait_for_selector("#setup:not(.hq-hidden)", timeout=2000)
    blocks = page.locator("#setup .block")
    assert blocks.count() == 3
    texts = blocks.all_text_contents()
    assert "This display is not set up" in texts[0] and "/display?token=" in texts[0]
    assert "此显示屏尚未设置" in texts[1] + texts[2] and "此顯示器尚未設定" in texts[1] + texts[2]
    shot(page, "tv-no-token")
    page.clock.fast_forward(25_000)  # it never turns into "connection lost"
    assert page.is_hidden("#stale") and page.is_visible("#setup")
    assert "lost" not in page.text_content("body")


def test_a_hall_that_is_not_the_tokens_says_so(page: Any, hall: Hall) -> None:
    page.goto(hall.url("&branch=99"))
    page.wait_for_selector("#setup:not(.hq-hidden)")
    text = page.text_content("#setup")
    assert "大厅 99 不是此显示设备的大厅" in text and "branch=1" in text, text
    assert "Hall 99 is not this display's hall" in text and "令牌无效" not in text
    shot(page, "tv-wrong-hall")
    admin = hall.remote.admin["Authorization"].split()[1]  # sees every hall: 99 is none of them
    page.goto(hall.url("&branch=99", token=admin))
    page.wait_for_selector("#setup:not(.hq-hidden)")
    assert "大厅 99 不存在" in page.text_content("#setup")
    assert "Hall 99 does not exist" in page.text_content("#setup")
    page.goto(hall.url("", token="not-a-token"))
    page.wait_for_selector("#setup:not(.hq-hidden)")
    assert "此显示屏的令牌无效" in page.text_content("#setup")


def test_a_rating_screen_for_a_counter_that_does_not_exist_says_so(page: Any, hall: Hall) -> None:
    page.goto(f"{hall.server.url}/rate?counter=99&token={hall.token}")
    page.wait_for_selector("#welcome.broken")
    assert "窗口 99 不存在" in page.text_content("#welcome")  # not "欢迎光临" for ever
    shot(page, "rate-no-counter")
    page.click('.langs [data-lang="en"]')
    assert "Counter 99 does not exist" in page.text_content("#welcome")
    page.click('.langs [data-lang="zh-TW"]')
    assert "櫃檯 99 不存在" in page.text_content("#welcome")
    page.evaluate("localStorage.clear()")
    page.goto(f"{hall.server.url}/rate?counter={hall.counters[0]}&token={hall.token}")
    page.wait_for_function("document.getElementById('where').textContent !== ''")
    assert page.text_content("#welcome") == "欢迎光临"


def test_a_manager_names_the_hall_per_language_and_the_tv_follows(
    browser: Any, page: Any, hall: Hall
) -> None:
    from tests.test_admin_page import sign_in

    sign_in(page, hall.server, view="config", lang="en")
    page.click('#config-tabs [data-sub="branch"]')
    page.locator('[name="hn_zh-TW"]').fill("臨櫃服務大廳")
    page.locator('[name="mq_en"]').fill("Welcome to the service hall")
    page.locator('[name="hn_zh-TW"]').scroll_into_view_if_needed()
    shot(page, "admin-hall-names")
    page.locator('[name="hn_zh-TW"]').evaluate("el => el.form.requestSubmit()")
    page.wait_for_function("document.body.textContent.includes('Saved')")
    settings = hall.remote.get("/api/v1/branches/1")["settings"]
    assert settings["hall_names"] == {**HALL, "zh-TW": "臨櫃服務大廳"}
    assert settings["marquees"] == {**MARQUEE, "en": "Welcome to the service hall"}
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        tv = context.new_page()
        tv.goto(hall.url("&lang=zh-TW"))
        tv.wait_for_function("document.getElementById('hall-name').textContent === '臨櫃服務大廳'")
        tv.goto(hall.url("&lang=en"))
        tv.wait_for_function(
            "document.getElementById('marquee-text').textContent === 'Welcome to the service hall'"
        )
    finally:
        context.close()
        hall.remote.client.patch(
            "/api/v1/branches/1",
            json={"settings": {**settings, "hall_names": HALL, "marquees": MARQUEE}},
            headers=hall.remote.admin,
        )
