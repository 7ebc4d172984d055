"""Every page works under its Content-Security-Policy, and the browser tests would notice if
one did not (tests/browser.py, `csp_clean`)."""

from __future__ import annotations

from typing import Any

import pytest

from server.core.edge import PAGE_POLICY
from tests.support import LiveServer

pytestmark = pytest.mark.browser
PAGES = ("/admin", "/kiosk", "/display", "/counter", "/rate", "/t/some-public-id")


def test_every_page_loads_under_its_policy(server: LiveServer, page: Any) -> None:
    for path in PAGES:
        response = page.goto(server.url + path)
        assert response.headers["content-security-policy"] == PAGE_POLICY
        page.wait_for_load_state("networkidle")
    # the csp_clean fixture fails the test on any violation


def test_an_inline_script_would_fail_a_browser_test(
    server: LiveServer, browser: Any, page: Any
) -> None:
    page.goto(server.url + "/admin")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.ran = true"; document.body.append(s);
                   const d = document.createElement("div");
                   d.setAttribute("style", "color: red"); document.body.append(d); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran") is None
    assert any("script-src" in v for v in browser.violations), browser.violations
    assert any("style-src" in v for v in browser.violations), browser.violations
    browser.violations.clear()  # seen: this test's own violations are not a failure
