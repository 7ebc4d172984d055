"""The hall TV page (/display) in Debian's chromium against a live server."""

from __future__ import annotations

import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import httpx
import pytest

from tests.browser import fast_forward_until, shot
from tests.databases import Kind, Templates
from tests.support import LiveServer, Remote, live_env, wait_until
from tests.test_display_agent import require_espeak

MARQUEE = "欢迎光临服务大厅 · 請保管好您的號票 · Please keep your ticket · 办理业务请携带身份证"


@dataclass
class Tv:
    server: LiveServer
    remote: Remote
    services: dict[str, int]
    counters: list[int]
    token: str
    env: dict[str, str]

    def url(self, extra: str = "") -> str:
        return f"{self.server.url}/display?branch=1&token={self.token}{extra}"

    def call(self, counter: int, prefix: str = "A") -> str:
        self.remote.post("/api/v1/tickets", {"service_id": self.services[prefix]}, status=201)
        body = {"complete_current": True}
        result = self.remote.post(f"/api/v1/counters/{counter}/call-next", body)
        return str(result["ticket"]["number"])

    def settings(self, **changes: Any) -> None:
        current = self.remote.get("/api/v1/branches/1")["settings"]
        patch = {"settings": current | changes}
        assert self.remote.client.patch("/api/v1/branches/1", json=patch,
                                        headers=self.remote.admin).status_code == 200  # fmt: skip


@pytest.fixture(scope="module")
def tv(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Tv]:
    tmp = tmp_path_factory.mktemp("display-page")
    env = live_env(templates.sqlite(tmp / "hallq.db", Kind.SCHEMA))
    server = LiveServer(env).start()
    remote = Remote(server)
    box: Tv | None = None
    try:
        names = {"A": ("综合业务", "綜合業務", "General"), "B": ("缴费", "繳費", "Payments"),
                 "C": ("咨询", "諮詢", "Enquiries")}  # fmt: skip
        services = {}
        for prefix, (cn, tw, en) in names.items():
            name = {"zh-CN": cn, "zh-TW": tw, "en": en}
            services[prefix] = remote.service(prefix, name=name)["id"]
        counters = [remote.counter(n, list(services.values()))["id"] for n in range(1, 7)]
        for counter in counters[:5]:
            remote.post(f"/api/v1/counters/{counter}/open")
        _, token = remote.device("display")
        box = Tv(server, remote, services, counters, token, env)
        box.settings(marquee=MARQUEE)
        for _ in range(3):
            remote.post("/api/v1/tickets", {"service_id": services["B"]}, status=201)
        yield box
    finally:
        remote.close()
        server.stop()
        if box is not None:  # a test may have restarted the server: stop that one too
            box.remote.close()
            box.server.stop()


def open_tv(page: Any, tv: Tv, extra: str = "", *, clock: bool = False) -> None:
    """The TV page; with `clock`, on a clock the test moves on (`fast_forward_until`)."""
    if clock:
        page.clock.install()
    page.goto(tv.url(extra))
    page.wait_for_function("window.hallqDisplay && window.hallqDisplay.status === 'connected'")


def shown_number(page: Any) -> str:
    return str(page.text_content("#latest-number"))


def test_a_call_appears_on_the_tv_at_once_flashes_and_chimes(page: Any, tv: Tv) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_tv(page, tv)
    assert page.text_content("#hall-name") == "服务大厅"
    began = time.monotonic()
    number = tv.call(tv.counters[0])
    page.wait_for_function(f"document.getElementById('latest-number').textContent === '{number}'",
                           timeout=10_000)  # fmt: skip
    print(f"{number} on the TV {1000 * (time.monotonic() - began):.0f} ms after the API call")
    assert "flash" in page.get_attribute("#latest", "class")
    assert page.text_content("#recent li.newest .r-number") == number
    assert number in page.text_content('.counter[data-counter="1"]')
    wait_until(lambda: page.evaluate("window.hallqDisplay.sounds.length") >= 1, 10, "a chime")
    chime = page.evaluate("window.hallqDisplay.sounds[0]")
    assert chime["url"] == "/static/common/chime.wav" and chime["error"] in (None, "timeout"), chime
    # a recall chimes again and goes back to the top
    other = tv.call(tv.counters[1])
    page.wait_for_function(f"document.getElementById('latest-number').textContent === '{other}'")
    tv.remote.post(f"/api/v1/counters/{tv.counters[0]}/recall")
    page.wait_for_function(f"document.getElementById('latest-number').textContent === '{number}'")
    wait_until(lambda: page.evaluate("window.hallqDisplay.sounds.length") >= 3, 10, "3 chimes")
    assert errors == []


