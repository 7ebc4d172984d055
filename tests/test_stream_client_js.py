"""`HallQ.stream()` (server/web/static/common/hallq.js) in Chromium against a scripted event
stream: a gap in the seqs is not passed on; the page reconnects at once with `since` and gets
the missed events from the replay, each seq once and in order (issue 13, item 1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import expect
from tests.support import ROOT

pytestmark = pytest.mark.browser

ORIGIN = "http://hallq.test"
HALLQ_JS = ROOT / "server" / "web" / "static" / "common" / "hallq.js"
PAGE = """<!doctype html><meta charset="utf-8"><script src="/hallq.js"></script>
<script>
  window.got = [];
  HallQ.stream(1, "tok", { onMessage: (m) => { window.got.push(m.seq); } });
</script>"""


def event(seq: int, kind: str = "ticket.issued") -> str:
    return f'{{"seq": {seq}, "type": "{kind}", "ts": "2026-01-01T08:00:00+08:00", "data": {{}}}}'


def test_a_gap_makes_the_page_resume_with_since_and_nothing_is_lost(page: Any) -> None:
    def serve(route: Any) -> None:
        if route.request.url.endswith("/hallq.js"):
            route.fulfill(body=HALLQ_JS.read_text(), content_type="text/javascript")
        else:
            route.fulfill(body=PAGE, content_type="text/html")

    urls: list[str] = []

    def events(ws: Any) -> None:  # the server's side of each connection the page opens
        urls.append(ws.url)
        if len(urls) == 1:
            for message in (event(5, "snapshot"), event(6), event(8), event(9)):  # 7 missing
                ws.send(message)
        else:
            for seq in (7, 8, 9, 10):  # the replay after since=6, then a live event
                ws.send(event(seq))

    page.route(f"{ORIGIN}/**", serve)
    page.route_web_socket("ws://hallq.test/api/v1/branches/1/events**", events)
    page.goto(f"{ORIGIN}/")
    expect(page.locator("body")).to_be_attached()
    page.wait_for_function("window.got.length >= 6", timeout=10_000)
    assert page.evaluate("window.got") == [5, 6, 7, 8, 9, 10]
    assert len(urls) == 2 and "since" not in urls[0] and urls[1].endswith("&since=6")
