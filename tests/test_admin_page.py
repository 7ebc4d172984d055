"""The manager pages in Debian's chromium against a live server: monitor, alerts, statistics,
configuration (a new service reaches the kiosk page) and the audit log."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import expect, shot
from tests.support import LIVE_ADMIN_PASSWORD, LiveServer, Remote, backdate

pytestmark = pytest.mark.browser
EVALUATE_ALERTS = True  # the `server` evaluates alerts (conftest.py)

log = logging.getLogger(__name__)
WAIT_MS = 20_000


def sign_in(page: Any, server: LiveServer, view: str = "monitor", lang: str = "zh-CN",
            user: str = "admin", password: str = LIVE_ADMIN_PASSWORD) -> None:  # fmt: skip
    page.add_init_script(f"localStorage.setItem('hallq.admin.view', '{view}');"
                         f"localStorage.setItem('hallq.admin.lang', '{lang}');")  # fmt: skip
    page.goto(f"{server.url}/admin")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    expect(page.locator(f"#{view}-view")).to_be_visible(timeout=WAIT_MS)


def test_the_monitor_shows_a_call_within_a_second(page: Any, server: LiveServer, remote: Remote
                                                  ) -> None:  # fmt: skip
    service = remote.service("M", target_wait_min=10)
    counter = remote.counter(11, [service["id"]])
    clerk = remote.user("monclerk")
    remote.post(f"/api/v1/counters/{counter['id']}/open", headers=clerk)
    first = remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
    remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
    sign_in(page, server)
    row = page.locator(f'#monitor-counters tr[data-counter-id="{counter["id"]}"]')
    expect(row).to_contain_text("monclerk", timeout=WAIT_MS)
    waiting = page.locator(f'#monitor-services tr[data-service-id="{service["id"]}"] td').nth(1)
    expect(waiting).to_have_text("2", timeout=WAIT_MS)
    expect(page.locator("#conn")).to_have_text("实时", timeout=WAIT_MS)
    started = time.monotonic()
    remote.post(f"/api/v1/counters/{counter['id']}/call-next", {}, headers=clerk)
    expect(row.locator("td.hand")).to_have_text(first["number"], timeout=WAIT_MS)
    elapsed = time.monotonic() - started
    log.warning("monitor showed the call %.3f s after call-next was sent", elapsed)
    expect(waiting).to_have_text("1", timeout=WAIT_MS)
    remote.post(f"/api/v1/counters/{counter['id']}/complete", {}, headers=clerk)
    remote.post(f"/api/v1/counters/{counter['id']}/pause", {"reason": "午休"}, headers=clerk)
    expect(row).to_contain_text("午休", timeout=WAIT_MS)
    shot(page, "admin-monitor")


def test_an_alert_appears_when_a_ticket_passes_its_target(page: Any, server: LiveServer,
                                                          remote: Remote) -> None:  # fmt: skip
    service = remote.service("T", target_wait_min=3)
    ticket = remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
    sign_in(page, server)
    alerts = page.locator("#alerts")
    subject = f'[data-subject="service:{service["id"]}"]'
    # nobody serves T: the server raises that alert at once; the wait alert not (yet)
    expect(alerts.locator(f'[data-kind="no_open_counter"]{subject}')).to_be_visible(timeout=WAIT_MS)
    late = alerts.locator(f'[data-kind="wait_over_target"]{subject}')
    expect(late).to_have_count(0)
    backdate(server, "ticket", ticket["id"], queued_at=timedelta(minutes=3, seconds=30))
    expect(late).to_be_visible(timeout=WAIT_MS)
    expect(late).to_contain_text(ticket["number"])
    expect(late).to_contain_text("超过目标 3 分钟")
    late.locator("button.ack").click()  # acknowledged: recorded, still listed until it ends
    expect(late.locator(".acked")).to_contain_text("admin", timeout=WAIT_MS)
    history = page.locator(f'#ah-table tr[data-alert-id="{late.get_attribute("data-alert-id")}"]')
    page.click("#ah-form button[type=submit]")
    expect(history).to_contain_text("等候超时", timeout=WAIT_MS)


def test_a_service_created_in_the_configuration_reaches_the_kiosk(
    browser: Any, page: Any, server: LiveServer, remote: Remote
) -> None:
    sign_in(page, server, view="config", lang="en")
    page.click('#config-tabs [data-sub="services"]')
    form = page.locator("#service-form")
    expect(form).to_be_visible(timeout=WAIT_MS)
    form.locator('[name="code"]').fill("passport")
    form.locator('[name="prefix"]').fill("PP")
    form.locator('[name="n_zh-CN"]').fill("护照办理")
    form.locator('[name="n_zh-TW"]').fill("護照辦理")
    form.locator('[name="n_en"]').fill("Passports")
    form.locator('[name="target_wait_min"]').fill("20")
    form.locator("button[type=submit]").click()
    expect(page.locator("#config-body table")).to_contain_text("护照办理", timeout=WAIT_MS)
    services = remote.get("/api/v1/services", branch_id=1)
    created = next(s for s in services if s["code"] == "passport")
    assert created["name"] == {"zh-CN": "护照办理", "zh-TW": "護照辦理", "en": "Passports"}
    assert created["target_wait_min"] == 20
    kiosk_id, token = remote.device("kiosk")
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    try:
        kiosk = context.new_page()
        kiosk.goto(f"{server.url}/kiosk?kiosk={kiosk_id}&token={token}")
        button = kiosk.locator(f'button.service[data-service="{created["id"]}"]')
        expect(button).to_contain_text("护照办理", timeout=WAIT_MS)
        button.click()
        expect(kiosk.locator("#result-number")).to_have_text("PP001", timeout=WAIT_MS)
    finally:
        context.close()
    issued = remote.get("/api/v1/tickets", branch_id=1, service_id=created["id"])
    assert [t["number"] for t in issued] == ["PP001"]


def test_the_statistics_page_draws_figures_charts_and_downloads(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    service = remote.service("S", target_wait_min=5)
    counter = remote.counter(21, [service["id"]])
    clerk = remote.user("statclerk")
    remote.post(f"/api/v1/counters/{counter['id']}/open", headers=clerk)
    for _ in range(3):
        remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
    for _ in range(2):
        remote.post(f"/api/v1/counters/{counter['id']}/call-next", {"complete_current": True},
                  headers=clerk)  # fmt: skip
    sign_in(page, server, view="stats")
    page.select_option("#stats-group", "clerk")
    page.click("#stats-run")
    table = page.locator("#stats-table")
    expect(table.locator("tr", has_text="statclerk")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('#stats-summary [data-figure="issued"] b')).not_to_have_text("0")
    expect(page.locator("#chart-hours svg rect").first).to_be_visible()
    expect(page.locator("#chart-clerks svg")).to_contain_text("statclerk")
    with page.expect_download() as info:
        page.click("#dl-grouped-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with page.expect_download() as info:
        page.click("#dl-tickets-csv")
    assert Path(info.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")
    shot(page, "admin-statistics")


def test_the_audit_log_lists_who_did_what(page: Any, server: LiveServer, remote: Remote) -> None:
    service = remote.service("L")
    ticket = remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
    remote.post(f"/api/v1/tickets/{ticket['id']}/cancel")
    sign_in(page, server, view="audit", lang="zh-TW")
    page.fill("#audit-ticket", str(ticket["id"]))
    page.click("#audit-form button[type=submit]")
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    expect(rows.first).to_contain_text("取消")
    expect(rows.first).to_contain_text("admin")
    expect(rows.nth(1)).to_contain_text("取號")
    assert httpx.get(f"{server.url}/admin").status_code == 200


def test_a_users_role_and_halls_can_be_edited_but_not_ones_own_role(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    remote.user("roleclerk")
    user = next(u for u in remote.get("/api/v1/users") if u["username"] == "roleclerk")
    assert user["role"] == "clerk"
    sign_in(page, server, view="config", lang="en")
    page.click('#config-tabs [data-sub="users"]')
    row = page.locator(f'#config-body tr[data-user-id="{user["id"]}"]')
    row.get_by_role("button", name="Edit").click()
    form = page.locator("#user-edit-form")
    expect(form).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#config-body h3")).to_contain_text("roleclerk")
    form.locator('[name="role"]').select_option("manager")
    form.locator("button[type=submit]").click()
    expect(row.locator("td").nth(1)).to_have_text("manager", timeout=WAIT_MS)
    expect(page.locator("#config-msg")).to_have_text("Saved")
    changed = next(u for u in remote.get("/api/v1/users") if u["id"] == user["id"])
    assert changed["role"] == "manager"
    assert changed["branch_ids"] == [1]
    # one's own role: the server refuses (409) and the page shows its reason as an error
    me = next(u for u in remote.get("/api/v1/users") if u["username"] == "admin")
    mine = page.locator(f'#config-body tr[data-user-id="{me["id"]}"]')
    mine.get_by_role("button", name="Edit").click()
    form.locator('[name="role"]').select_option("clerk")
    form.locator("button[type=submit]").click()
    message = page.locator("#config-msg")
    expect(message).to_have_class("message error", timeout=WAIT_MS)
    expect(message).to_contain_text("cannot change your own role")
    assert next(u for u in remote.get("/api/v1/users") if u["id"] == me["id"])["role"] == "admin"


def test_clicking_the_tab_of_the_form_on_show_keeps_what_was_typed(
    page: Any, server: LiveServer
) -> None:
    """A second render of the hall settings used to replace the form the manager was typing
    into (what was typed then saved as the old value): clicking its tab, or the Configuration
    tab, while it is on show, loads nothing. A render asks for the hall at once, so once the
    Services tab (which does not) has rendered, any reload would have been asked for."""
    loads: list[str] = []
    page.on("request", lambda r: loads.append(r.url) if r.url.endswith("/branches/1") else None)
    sign_in(page, server, view="config", lang="en")
    field = page.locator('#config-body [name="hn_en"]')
    expect(field).to_be_visible(timeout=WAIT_MS)
    before = len(loads)
    field.fill("Typed before the click")
    page.click('#config-tabs [data-sub="branch"]')
    page.click('#tabs [data-view="config"]')
    assert field.input_value() == "Typed before the click"
    page.click('#config-tabs [data-sub="services"]')  # another tab still renders its form
    expect(page.locator('#config-body [name="prefix"]')).to_be_visible(timeout=WAIT_MS)
    assert len(loads) == before  # no second load of the hall settings
    page.click('#config-tabs [data-sub="branch"]')  # coming back renders them again
    expect(field).not_to_have_value("Typed before the click", timeout=WAIT_MS)
    assert len(loads) == before + 1


def test_a_manager_is_offered_only_what_it_may_change(
    page: Any, server: LiveServer, remote: Remote
) -> None:
    """Its clerks fully; its own account only the password; a peer manager nothing."""
    remote.user("pagemanager", "manager")
    remote.user("pagepeer", "manager")
    remote.user("pageclerk")
    ids = {u["username"]: u["id"] for u in remote.get("/api/v1/users")}
    sign_in(page, server, view="config", lang="en", user="pagemanager", password="password-123")
    page.click('#config-tabs [data-sub="users"]')

    def buttons(username: str) -> list[str]:
        row = page.locator(f'#config-body tr[data-user-id="{ids[username]}"]')
        expect(row).to_be_visible(timeout=WAIT_MS)
        return [b.strip() for b in row.locator("button").all_inner_texts()]

    assert buttons("pageclerk") == ["Edit", "Deactivate", "New password"]
    assert buttons("pagemanager") == ["New password"]
    assert buttons("pagepeer") == []
    options = page.locator('#user-form [name="role"] option').all_inner_texts()
    assert [o.strip() for o in options] == ["clerk"]
    shot(page, "admin-users-as-manager")
