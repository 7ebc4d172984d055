"""The Audit tab says, on every row, which ticket, where a transfer went and who acted: a print
row its number, a transfer its target, a rating the customer (issue 13, item 22). A refused
export tells the manager when to try again (item 6)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import expect, shot
from tests.support import LiveServer, Remote
from tests.test_admin_page import WAIT_MS, sign_in

pytestmark = pytest.mark.browser

LABELS = {
    "zh-CN": {"customer": "顾客", "transfer": "转移", "to": "1号窗口 → 业务Q",
              "print": "打印失败", "rated": "评价"},
    "en": {"customer": "Customer", "transfer": "Transferred", "to": "Counter 1 → Service Q",
           "print": "Print failed", "rated": "Rated"},
}  # fmt: skip


@pytest.fixture(scope="module")
def day(remote: Remote) -> dict[str, Any]:
    """A printed-and-failed kiosk ticket, a transfer to another queue and a customer's rating."""
    p, q = remote.service("P"), remote.service("Q")
    counter = remote.counter(1, [p["id"], q["id"]])
    remote.post(f"/api/v1/counters/{counter['id']}/open")
    kiosk_id, kiosk_token = remote.device("kiosk")
    kiosk = {"Authorization": f"Bearer {kiosk_token}"}
    printed = remote.post("/api/v1/tickets", {"service_id": p["id"], "kiosk_id": kiosk_id}, kiosk,
                          status=201)  # fmt: skip
    (job,) = remote.get("/api/v1/print-jobs", kiosk, state="pending")
    remote.post(f"/api/v1/print-jobs/{job['id']}/result", {"ok": False, "error": "paper"}, kiosk)
    remote.post(f"/api/v1/counters/{counter['id']}/call", {"ticket_id": printed["id"]})
    remote.post(f"/api/v1/counters/{counter['id']}/transfer", {"service_id": q["id"]})
    rated = remote.post("/api/v1/tickets", {"service_id": p["id"]}, status=201)
    remote.post(f"/api/v1/counters/{counter['id']}/call", {"ticket_id": rated["id"]})
    remote.post(f"/api/v1/counters/{counter['id']}/complete")
    r = httpx.post(f"{remote.url}/api/v1/public/tickets/{rated['public_id']}/rating",
                   json={"score": 5})  # fmt: skip
    assert r.status_code == 200, r.text
    return {"printed": printed, "rated": rated}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_audit_rows_say_which_ticket_where_to_and_who(
    page: Any, server: LiveServer, day: dict[str, Any], lang: str
) -> None:
    words = LABELS[lang]
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, server, view="audit", lang=lang)
    rows = page.locator("#audit-table tbody tr")
    printed = day["printed"]["number"]
    print_row = page.locator('#audit-table tr[data-type="print.failed"]')
    expect(print_row).to_contain_text(words["print"], timeout=WAIT_MS)
    expect(print_row.locator("td").nth(3)).to_have_text(printed)
    moved = page.locator('#audit-table tr[data-type="ticket.transferred"]')
    expect(moved.locator("td").nth(4)).to_have_text(words["to"])
    expect(moved.locator("td").nth(3)).to_have_text(printed)
    rated = page.locator('#audit-table tr[data-type="ticket.rated"]')
    expect(rated.locator("td").nth(1)).to_have_text(words["customer"])
    expect(rated.locator("td").nth(3)).to_have_text(day["rated"]["number"])
    expect(rated.locator("td").nth(2)).to_have_text(words["rated"])
    assert rows.count() >= 10
    shot(page, f"admin-audit-{lang}")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_refused_export_says_when_to_try_again(page: Any, server: LiveServer, lang: str) -> None:
    def busy(route: Any) -> None:  # what the server answers beyond HALLQ_MAX_EXPORTS
        body = '{"error": "rate_limited", "detail": "2 exports are already running"}'
        route.fulfill(status=429, body=body, content_type="application/json",
                      headers={"Retry-After": "5"})  # fmt: skip

    page.route("**/api/v1/stats/export?**", busy)
    sign_in(page, server, view="stats", lang=lang)
    page.click("#dl-tickets-xlsx")
    expected = {"zh-CN": "其他导出正在进行，请 5 秒后再试。",
                "en": "Other exports are running; try again in 5 seconds."}  # fmt: skip
    expect(page.locator("#stats-error")).to_have_text(expected[lang], timeout=WAIT_MS)
    shot(page, f"admin-export-busy-{lang}")


TRAIL = {
    "zh-CN": {"kind": "业务", "changed": "业务变更"},
    "zh-TW": {"kind": "業務", "changed": "業務變更"},
    "en": {"kind": "Services", "changed": "Service changed"},
}


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
def test_the_trail_filters_by_kind_actor_and_subject_and_exports(
    page: Any, server: LiveServer, remote: Remote, day: dict[str, Any], lang: str
) -> None:
    words = TRAIL[lang]
    service = remote.service({"zh-CN": "TC", "zh-TW": "TW", "en": "TE"}[lang])
    r = remote.client.patch(f"/api/v1/services/{service['id']}", json={"target_wait_min": 33},
                            headers=remote.admin)  # fmt: skip
    assert r.status_code == 200, r.text
    page.set_viewport_size({"width": 1400, "height": 800})
    sign_in(page, server, view="audit", lang=lang)
    page.select_option("#audit-kind", label=words["kind"])
    page.fill("#audit-actor", "admin")
    page.fill("#audit-subject", f"service:{service['id']}")
    page.click("#audit-form button[type=submit]")
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(2, timeout=WAIT_MS)  # created, then changed
    changed = page.locator('#audit-table tr[data-type="service.updated"]')
    expect(changed.locator("td").nth(2)).to_have_text(words["changed"])
    expect(changed.locator("td").nth(5)).to_contain_text("target_wait_min")
    expect(changed.locator("td").nth(5)).to_contain_text("→ 33")
    expect(changed.locator("td").nth(6)).to_have_attribute("title", re.compile("^[0-9a-f]{64}$"))
    with page.expect_download() as done:
        page.click("#audit-csv")
    text = Path(done.value.path()).read_text(encoding="utf-8-sig")
    assert text.count("\n") == 3 and "service.updated" in text, text
    shot(page, f"admin-audit-trail-{lang}")
