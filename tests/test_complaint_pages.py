"""The complaint form of the mobile ticket page, and the Complaints and Follow-ups tabs of
/admin, in Debian's chromium against a LiveServer, in the three languages. What customers and
staff write is shown as text: markup in it never runs or renders."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.browser import expect, shot
from tests.support import LiveServer, Remote
from tests.test_admin_page import WAIT_MS, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> 排队太久'
LANGS = ["zh-CN", "zh-TW", "en"]
WORDS = {
    "zh-CN": {"open": "投诉 / 建议", "done": "已收到您的意见", "tab": "投诉", "fu": "回访台账",
              "overdue": "逾期", "low": "低分评价"},
    "zh-TW": {"open": "投訴 / 建議", "done": "已收到您的意見", "tab": "投訴", "fu": "回訪台帳",
              "overdue": "逾期", "low": "低分評價"},
    "en": {"open": "Complaint or suggestion", "done": "Thank you, we received it",
           "tab": "Complaints", "fu": "Follow-ups", "overdue": "Overdue", "low": "Low rating"},
}  # fmt: skip


@pytest.fixture(scope="module")
def hall(remote: Remote) -> dict[str, Any]:
    """Three tickets served at counter 1; the first rated 1 (a follow-up task)."""
    service = remote.service("K")
    counter = remote.counter(1, [service["id"]])
    remote.post(f"/api/v1/counters/{counter['id']}/open")
    served = []
    for _ in range(3):
        ticket = remote.post("/api/v1/tickets", {"service_id": service["id"]}, status=201)
        remote.post(f"/api/v1/counters/{counter['id']}/call", {"ticket_id": ticket["id"]})
        remote.post(f"/api/v1/counters/{counter['id']}/complete")
        served.append(ticket)
    r = httpx.post(f"{remote.url}/api/v1/public/tickets/{served[0]['public_id']}/rating",
                   json={"score": 1, "comment": "<b>慢</b>"})  # fmt: skip
    assert r.status_code == 200, r.text
    body = {"branch_id": 1, "category": "efficiency", "channel": "phone", "text": XSS,
            "ticket_id": served[1]["id"]}  # fmt: skip
    remote.post("/api/v1/complaints", body, status=201)
    return {"tickets": served}


@pytest.mark.parametrize("lang", LANGS)
def test_the_customer_sends_a_complaint_from_the_ticket_page(
    browser: Any, server: LiveServer, remote: Remote, hall: dict[str, Any], lang: str
) -> None:
    ticket = hall["tickets"][2]
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('hallq.mobile.locale', '{lang}');")
    page.goto(f"{server.url}/t/{ticket['public_id']}")
    expect(page.locator("#complaint-open")).to_have_text(WORDS[lang]["open"], timeout=WAIT_MS)
    page.locator("#complaint-open").click()
    page.select_option("#complaint-category", "efficiency")
    page.fill("#complaint-text", f"{lang}: {XSS}")
    page.fill("#complaint-contact", "12")
    page.locator("#complaint-send").click()
    expect(page.locator("#complaint-error")).not_to_be_empty(timeout=WAIT_MS)  # a bad contact
    page.fill("#complaint-contact", "138 0000 0000")
    expect(page.locator("#complaint-error")).to_be_empty()
    page.locator("#complaint-text").scroll_into_view_if_needed()
    shot(page, f"mobile-complaint-form-{lang}")
    page.locator("#complaint-send").click()
    expect(page.locator("#complaint-done")).to_contain_text(WORDS[lang]["done"], timeout=WAIT_MS)
    assert page.locator("#complaint-form").is_hidden()
    page.locator("#complaint-done").scroll_into_view_if_needed()
    shot(page, f"mobile-complaint-sent-{lang}")
    stored = [c for c in remote.get("/api/v1/complaints") if c["text"].startswith(f"{lang}: ")]
    assert [(c["text"], c["contact"], c["channel"]) for c in stored] == [
        (f"{lang}: {XSS}", "138 0000 0000", "mobile")
    ]
    assert page.evaluate("window.__xss") is None
    context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_complaints_tab_lists_filters_and_shows_markup_as_text(
    page: Any, server: LiveServer, hall: dict[str, Any], lang: str
) -> None:
    def first_overdue(route: Any) -> None:  # the server's flag (tested with a clock elsewhere)
        rows = route.fetch().json()
        if rows:
            rows[-1]["overdue"] = True
        route.fulfill(json=rows)

    page.route("**/api/v1/complaints?**", first_overdue)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, server, view="complaints", lang=lang)
    expect(page.locator('#tabs [data-view="complaints"]')).to_have_text(WORDS[lang]["tab"])
    row = page.locator("#complaints-table tbody tr", has_text="排队太久").last
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.locator("td.text")).to_have_text(XSS)
    expect(row.locator(".flag")).to_have_text(WORDS[lang]["overdue"])
    expect(row).to_have_class(re.compile(r"\bover\b"))
    assert page.locator("#complaints-table img, #complaints-table script").count() == 0
    row.click()
    expect(page.locator("#complaint-full-text")).to_have_text(XSS, timeout=WAIT_MS)
    assert page.locator("#complaint-detail img").count() == 0
    shot(page, f"admin-complaints-{lang}")
    page.select_option("#complaints-category", "attitude")
    page.locator("#complaints-form button[type=submit]").click()
    expect(page.locator("#complaints-table tbody")).not_to_contain_text("排队太久", timeout=WAIT_MS)
    assert page.evaluate("window.__xss") is None


def test_a_manager_records_assigns_and_resolves_a_complaint_and_reads_its_history(
    page: Any, server: LiveServer, remote: Remote, hall: dict[str, Any]
) -> None:
    remote.user("deskclerk")
    page.set_viewport_size({"width": 1440, "height": 1000})
    sign_in(page, server, view="complaints", lang="en")
    page.locator("#complaint-new").click()
    page.fill("#entry-ticket", str(hall["tickets"][0]["id"]))
    page.select_option("#entry-channel", "phone")
    page.select_option("#entry-category", "attitude")
    page.fill("#entry-text", "Caller says the clerk was rude")
    page.locator("#complaint-entry button[type=submit]").click()
    row = page.locator("#complaints-table tbody tr", has_text="Caller says")
    expect(row).to_be_visible(timeout=WAIT_MS)
    row.click()
    page.select_option("#assign-to", label="deskclerk")
    page.locator("#assign-btn").click()
    expect(page.locator("#complaint-detail h2").first).to_contain_text("Assigned", timeout=WAIT_MS)
    page.locator("#resolve-btn").click()  # no resolution yet: refused on the page
    expect(page.locator("#complaints-msg")).to_have_text("Please write the resolution")
    page.fill("#resolution-text", "Apologised by phone; <i>coached</i> the clerk")
    page.check("#resolution-upheld")
    page.locator("#resolve-btn").click()
    history = page.locator("#complaint-history tbody tr")
    expect(history).to_have_count(3, timeout=WAIT_MS)
    expect(history.nth(2)).to_contain_text("Apologised by phone; <i>coached</i> the clerk")
    expect(page.locator("#complaint-detail")).to_contain_text("Upheld")
    assert page.locator("#resolve-btn").count() == 0  # final: no more actions
    shot(page, "admin-complaint-resolved-en")
    overdue = page.locator("#complaints-overdue")
    overdue.check()
    page.locator("#complaints-form button[type=submit]").click()
    expect(page.locator("#complaints-table tbody")).not_to_contain_text("Caller says",
                                                                      timeout=WAIT_MS)  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_the_follow_ups_tab_shows_the_ledger_and_records_a_call(
    page: Any, server: LiveServer, remote: Remote, hall: dict[str, Any], lang: str
) -> None:
    remote.post("/api/v1/follow-ups", {"branch_id": 1, "note": f"{lang} <b>回电</b>"}, status=201)
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in(page, server, view="followups", lang=lang)
    expect(page.locator('#tabs [data-view="followups"]')).to_have_text(WORDS[lang]["fu"])
    low = page.locator("#followups-table tbody tr", has_text=WORDS[lang]["low"]).first
    expect(low).to_be_visible(timeout=WAIT_MS)
    mine = page.locator("#followups-table tbody tr", has_text=f"{lang} <b>回电</b>")
    expect(mine).to_be_visible()
    assert page.locator("#followups-table b").count() == 0
    task_id = mine.get_attribute("data-id")
    mine.locator("button").click()
    page.fill(f"#fu-result-{task_id}", "已回电 <script>x</script>")
    page.select_option(f"#fu-satisfied-{task_id}", "true")
    shot(page, f"admin-followups-{lang}")
    page.locator(f"#fu-save-{task_id}").click()
    task_row = page.locator(f'#followups-table tr[data-id="{task_id}"]')
    expect(task_row).to_have_count(0, timeout=WAIT_MS)
    done = [t for t in remote.get("/api/v1/follow-ups", state="done") if t["id"] == int(task_id)]
    assert done[0]["result"] == "已回电 <script>x</script>" and done[0]["satisfied"] is True
    page.select_option("#followups-state", "done")
    page.locator("#followups-form button[type=submit]").click()
    expect(page.locator(f'#followups-table tr[data-id="{task_id}"]')).to_contain_text(
        "已回电 <script>x</script>", timeout=WAIT_MS
    )
    with page.expect_download() as download:
        page.locator("#dl-followups-csv").click()
    assert download.value.suggested_filename == "hallq-follow-ups-branch1.csv"


def test_the_hall_settings_set_the_complaint_and_follow_up_deadlines(
    page: Any, server: LiveServer, remote: Remote, hall: dict[str, Any]
) -> None:
    sign_in(page, server, view="config", lang="zh-TW")
    page.click('#config-tabs [data-sub="branch"]')
    field = page.locator('#config-body input[name="complaint_reply_hours"]')
    expect(field).to_have_value("48", timeout=WAIT_MS)
    label = page.locator('#config-body label:has(input[name="complaint_reply_hours"])')
    expect(label).to_contain_text("投訴答覆期限（小時）")
    field.fill("24")
    page.locator('#config-body input[name="follow_up_due_hours"]').fill("96")
    page.locator("#config-body form button[type=submit]").click()
    expect(page.locator("#config-msg")).not_to_be_empty(timeout=WAIT_MS)
    settings = remote.get("/api/v1/branches/1")["settings"]
    assert (settings["complaint_reply_hours"], settings["follow_up_due_hours"]) == (24, 96)
