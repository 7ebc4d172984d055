"""The Webhooks tab of /admin in Chromium: create one (its secret shown once), send a test
message to a local receiver, see it in the delivery log, edit and delete; in three languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import expect, shot
from tests.support import LiveServer, Remote
from tests.test_admin_page import WAIT_MS, sign_in
from tests.webhook_receiver import Receiver, docs_verifier

pytestmark = pytest.mark.browser

LABELS = {"zh-CN": ("网络钩子", "发送测试"), "zh-TW": ("網路鉤子", "傳送測試"),
          "en": ("Webhooks", "Send test")}  # fmt: skip


@pytest.mark.parametrize("lang", ["zh-CN", "zh-TW", "en"])
def test_the_webhooks_tab(page: Any, server: LiveServer, remote: Remote, lang: str) -> None:
    receiver = Receiver()
    try:
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, server, view="webhooks", lang=lang)
        tab, send_test = LABELS[lang]
        expect(page.locator('#tabs [data-view="webhooks"]')).to_have_text(tab)
        page.fill("#wh-add input[name=url]", receiver.url)
        page.check('#wh-add input[value="ticket.issued"]')
        page.click("#wh-add button[type=submit]")
        secret = page.locator("#wh-secret code")
        expect(secret).to_contain_text("whsec_", timeout=WAIT_MS)
        shown = secret.inner_text()
        shot(page, f"admin-webhooks-secret-{lang}")
        made = [w for w in remote.get("/api/v1/webhooks") if w["url"] == receiver.url][-1]
        row = page.locator(f'#wh-table tr[data-webhook-id="{made["id"]}"]')
        expect(row).to_contain_text("ticket.issued, ticket.called")
        row.get_by_role("button", name=send_test).click()
        got = receiver.wait(1)[0]
        assert docs_verifier()(shown, got.headers["x-hallq-signature"], got.body)
        log = page.locator("#wh-log tbody tr").first
        expect(log).to_contain_text("webhook.test", timeout=WAIT_MS)
        page.locator("#wh-log button").click()  # refresh: delivered
        expect(log).to_contain_text("200", timeout=WAIT_MS)
        expect(page.locator("#wh-secret")).to_have_count(0)  # shown once: gone on the next view
        shot(page, f"admin-webhooks-{lang}")
        row.locator("button").first.click()  # edit
        page.uncheck('#wh-edit input[name="active"]')
        page.click("#wh-edit button[type=submit]")
        expect(row).to_have_class("muted", timeout=WAIT_MS)
        row.locator("button").last.click()  # delete (the dialog is accepted)
        expect(row).to_have_count(0, timeout=WAIT_MS)
    finally:
        receiver.close()
