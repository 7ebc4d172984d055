"""Webhooks' pure rules: targets, backoff, formats and signatures, sealed secrets."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import pytest

from server.core.events import event_types
from server.core.logs import redact
from server.webhooks import domain
from server.webhooks.sealing import Sealer, Unsealable
from server.webhooks.texts import TITLES, message
from tests.support import ROOT
from tests.webhook_receiver import dingtalk_ok, docs_verifier

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


def delivery(format_: str, secret: str = "s3cret-s3cret", locale: str = "zh-CN") -> domain.Delivery:
    data = {"number": "A012", "counter": {"id": 7, "number": 3, "name": "3"}}
    return domain.Delivery(41, 2, "http://10.0.0.5/hook?key=k", format_, secret, 1, 17,
                           "ticket.called", NOW.isoformat(), data, locale, "东区大厅")  # fmt: skip


WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/h", "https://10.1.2.3:8443/x?y=1", "http://[::1]/", WECOM]
)
def test_http_and_https_receivers_on_any_address(url: str) -> None:
    assert domain.check_url(url) == url


@pytest.mark.parametrize("url", ["ftp://h/", "file:///etc/passwd", "http://", "//h/x", "h",
                                 "http://u:p@h/", "http://h:x/", "http://h/a b"])  # fmt: skip
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(domain.BadTarget):
        domain.check_url(url)


def test_the_allow_list() -> None:
    allow = "10.0.0.0/8, qyapi.weixin.qq.com,*.dingtalk.com,::1"
    assert domain.allowed("10.9.8.7", allow) and domain.allowed("[::1]", allow)
    assert domain.allowed("qyapi.weixin.qq.com", allow) and domain.allowed(
        "oapi.dingtalk.com", allow
    )
    assert not domain.allowed("192.168.1.1", allow) and not domain.allowed(
        "evil-dingtalk.com", allow
    )
    assert not domain.allowed("10.evil.com", allow)


def test_backoff_first_retry_within_5_s_then_doubling_to_an_hour_for_24_hours() -> None:
    assert domain.retry_delay(1, 0.0) >= 1.6 and domain.retry_delay(1, 1.0) <= 2.5
    assert [domain.retry_delay(n, 0.5) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert domain.retry_delay(30, 0.5) == 3600.0
    assert domain.next_attempt(NOW, NOW + timedelta(hours=1), 3) is not None
    assert domain.next_attempt(NOW, NOW + timedelta(hours=24), 3) is None


def test_json_body_headers_and_signature() -> None:
    out = domain.request(delivery("json"), NOW)
    body = json.loads(out.body)
    assert body == {"id": 41, "type": "ticket.called", "branch_id": 1, "seq": 17,
                    "ts": NOW.isoformat(), "data": delivery("json").data}  # fmt: skip
    assert (
        out.headers["X-Hallq-Event"] == "ticket.called" and out.headers["X-Hallq-Delivery"] == "41"
    )
    t = int(NOW.timestamp())
    assert out.headers["X-Hallq-Signature"].startswith(f"t={t},v1=")
    assert domain.json_signature("s3cret-s3cret", t, out.body) == out.headers["X-Hallq-Signature"]


def test_the_docs_snippet_checks_the_time_too() -> None:
    verify = docs_verifier()
    out = domain.request(delivery("json"), NOW)  # signed long ago (a replay)
    assert not verify("s3cret-s3cret", out.headers["X-Hallq-Signature"], out.body)
    assert not verify("s3cret-s3cret", "garbage", out.body)


def test_wecom_and_dingtalk_markdown() -> None:
    wecom = json.loads(domain.request(delivery("wecom"), NOW).body)
    assert wecom["msgtype"] == "markdown" and "A012 请到 3 号窗口" in wecom["markdown"]["content"]
    ding = domain.request(delivery("dingtalk", locale="zh-TW"), NOW)
    body = json.loads(ding.body)
    assert body["markdown"]["title"] == "东区大厅 · 叫號"
    assert "A012 請到 3 號窗口" in body["markdown"]["text"]
    query = dict(p.split("=", 1) for p in ding.url.split("?", 1)[1].split("&"))
    assert query["key"] == "k" and query["timestamp"] == str(int(NOW.timestamp() * 1000))
    assert dingtalk_ok("s3cret-s3cret", query["timestamp"], unquote_plus(query["sign"]),
                       int(NOW.timestamp() * 1000))  # fmt: skip
    assert "s3cret" not in redact(ding.url) and "sign=[redacted]" in redact(ding.url)
    unsigned = domain.request(delivery("dingtalk", secret=""), NOW)
    assert "sign=" not in unsigned.url


def test_texts_in_every_locale() -> None:
    data = {"number": "A012", "counter": {"number": 3}}
    assert message("ticket.called", data, "en") == ("Ticket called", "A012, please go to counter 3")
    assert message("ticket.called", data, "xx")[1] == "A012 请到 3 号窗口"
    assert message("x.unknown", {}, "en") == ("x.unknown", "")
    alert = {"kind": "queue_long", "detail": {"service": "A", "waiting": 17}}
    assert message("alert.raised", alert, "zh-CN") == (
        "告警",
        "排队过长，请加开窗口 · service: A, waiting: 17",
    )


def test_every_event_type_has_a_title_and_a_box_on_the_page() -> None:
    """The page's list and the robots' titles follow the registry (a new domain's events)."""
    import server.app  # noqa: F401  (the assembly registers every domain's events)

    types = event_types()
    page = (ROOT / "server/web/static/admin/webhooks.js").read_text(encoding="utf-8")
    listed = set(
        re.findall(r'"([a-z_]+\.[a-z_]+)"', page.split("const EVENTS = [")[1].split("];")[0])
    )
    assert listed == types
    for type_ in types:
        assert set(TITLES.get(type_, {})) == {"zh-CN", "zh-TW", "en"}, type_


def test_robots_errcode() -> None:
    assert domain.robot_refused("wecom", b'{"errcode":0,"errmsg":"ok"}') is None
    assert "93000" in (domain.robot_refused("dingtalk", b'{"errcode":93000,"errmsg":"x"}') or "")
    assert domain.robot_refused("json", b'{"errcode":1}') is None


def test_sealed_secrets_open_only_with_their_key() -> None:
    sealer = Sealer("key-1")
    sealed = sealer.seal("whsec_abc")
    assert "whsec_abc" not in sealed and sealed != sealer.seal("whsec_abc")  # a fresh nonce
    assert sealer.open(sealed) == "whsec_abc" and sealer.open(sealer.seal("")) == ""
    with pytest.raises(Unsealable):
        Sealer("key-2").open(sealed)
    raw = bytearray(base64.urlsafe_b64decode(sealed[3:]))
    for at in (0, 20, len(raw) - 1):  # the nonce, the secret, the tag
        changed = bytearray(raw)
        changed[at] ^= 1
        with pytest.raises(Unsealable):
            sealer.open("s1:" + base64.urlsafe_b64encode(bytes(changed)).decode())
    with pytest.raises(Unsealable):
        sealer.open("plain")
