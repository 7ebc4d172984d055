"""Webhook deliveries against local receivers: the json signature checked with the docs'
snippet, the WeCom and DingTalk robots' formats and DingTalk's signing, retries with backoff,
and an outbox that is written with its event (issue 16, item 4)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.app import create_app
from server.core.clock import utc_now
from server.core.settings import Settings
from tests.conftest import Api
from tests.support import ok, wait_until
from tests.webhook_receiver import Receiver, dingtalk_ok, docs_verifier

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


@pytest.fixture
def live(settings: Settings) -> Iterator[Api]:
    """The app on the real clock: signatures carry the time, retries wait for it."""
    with TestClient(create_app(settings, clock=utc_now)) as client:
        yield Api(client)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


def webhook(api: Api, url: str, **fields: Any) -> Any:
    body = {"url": url, "events": ["ticket.called"], "branch_id": 1} | fields
    return api.post("/api/v1/webhooks", body, status=201)


def call_one(api: Api, prefix: str = "A") -> Any:
    service = api.service(prefix)["id"]
    counter = api.counter(3, [service])["id"]
    ticket = api.issue(service)
    api.act(counter, "open")
    called = api.act(counter, "call-next")
    return ticket, called


def deliveries(api: Api, webhook_id: int) -> Any:
    return api.get(f"/api/v1/webhooks/{webhook_id}/deliveries")


def test_json_is_signed_as_the_docs_say(live: Api, receiver: Receiver) -> None:
    made = webhook(live, receiver.url)
    ticket, _ = call_one(live)
    got = receiver.wait(1)[0]
    verify = docs_verifier()
    assert verify(made["secret"], got.headers["x-hallq-signature"], got.body)
    assert not verify("another-secret", got.headers["x-hallq-signature"], got.body)
    assert not verify(made["secret"], got.headers["x-hallq-signature"], got.body + b" ")
    body = got.json
    assert set(body) == {"id", "type", "branch_id", "seq", "ts", "data"}
    assert body["type"] == "ticket.called" == got.headers["x-hallq-event"]
    assert str(body["id"]) == got.headers["x-hallq-delivery"]
    assert body["branch_id"] == 1 and body["data"]["number"] == ticket["number"]
    assert body["data"].get("public_id") is None
    log = wait_until(lambda: [d for d in deliveries(live, made["id"]) if d["delivered_at"]],
                     5, "delivered")  # fmt: skip
    assert log[0]["attempts"] == 1 and log[0]["last_status"] == 200
    assert log[0]["next_attempt_at"] is None and log[0]["id"] == body["id"]


def test_wecom_markdown_in_the_halls_locale(live: Api, receiver: Receiver) -> None:
    webhook(live, receiver.url + "?key=robot-key", format="wecom")
    ticket, _ = call_one(live)
    got = receiver.wait(1)[0]
    assert got.query == {"key": ["robot-key"]}
    assert got.json["msgtype"] == "markdown" and set(got.json) == {"msgtype", "markdown"}
    content = got.json["markdown"]["content"]
    assert f"{ticket['number']} 请到 3 号窗口" in content  # the demo hall speaks zh-CN
    assert len(content.encode()) <= 4096


def test_dingtalk_markdown_signed_as_dingtalk_checks_it(live: Api, receiver: Receiver) -> None:
    secret = "SEC0123456789abcdef"
    ok(live.client.patch("/api/v1/branches/1", json={"locale": "en"}, headers=live.admin))
    webhook(live, receiver.url + "?access_token=t0k", format="dingtalk", secret=secret)
    ticket, _ = call_one(live)
    got = receiver.wait(1)[0]
    assert got.query["access_token"] == ["t0k"]
    assert dingtalk_ok(secret, got.query["timestamp"][0], got.query["sign"][0],
                       int(time.time() * 1000))  # fmt: skip
    assert not dingtalk_ok("SECother", got.query["timestamp"][0], got.query["sign"][0],
                           int(time.time() * 1000))  # fmt: skip
    markdown = got.json["markdown"]
    assert got.json["msgtype"] == "markdown" and set(markdown) == {"title", "text"}
    assert live.get("/api/v1/branches/1")["locale"] == "en"
    assert f"{ticket['number']}, please go to counter 3" in markdown["text"]
    assert markdown["title"].endswith("Ticket called")


def test_a_robot_that_refuses_is_retried(live: Api, receiver: Receiver) -> None:
    receiver.answer = b'{"errcode":310000,"errmsg":"sign not match"}'
    made = webhook(live, receiver.url, format="wecom")
    ok(live.client.post(f"/api/v1/webhooks/{made['id']}/test", headers=live.admin), 202)
    receiver.wait(1)
    log = wait_until(lambda: [d for d in deliveries(live, made["id"]) if d["attempts"]], 5, "log")
    assert log[0]["delivered_at"] is None and log[0]["last_status"] == 200
    assert "310000" in log[0]["last_error"] and log[0]["next_attempt_at"]


def test_retried_with_backoff_until_it_succeeds(live: Api, receiver: Receiver) -> None:
    receiver.fail_first = 2
    made = webhook(live, receiver.url)
    call_one(live)
    got = receiver.wait(3, timeout=20)
    gaps = [b.at - a.at for a, b in itertools.pairwise(got)]
    assert 1.0 < gaps[0] < 5.0, gaps  # the first retry within 5 s
    assert gaps[1] > 3.0, gaps  # then backing off: 4 s ± 20 % (the shape: test_webhooks_domain)
    assert len({r.headers["x-hallq-delivery"] for r in got}) == 1  # one delivery id throughout
    log = wait_until(lambda: [d for d in deliveries(live, made["id"]) if d["delivered_at"]],
                     5, "delivered")  # fmt: skip
    assert log[0]["attempts"] == 3 and log[0]["last_status"] == 200
    time.sleep(1.5)
    assert len(receiver.requests) == 3  # answered 2xx: never called again


def test_the_test_button_sends_a_test_message(live: Api, receiver: Receiver) -> None:
    made = webhook(live, receiver.url, events=["ticket.issued"])
    ok(live.client.post(f"/api/v1/webhooks/{made['id']}/test", headers=live.admin), 202)
    got = receiver.wait(1)[0]
    assert got.json["type"] == "webhook.test" and got.json["data"] == {"test": True}
    assert docs_verifier()(made["secret"], got.headers["x-hallq-signature"], got.body)


def test_an_inactive_or_deleted_webhook_gets_nothing(live: Api, receiver: Receiver) -> None:
    made = webhook(live, receiver.url, events=["ticket.issued"])
    live.client.patch(f"/api/v1/webhooks/{made['id']}", json={"active": False},
                      headers=live.admin)  # fmt: skip
    service = live.service("A")["id"]
    live.issue(service)
    live.client.patch(f"/api/v1/webhooks/{made['id']}", json={"active": True},
                      headers=live.admin)  # fmt: skip
    live.issue(service)
    assert len(receiver.wait(1)) == 1
    time.sleep(1.5)
    assert len(receiver.requests) == 1


def test_switching_a_webhook_off_stops_its_pending_deliveries(live: Api) -> None:
    made = webhook(live, "http://127.0.0.1:9/refused", events=["ticket.issued"])
    live.issue(live.service("A")["id"])
    url = f"/api/v1/webhooks/{made['id']}"
    wait_until(lambda: [d for d in deliveries(live, made["id"]) if d["attempts"]], 5, "a try")
    ok(live.client.patch(url, json={"active": False}, headers=live.admin))
    [stopped] = deliveries(live, made["id"])
    assert stopped["next_attempt_at"] is None and stopped["delivered_at"] is None
    assert stopped["last_error"] == "the webhook was switched off"


def test_a_hanging_receiver_takes_no_turn_of_the_writer(
    live: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a hanging receiver holds all its slots, the events committed for it meanwhile wake
    the dispatcher, which finds nothing it may claim by a read: issuing shares the writer with
    nobody."""
    from server.webhooks import dispatcher

    hanging = Receiver(sleep_s=4.0)
    try:
        webhook(live, hanging.url, events=["ticket.issued"])
        service = live.service("A")["id"]
        for _ in range(dispatcher.PER_WEBHOOK):
            live.issue(service)
        hanging.wait(dispatcher.PER_WEBHOOK)
        turns: list[object] = []
        reads: list[bool] = []
        real_write, real_read = dispatcher.write, dispatcher.Dispatcher._any_due

        def counted(ctx: Any, job: Any) -> Any:
            turns.append(job)
            return real_write(ctx, job)

        def read(self: dispatcher.Dispatcher, busy: list[int]) -> bool:
            reads.append(found := real_read(self, busy))
            return found

        monkeypatch.setattr(dispatcher, "write", counted)
        monkeypatch.setattr(dispatcher.Dispatcher, "_any_due", read)
        live.issue(service)  # a pass that reads has begun: the one that claimed has ended
        wait_until(lambda: reads, 10, "a pass after the claiming one")
        turns.clear()
        reads.clear()
        for _ in range(5):
            live.issue(service)
        # the dispatcher was woken and looked: by a read, which found nothing it may claim
        wait_until(lambda: len(reads) >= 2, 10, "the dispatcher's passes")
        assert turns == [] and not any(reads)
        assert len(hanging.requests) == dispatcher.PER_WEBHOOK
    finally:
        hanging.close()
