"""The Ratings and Appraisal tabs, the counter page's service timer against the limit (amber at
80 %, red past it) and the monitor's over-limit mark, in a real browser, in three languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.browser import expect, shot
from tests.support import LiveServer, Remote, backdate
from tests.test_admin_page import WAIT_MS
from tests.test_admin_page import sign_in as manager_sign_in
from tests.test_counter_page import sign_in as clerk_sign_in

pytestmark = pytest.mark.browser
EVALUATE_ALERTS = True  # the `server` evaluates alerts (conftest.py)
LANGS = ["zh-CN", "zh-TW", "en"]
COMMENT = "<b>排队太久</b> =1+2"
WORDS = {
    "zh-CN": {"low": "仅差评", "near": "将超时", "over": "已超时", "served": "办结"},
    "zh-TW": {"low": "僅差評", "near": "將超時", "over": "已超時", "served": "辦結"},
    "en": {
        "low": "Low only",
        "near": "near the limit",
        "over": "over the limit",
        "served": "Served",
    },
}


@pytest.fixture(scope="module")
def day(remote: Remote) -> dict[str, Any]:
    """Service R with a 1-minute limit; clerks qa and qb serve and are rated 1, 4 and 5."""
    service = remote.service("R", max_service_min=1)
    counters = [remote.counter(n, [service["id"]]) for n in (21, 22)]
    clerks = [remote.user(name) for name in ("qa", "qb")]
    tickets = []
    for i, (score, comment) in enumerate(((1, COMMENT), (4, "很好"), (5, None))):
        clerk, counter = clerks[i % 2], counters[i % 2]
        if i < 2:
            remote.post(f"/api/v1/counters/{counter['id']}/open", headers=clerk)
        ticket = remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
        remote.post(f"/api/v1/counters/{counter['id']}/call", {"ticket_id": ticket["id"]}, clerk)
        remote.post(f"/api/v1/counters/{counter['id']}/complete", headers=clerk)
        body = {"score": score} | ({"comment": comment} if comment else {})
        r = httpx.post(
            f"{remote.url}/api/v1/public/tickets/{ticket['public_id']}/rating", json=body
        )
        assert r.status_code == 200, r.text
        tickets.append(ticket)
    return {"service": service, "counters": counters, "tickets": tickets}


@pytest.mark.parametrize("lang", LANGS)
def test_the_ratings_tab_shows_comments_as_text_and_finds_low_scores(
    page: Any, server: LiveServer, day: dict[str, Any], lang: str
) -> None:
    page.set_viewport_size({"width": 1400, "height": 800})
    manager_sign_in(page, server, view="ratings", lang=lang)
    rows = page.locator("#ratings-table tbody tr")
    expect(rows).to_have_count(3, timeout=WAIT_MS)
    low = page.locator("#ratings-table tr.low")
    expect(low).to_have_count(1)
    expect(low.locator("td.comment")).to_have_text(COMMENT)  # shown as text, not as markup
    assert page.locator("#ratings-table td.comment b").count() == 0
    shot(page, f"admin-ratings-{lang}")
    page.select_option("#ratings-score", "2")
    page.click("#ratings-form button[type=submit]")
    expect(rows).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#ratings-score option:checked")).to_contain_text(WORDS[lang]["low"])


@pytest.mark.parametrize("lang", LANGS)
def test_the_appraisal_tab_sorts_and_explains_its_figures(
    page: Any, server: LiveServer, day: dict[str, Any], lang: str
) -> None:
    page.set_viewport_size({"width": 1600, "height": 800})
    manager_sign_in(page, server, view="appraisal", lang=lang)
    table = page.locator("#appraisal-table")
    expect(table.locator('tr[data-clerk="qa"]')).to_be_visible(timeout=WAIT_MS)
    expect(table.locator("thead")).to_contain_text(WORDS[lang]["served"])
    assert table.locator('tr[data-clerk="qa"] svg.cellbar').count() == 17
    expect(page.locator('p[data-i18n="appraisalRules"]')).not_to_be_empty()
    table.locator('th[data-sort="a_low"]').click()  # the most low ratings first
    expect(table.locator("tbody tr").first).to_have_attribute("data-clerk", "qa")
    table.locator('th[data-sort="a_low"]').click()
    expect(table.locator("tbody tr").last).to_have_attribute("data-clerk", "qa")
    # the hall's month (Asia/Shanghai), not UTC's: they differ on a month's last day from 16:00
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    expect(page.locator("#appraisal-month")).to_have_value(month)
    shot(page, f"admin-appraisal-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_the_counter_times_the_service_against_its_limit(
    page: Any, server: LiveServer, remote: Remote, day: dict[str, Any], lang: str
) -> None:
    counter = remote.counter(30 + LANGS.index(lang), [day["service"]["id"]])
    clerk = f"qt{LANGS.index(lang)}"
    remote.user(clerk)
    remote.post("/api/v1/tickets", {"service_id": day["service"]["id"]}, status=201)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.clock.install(time=datetime.now(UTC))
    clerk_sign_in(page, server, clerk, counter, lang=lang)
    page.click('[data-action="open"]')
    page.click('[data-action="next"]')
    timer = page.locator("#service-timer")
    expect(timer).to_have_attribute("data-level", "ok", timeout=WAIT_MS)
    page.clock.fast_forward("00:50")  # 50 s of a 60 s limit: past 80 %
    expect(timer).to_have_attribute("data-level", "near", timeout=WAIT_MS)
    expect(timer).to_contain_text(WORDS[lang]["near"])
    page.clock.fast_forward("00:15")
    expect(timer).to_have_attribute("data-level", "over", timeout=WAIT_MS)
    expect(timer).to_contain_text(WORDS[lang]["over"])
    expect(page.locator("#fig-open")).to_be_visible(timeout=WAIT_MS)  # the clerk's own row
    shot(page, f"counter-limit-{lang}")


def test_the_monitor_marks_a_ticket_over_its_limit(
    page: Any, server: LiveServer, remote: Remote, day: dict[str, Any]
) -> None:
    counter = remote.counter(40, [day["service"]["id"]])
    clerk = remote.user("qm")
    remote.post(f"/api/v1/counters/{counter['id']}/open", headers=clerk)
    ticket = remote.post("/api/v1/tickets", {"service_id": day["service"]["id"]}, status=201)
    remote.post(f"/api/v1/counters/{counter['id']}/call", {"ticket_id": ticket["id"]}, clerk)
    remote.post(f"/api/v1/counters/{counter['id']}/start", headers=clerk)
    # the server's alert engine sees a service started 90 s ago (its limit is 1 minute)
    backdate(server, "ticket", ticket["id"], started_at=timedelta(seconds=90))
    page.clock.install(time=datetime.now(UTC))
    manager_sign_in(page, server, view="monitor", lang="en")
    row = page.locator(f'#monitor-counters tr[data-counter-id="{counter["id"]}"]')
    expect(row).to_contain_text(ticket["number"], timeout=WAIT_MS)
    page.clock.fast_forward("01:30")
    expect(row).to_have_class("st-open over", timeout=WAIT_MS)
    expect(row.locator("td.over-limit")).to_contain_text("over limit")
    subject = f'[data-subject="ticket:{ticket["id"]}"]'
    alert = page.locator(f'#alerts [data-kind="service_over_limit"]{subject}')
    expect(alert).to_contain_text(ticket["number"], timeout=WAIT_MS)
    shot(page, "admin-monitor-limit-en")


@pytest.mark.parametrize(("lang", "says"), [("zh-CN", "1（属实 1）"), ("zh-TW", "1（屬實 1）"),
                                            ("en", "1 (1 upheld)")])  # fmt: skip
def test_my_figures_count_the_complaints_against_the_clerk(
    page: Any, server: LiveServer, remote: Remote, day: dict[str, Any], lang: str, says: str
) -> None:
    """qb served the second ticket: a complaint about it, found upheld, is in qb's own row."""
    ticket_id = day["tickets"][1]["id"]
    if not any(c["ticket_id"] == ticket_id for c in remote.get("/api/v1/complaints")):
        body = {"branch_id": 1, "ticket_id": ticket_id, "category": "attitude",
                "text": "态度不好"}  # fmt: skip
        made = remote.post("/api/v1/complaints", body, status=201)
        change = {"state": "resolved", "resolution": "已道歉", "upheld": True}
        answer = remote.client.patch(f"/api/v1/complaints/{made['id']}", json=change,
                                     headers=remote.admin)  # fmt: skip
        assert answer.status_code == 200, answer.text
    page.set_viewport_size({"width": 1400, "height": 900})
    clerk_sign_in(page, server, "qb", day["counters"][1], lang=lang)
    expect(page.locator("#fig-complaints")).to_have_text(says, timeout=WAIT_MS)
    if lang == "en":
        shot(page, "counter-my-figures-en")
