"""Every page works under its Content-Security-Policy, and the browser tests would notice if
one did not (tests/browser.py, `csp_clean`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.core.edge import PAGE_POLICY
from tests.support import LIVE_ADMIN_PASSWORD, LiveServer, wait_until

pytestmark = pytest.mark.browser
PAGES = ("/admin", "/kiosk", "/display", "/counter", "/rate", "/t/some-public-id", "/results")


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


def test_a_browser_that_logged_in_is_not_locked_out_by_others_at_its_address(
    server: LiveServer, page: Any
) -> None:
    """docs/decisions.md, "Login throttle": the known-device cookie, in a real browser."""
    page.goto(f"{server.url}/admin")
    page.fill("#username", "admin")
    page.fill("#password", LIVE_ADMIN_PASSWORD)
    page.click("#login-form button[type=submit]")
    known = wait_until(
        lambda: [c for c in page.context.cookies() if c["name"].startswith("hallq_known_")],
        20, "the login to set the known-device cookie",
    )  # fmt: skip
    assert len(known) == 1 and known[0]["httpOnly"] and known[0]["sameSite"] == "Strict"
    login = f"{server.url}/api/v1/auth/login"
    for _ in range(5):  # someone else at the same address (127.0.0.1)
        assert httpx.post(login, json={"username": "admin", "password": "guess"}).status_code == 401
    right = {"username": "admin", "password": LIVE_ADMIN_PASSWORD}
    assert httpx.post(login, json=right).status_code == 429
    status = page.evaluate(
        """async (body) => (await fetch("/api/v1/auth/login", {method: "POST",
             headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})).status""",
        right,
    )
    assert status == 200