def test_after_a_server_restart_the_tv_warns_then_shows_the_calls_it_missed(
    page: Any, tv: Tv
) -> None:
    open_tv(page, tv, clock=True)
    port = tv.server.port
    tv.server.stop()
    page.wait_for_selector("#conn-mark:not(.hq-hidden)", timeout=10_000)
    assert page.is_hidden("#stale")  # discreet at first
    fast_forward_until(page, "#stale:not(.hq-hidden)")  # after 10 s: say so
    assert "可能不是最新" in page.text_content("#stale")
    shot(page, "display-disconnected-1920x1080")
    tv.server = LiveServer(tv.env, port=port).start()
    tv.remote.close()
    tv.remote = Remote(tv.server)
    missed = [tv.call(tv.counters[2]), tv.call(tv.counters[3])]
    page.wait_for_function(
        f"document.getElementById('latest-number').textContent === '{missed[1]}'", timeout=20_000
    )
    recent = page.locator("#recent .r-number").all_text_contents()
    assert recent[:2] == [missed[1], missed[0]]
    assert page.is_hidden("#stale") and page.is_hidden("#conn-mark")
    calls = page.evaluate("window.hallqDisplay.calls")
    assert [c["number"] for c in calls[-2:]] == missed


def _nothing_cut_off(page: Any) -> None:
    problems = page.evaluate("""() => {
      const out = [];
      const vw = innerWidth, vh = innerHeight;
      const sel = '#hall-name, #clock, #date, #latest-number, #latest-counter, .counter, '
        + '#recent li, .service, .panel-title, .c-name, .c-ticket, .s-name';
      for (const el of document.querySelectorAll(sel)) {
        const r = el.getBoundingClientRect();
        if (r.width === 0) continue;
        if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1)
          out.push(`${el.id || el.className}: outside the screen ${JSON.stringify(r)}`);
        const style = getComputedStyle(el);  // a name may end in "…", nothing else
        const ellipsis = style.textOverflow === 'ellipsis'
          && el.matches('#hall-name, .s-name, .c-extra');
        if (el.scrollWidth > el.clientWidth + 2 && style.overflow === 'hidden' && !ellipsis)
          out.push(`${el.id || el.className}: text clipped`);
      }
      return out;
    }""")
    assert problems == []


@pytest.mark.parametrize(
    ("width", "height", "extra"),
    [(1920, 1080, ""), (3840, 2160, ""), (1080, 1920, "&lang=zh-TW"), (1920, 1080, "&lang=en")],
)
def test_screenshots_with_chinese_text_at_tv_sizes(
    browser: Any, tv: Tv, width: int, height: int, extra: str
) -> None:
    for counter, prefix in zip(tv.counters[:3], "ABC", strict=True):
        tv.call(counter, prefix)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    try:
        page = context.new_page()
        open_tv(page, tv, extra)
        page.wait_for_function("document.querySelectorAll('#recent li').length >= 3")
        tv.remote.post(f"/api/v1/counters/{tv.counters[4]}/pause", {"reason": "lunch"})
        page.wait_for_selector(".counter.paused")
        _nothing_cut_off(page)
        lang = extra.rsplit("=", 1)[-1] if extra else "zh-CN"
        path = shot(page, f"display-{width}x{height}-{lang}")
        assert path.stat().st_size > 20_000
        if lang == "zh-TW":
            assert "號窗口" in page.text_content("#latest-counter")
        elif lang == "en":
            assert "Counter" in page.text_content("#latest-counter")
        else:
            assert "号窗口" in page.text_content("#latest-counter")
    finally:
        tv.remote.post(f"/api/v1/counters/{tv.counters[4]}/open")
        context.close()


def test_server_speech_is_played_after_the_chime(page: Any, tv: Tv) -> None:
    require_espeak()
    tv.settings(server_speech=True)
    try:
        open_tv(page, tv)
        number = tv.call(tv.counters[0])
        page.wait_for_function(
            f"document.getElementById('latest-number').textContent === '{number}'"
        )
        seq = page.evaluate("window.hallqDisplay.calls.at(-1).seq")
        wav_url = f"/api/v1/branches/1/announcements/{seq}.wav"

        def played() -> Any:
            return [
                s
                for s in page.evaluate("window.hallqDisplay.sounds")
                if s["seq"] == seq and s["endedAt"]
            ]

        sounds = wait_until(lambda: len(played()) == 2 and played(), 30, "chime then speech")
        assert [s["url"] for s in sounds] == ["/static/common/chime.wav", wav_url]
        assert sounds[1]["queuedAt"] >= sounds[0]["endedAt"]  # never overlapping
        response = httpx.get(tv.server.url + wav_url, params={"token": tv.token})
        assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
        with wave.open(BytesIO(response.content)) as w:
            seconds = w.getnframes() / w.getframerate()
        assert 2.5 < seconds < 15, seconds  # zh-CN then en
        assert httpx.get(tv.server.url + wav_url).status_code == 401
        assert httpx.get(tv.server.url + "/api/v1/branches/1/announcements/1.wav",
                         params={"token": tv.token}).status_code == 404  # fmt: skip
    finally:
        tv.settings(server_speech=False)


@pytest.mark.e2e
def test_speech_is_off_unless_the_branch_turns_it_on(tv: Tv) -> None:
    tv.call(tv.counters[0])
    seq = tv.remote.get("/api/v1/branches/1/queue")["seq"] - 1  # the call, before counter.updated
    response = httpx.get(f"{tv.server.url}/api/v1/branches/1/announcements/{seq}.wav",
                         params={"token": tv.token})  # fmt: skip
    assert response.status_code == 404 and "server_speech" in response.json()["detail"]
