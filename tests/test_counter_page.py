"""The counter page and the customer rating screen in Debian's chromium against a live server."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.browser import expect, shot
from tests.databases import Kind, Templates
from tests.support import LiveServer, Remote, live_env, wait_until

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
_numbers = itertools.count(1)
_prefixes = iter("ACDEFGHJKLMNPQRSTUVWXYZ")


def desk(
    remote: Remote, counters: int = 1
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """A fresh service with `counters` counters serving it and one clerk each."""
    service = remote.service(next(_prefixes))
    made, clerks = [], []
    for _ in range(counters):
        number = next(_numbers)
        made.append(remote.counter(number, [service["id"]]))
        clerks.append(f"clerk{number}")
        remote.user(clerks[-1])
    return service, made, clerks


def sign_in(
    page: Any, server: LiveServer, clerk: str, counter: dict[str, Any], lang: str = "en"
) -> None:
    page.goto(f"{server.url}/counter?lang={lang}")
    page.fill("#username", clerk)
    page.fill("#password", "password-123")
    page.click("#login-form button[type=submit]")
    page.click(f'[data-counter="{counter["number"]}"]')
    expect(page.locator("#desk-view")).to_be_visible(timeout=WAIT_MS)


def issue(remote: Remote, service: dict[str, Any]) -> dict[str, Any]:
    return dict(remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201))


def test_serve_a_ticket_and_the_customer_rates_it(
    browser: Any, server: LiveServer, remote: Remote
) -> None:
    service, (counter,), (clerk,) = desk(remote)
    _, display_token = remote.device("display")
    clerk_ctx = browser.new_context(viewport={"width": 1600, "height": 900}, locale="en-US")
    tablet_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page, tablet = clerk_ctx.new_page(), tablet_ctx.new_page()
        tablet.goto(f"{server.url}/rate?counter={counter['id']}&token={display_token}")
        expect(tablet.locator("#welcome")).to_have_text("欢迎光临", timeout=WAIT_MS)
        sign_in(page, server, clerk, counter)
        expect(page.locator("#state-badge")).to_have_text("closed")
        page.keyboard.press("o")  # keyboard shortcut: open
        expect(page.locator("#message")).to_have_text("Counter open", timeout=WAIT_MS)
        ticket = issue(remote, service)
        expect(page.locator(f'#waiting [data-ticket="{ticket["number"]}"]')).to_be_visible(
            timeout=WAIT_MS
        )
        page.click('[data-action="next"]')
        expect(page.locator("#hand-number")).to_have_text(ticket["number"], timeout=WAIT_MS)
        expect(tablet.locator("#now")).to_contain_text(ticket["number"], timeout=WAIT_MS)
        page.keyboard.press("r")
        expect(page.locator("#message")).to_have_text(f"Recalled {ticket['number']}")
        expect(page.locator("#hand")).to_contain_text("called 2×")
        page.keyboard.press("q")  # handover: no logging out with a ticket in hand
        expect(page.locator("#message")).to_contain_text("complete, transfer or park it before")
        page.click('[data-action="start"]')
        expect(page.locator("#hand")).to_contain_text("serving", timeout=WAIT_MS)
        shot(page, "counter_serving")
        page.fill("#outcome", "documents checked")
        page.click('[data-action="complete"]')
        expect(page.locator("#message")).to_have_text(f"{ticket['number']} completed")
        # the customer's tablet lights up
        expect(tablet.locator('[data-score="4"]')).to_be_visible(timeout=WAIT_MS)
        expect(tablet.locator("#ask-title")).to_contain_text(ticket["number"])
        tablet.click('[data-score="4"]')
        expect(tablet.locator("#star-label")).to_have_text("满意")
        tablet.click("text=办理迅速")
        shot(tablet, "rate_lit")
        tablet.click("#submit")
        expect(tablet.locator("#thanks-text")).to_be_visible(timeout=WAIT_MS)
        shot(tablet, "rate_thanks")
        stored = remote.get(f"/api/v1/tickets/{ticket['id']}")
        assert (stored["rating"], stored["outcome"]) == (4, "documents checked")
        expect(page.locator("#fig-served")).to_have_text("1", timeout=WAIT_MS)
        expect(page.locator("#fig-rating")).to_contain_text("4.0", timeout=WAIT_MS)
        page.click('.langs [data-lang="zh-CN"]')
        expect(page.locator('[data-action="next"] .label')).to_have_text("叫下一位")
        shot(page, "counter_done_zh")
        page.keyboard.press("q")  # nothing in hand now: hand over (the counter stays open)
        expect(page.locator("#dialog")).to_contain_text("交接班")
        page.keyboard.press("1")
        expect(page.locator("#login-view")).to_be_visible(timeout=WAIT_MS)
        states = {c["id"]: c["state"] for c in remote.get("/api/v1/counters", branch_id=1)}
        assert states[counter["id"]] == "open"
    finally:
        clerk_ctx.close()
        tablet_ctx.close()


def test_transfer_to_another_service_then_pause_and_close(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    service, (counter,), (clerk,) = desk(remote)
    other = remote.service(next(_prefixes))
    sign_in(page, server, clerk, counter)
    page.click('[data-action="open"]')
    ticket = issue(remote, service)
    expect(page.locator("#waiting-count")).to_have_text("1", timeout=WAIT_MS)
    page.keyboard.press("n")
    expect(page.locator("#hand-number")).to_have_text(ticket["number"], timeout=WAIT_MS)
    page.keyboard.press("t")
    expect(page.locator("#dialog")).to_contain_text(f"Transfer {ticket['number']} to")
    shot(page, "counter_transfer_dialog")
    page.click(f"#dialog .option:has-text('{other['prefix']} Service {other['prefix']}')")
    page.click("#dialog .option:has-text('Back of the queue')")
    expect(page.locator("#message")).to_have_text(
        f"{ticket['number']} transferred to Service {other['prefix']}", timeout=WAIT_MS
    )
    moved = remote.get(f"/api/v1/tickets/{ticket['id']}")
    assert (moved["service_id"], moved["state"]) == (other["id"], "waiting")
    page.keyboard.press("z")
    page.click("#dialog .option:has-text('Meeting')")
    expect(page.locator("#state-badge")).to_have_text("paused · Meeting", timeout=WAIT_MS)
    issue(remote, service)  # someone waits: closing warns that no other counter serves them
    expect(page.locator("#waiting-count")).to_have_text("1", timeout=WAIT_MS)
    page.keyboard.press("l")
    expect(page.locator("#dialog .note")).to_contain_text("No other open counter serves them")
    page.keyboard.press("1")
    expect(page.locator("#state-badge")).to_have_text("closed", timeout=WAIT_MS)


def test_two_counters_press_call_next_at_once_on_one_ticket(
    browser: Any, server: LiveServer, remote: Remote
) -> None:
    service, counters, clerks = desk(remote, counters=2)
    contexts = [browser.new_context(viewport={"width": 1440, "height": 900}) for _ in clerks]
    try:
        pages = [ctx.new_page() for ctx in contexts]
        for page, clerk, counter in zip(pages, clerks, counters, strict=True):
            sign_in(page, server, clerk, counter)
            page.click('[data-action="open"]')
            expect(page.locator("#state-badge")).to_have_text("open", timeout=WAIT_MS)
        ticket = issue(remote, service)
        for page in pages:
            expect(page.locator(f'#waiting [data-ticket="{ticket["number"]}"]')).to_be_visible(
                timeout=WAIT_MS
            )
        for page in pages:  # both clicks start their request before either answer arrives
            page.evaluate("document.querySelector('[data-action=\"next\"]').click()")

        def settled() -> list[str] | None:
            texts = [p.locator("#message").inner_text() for p in pages]
            return texts if all(ticket["number"] in text for text in texts) else None

        messages = wait_until(settled, WAIT_MS / 1000, "both pages answered")
        winner = messages.index(f"Called {ticket['number']}")
        loser = 1 - winner
        number = counters[winner]["number"]
        assert messages[loser] == f"{ticket['number']} was just called by counter {number}."
        expect(pages[winner].locator("#hand-number")).to_have_text(ticket["number"])
        expect(pages[loser].locator("#hand")).to_contain_text("No ticket in hand")
        shot(pages[loser], "counter_race_explained")
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_lost_connection_is_shown_and_recovered(
    page: Any, tmp_path: Path, templates: Templates
) -> None:
    env = live_env(templates.sqlite(tmp_path / "hallq.db", Kind.SCHEMA))
    first = LiveServer(env).start()
    again = LiveServer(env, port=first.port)
    try:
        remote = Remote(first)
        service = remote.service("A")
        counter = remote.counter(1, [service["id"]])
        remote.user("clerk1")
        remote.close()
        sign_in(page, first, "clerk1", counter)
        expect(page.locator("#conn")).to_contain_text("connected", timeout=WAIT_MS)
        first.stop()
        expect(page.locator("#banner")).to_contain_text("Connection to the server lost",
                                                        timeout=WAIT_MS)  # fmt: skip
        shot(page, "counter_connection_lost")
        again.start()
        expect(page.locator("#banner")).to_be_hidden(timeout=WAIT_MS)
        expect(page.locator("#message")).to_have_text("Connection restored")
        page.click('[data-action="open"]')  # and it works again
        expect(page.locator("#state-badge")).to_have_text("open", timeout=WAIT_MS)
    finally:
        first.stop()
        again.stop()
