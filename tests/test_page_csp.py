"""Every page works under its Content-Security-Policy, and the browser tests would notice if
one did not (tests/browser.py, `csp_clean`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.routing import APIRoute

from server.core.edge import PAGE_POLICY
from server.web import pages
from tests.browser import expect
from tests.support import LIVE_ADMIN_PASSWORD, LiveServer, Remote, wait_until

pytestmark = pytest.mark.browser
WAIT_MS = 20_000
HEADERS = {"content-security-policy": PAGE_POLICY, "x-content-type-options": "nosniff",
           "referrer-policy": "no-referrer"}  # fmt: skip
CLERK_PASSWORD = "password-123"  # tests.support.Hall.user


@dataclass
class Hall:
    """A hall of its own with one of everything a page shows: a service that books online, a
    counter and its clerk, a kiosk, a TV, a waiting ticket, a booking, a region."""

    server: LiveServer
    branch_id: int
    region_id: int
    service_id: int
    counter_number: int
    counter_id: int
    clerk: str
    kiosk_id: int
    kiosk: str
    display: str
    ticket: dict[str, Any]
    booking: dict[str, Any]

    def url(self, path: str) -> str:
        return self.server.url + path


def next_slot(zone: str) -> datetime:
    """The next half hour in the hall's zone: its booking can be made now."""
    now = datetime.now(ZoneInfo(zone))
    return now.replace(second=0, microsecond=0) + timedelta(minutes=30 - now.minute % 30)


@pytest.fixture(scope="module")
def hall(server: LiveServer, remote: Remote) -> Hall:
    region = remote.post("/api/v1/regions", {"name": "CSP 片区"}, status=201)["id"]
    branch = remote.post("/api/v1/branches", {"name": "CSP 大厅", "region_id": region},
                         status=201)  # fmt: skip
    branch_id = int(branch["id"])
    remote.client.patch(f"/api/v1/branches/{branch_id}", headers=remote.admin,
                        json={"settings": {"public_booking": True}}).raise_for_status()  # fmt: skip
    service = remote.service("S", branch_id=branch_id)
    remote.client.patch(f"/api/v1/services/{service['id']}", headers=remote.admin,
                        json={"appointment_capacity": 3}).raise_for_status()  # fmt: skip
    counter = remote.counter(7, [service["id"]], branch_id=branch_id)
    remote.user("csp-clerk", branch_ids=[branch_id])
    kiosk_id, kiosk = remote.device("kiosk", branch_id=branch_id)
    _, display = remote.device("display", branch_id=branch_id)
    ticket = remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
    start = next_slot(str(branch["timezone"]))
    booking = remote.post("/api/v1/public/appointments", {"branch_id": branch_id,
                          "service_id": service["id"], "start": start.isoformat()},
                          status=201)  # fmt: skip
    return Hall(server, branch_id, region, int(service["id"]), 7, int(counter["id"]),
                "csp-clerk", kiosk_id, kiosk, display, ticket, booking)  # fmt: skip


def sign_in(page: Any, user: str, password: str) -> None:
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")


def admin(h: Hall, page: Any) -> None:
    sign_in(page, "admin", LIVE_ADMIN_PASSWORD)
    expect(page.locator("#monitor-view")).to_be_visible(timeout=WAIT_MS)


def overview(h: Hall, page: Any) -> None:
    sign_in(page, "admin", LIVE_ADMIN_PASSWORD)
    expect(page.locator(f'.tile[data-branch="{h.branch_id}"]')).to_be_visible(timeout=WAIT_MS)


def reception(h: Hall, page: Any) -> None:
    sign_in(page, h.clerk, CLERK_PASSWORD)
    expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)


def counter(h: Hall, page: Any) -> None:
    sign_in(page, h.clerk, CLERK_PASSWORD)
    page.click(f'[data-counter="{h.counter_number}"]')
    expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)


def kiosk(h: Hall, page: Any) -> None:
    expect(page.locator(f'button.service[data-service="{h.service_id}"]')).to_be_visible(
        timeout=WAIT_MS
    )
    page.click("#appt-open")  # the appointment check-in: its keypad
    expect(page.locator("#appt")).to_be_visible(timeout=WAIT_MS)


def filled(selector: str) -> Callable[[Hall, Any], None]:
    """Ready when the page's script has written text into `selector`."""

    def ready(h: Hall, page: Any) -> None:
        expect(page.locator(selector)).not_to_have_text("", timeout=WAIT_MS)

    return ready


def shown(selector: Callable[[Hall], str]) -> Callable[[Hall, Any], None]:
    def ready(h: Hall, page: Any) -> None:
        expect(page.locator(selector(h)).first).to_be_visible(timeout=WAIT_MS)

    return ready


# Every page the server serves (server/web/pages.py), by its route, with the address a device or
# a person opens and what shows that the page's script ran under the policy.
PAGES: dict[str, tuple[Callable[[Hall], str], Callable[[Hall, Any], None]]] = {
    "/admin": (lambda h: "/admin", admin),
    "/admin/overview": (lambda h: f"/admin/overview?region={h.region_id}", overview),
    "/reception": (lambda h: "/reception", reception),
    "/counter": (lambda h: "/counter", counter),
    "/kiosk": (lambda h: f"/kiosk?kiosk={h.kiosk_id}&token={h.kiosk}", kiosk),
    "/display": (lambda h: f"/display?branch={h.branch_id}&token={h.display}",
                 filled("#hall-name")),
    "/rate": (lambda h: f"/rate?counter={h.counter_id}&token={h.display}", filled("#where")),
    "/hall": (lambda h: f"/hall?branch={h.branch_id}",
              shown(lambda h: f'[data-service="{h.service_id}"]')),
    "/book": (lambda h: f"/book?branch={h.branch_id}",
              shown(lambda h: "#slots .b-choice:not([disabled])")),
    "/results": (lambda h: f"/results?branch={h.branch_id}", filled("#title")),
    "/t/{public_id}": (lambda h: f"/t/{h.ticket['public_id']}", filled("#number")),
    "/a/{public_id}": (lambda h: f"/a/{h.booking['public_id']}",
                       shown(lambda h: "#card:not(.hq-hidden)")),
}  # fmt: skip


def test_every_page_the_server_serves_is_checked_here() -> None:
    routes = pages.router().routes
    served = {r.path for r in routes if isinstance(r, APIRoute)} - {"/", "/favicon.ico"}
    assert served == set(PAGES)


@pytest.mark.parametrize("route", list(PAGES))
def test_every_page_loads_under_its_policy(browser: Any, hall: Hall, route: str) -> None:
    address, ready = PAGES[route]
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        response = page.goto(hall.url(address(hall)))
        assert response.status == 200
        assert {name: response.headers.get(name) for name in HEADERS} == HEADERS
        ready(hall, page)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
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
