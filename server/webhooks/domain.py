"""Webhooks' pure rules: targets, backoff, and each format's request (body, headers, URL).

No I/O here: the time and the secret are passed in, and the dispatcher sends what `request`
builds. Formats:
- `json`: the contract's body, signed Stripe-style: `X-Hallq-Signature: t=<unix s>,v1=<hex
  HMAC-SHA256(secret, "<t>.<raw body>")>`.
- `wecom`: WeCom (企业微信) group robot markdown: `{"msgtype":"markdown","markdown":{"content"}}`.
- `dingtalk`: DingTalk (钉钉) group robot markdown `{"msgtype":"markdown","markdown":{"title",
  "text"}}`; with a secret the URL gets `timestamp` (ms) and `sign` = urlencoded base64 of
  HMAC-SHA256(secret, "<timestamp>\\n<secret>"), as DingTalk's robot security setting (加签)
  expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlsplit

from server.webhooks.texts import message

FORMATS = ("json", "wecom", "dingtalk")
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 3600.0
GIVE_UP_AFTER = timedelta(hours=24)
TEST_EVENT = "webhook.test"


class BadTarget(ValueError):
    """A URL a webhook may not post to."""


def check_url(url: str, allow: str = "") -> str:
    """The URL, if a webhook may post to it: http or https with a host, and inside the admin's
    `HALLQ_WEBHOOK_ALLOW` list when one is set. Loopback and private addresses are allowed
    (halls run on LANs)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as e:
        raise BadTarget(f"not a URL: {e}") from None
    if parts.scheme not in ("http", "https"):
        raise BadTarget("the URL's scheme must be http or https")
    if not host:
        raise BadTarget("the URL has no host")
    if any(c.isspace() for c in url) or parts.username or parts.password:
        raise BadTarget("the URL may hold no spaces and no user or password")
    if allow.strip() and not allowed(host, allow):
        raise BadTarget(f"{host} is not among the webhook targets the administrator allows")
    return url


def _entries(allow: str) -> list[str]:
    return [e for e in (e.strip().lower() for e in allow.split(",")) if e]


def listed_name(host: str, allow: str) -> bool:
    """Whether the host name is in the list by name (`*.example.com` matches its subdomains)."""
    host = host.lower().strip("[]")
    return any(e == host or (e.startswith("*.") and host.endswith(e[1:])) for e in _entries(allow))


def allowed_address(address: str, allow: str) -> bool:
    """Whether an IP address lies in one of the list's networks."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    for entry in _entries(allow):
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            pass
    return False


def allowed(host: str, allow: str) -> bool:
    """Whether `host` (a name or an address) is in the comma-separated list of networks and
    host names (`*.example.com` matches its subdomains). Names are compared as written: a
    name is not resolved here, so a network entry only admits URLs that give an address
    (the deliveries' client checks again at connect time, resolving names: http.py)."""
    host = host.lower().strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return listed_name(host, allow)
    return allowed_address(host, allow)


def retry_delay(attempts: int, rand: float | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed ones: 2 s, 4 s, 8 s … up to an
    hour, each ±20 % so that receivers coming back are not hit by every sender at once."""
    spread = random.random() if rand is None else rand  # jitter, not a secret
    base = min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), MAX_RETRY_S)
    return float(base * (0.8 + 0.4 * spread))


def next_attempt(created: datetime, now: datetime, attempts: int) -> datetime | None:
    """When to try again after a failed attempt, or None once 24 hours have passed."""
    at = now + timedelta(seconds=retry_delay(attempts))
    return at if at - created <= GIVE_UP_AFTER else None


@dataclass(frozen=True)
class Delivery:
    """What one attempt sends: the delivery, its event and its webhook."""

    id: int
    webhook_id: int
    url: str
    format: str
    secret: str
    branch_id: int
    seq: int
    type: str
    ts: str
    data: dict[str, Any]
    locale: str
    hall: str = ""


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_signature(secret: str, t: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def request(delivery: Delivery, now: datetime) -> Outgoing:
    """The HTTP request of one attempt (signed at `now`: a retry is signed anew)."""
    common = {"Content-Type": "application/json", "X-Hallq-Event": delivery.type,
              "X-Hallq-Delivery": str(delivery.id)}  # fmt: skip
    if delivery.format == "json":
        body = dumps({"id": delivery.id, "type": delivery.type, "branch_id": delivery.branch_id,
                      "seq": delivery.seq, "ts": delivery.ts, "data": delivery.data})  # fmt: skip
        signature = json_signature(delivery.secret, int(now.timestamp()), body)
        return Outgoing(delivery.url, body, common | {"X-Hallq-Signature": signature})
    title, text = message(delivery.type, delivery.data, delivery.locale, delivery.hall)
    if delivery.format == "wecom":
        content = f"**{title}**\n{text}" if text else f"**{title}**"
        body = dumps({"msgtype": "markdown", "markdown": {"content": content[:1300]}})
        return Outgoing(delivery.url, body, common)
    markdown = f"#### {title}\n\n{text}" if text else f"#### {title}"
    body = dumps({"msgtype": "markdown", "markdown": {"title": title, "text": markdown}})
    url = delivery.url
    if delivery.secret:
        ms = int(now.timestamp() * 1000)
        joiner = "&" if urlsplit(url).query else "?"
        url = f"{url}{joiner}timestamp={ms}&sign={dingtalk_sign(delivery.secret, ms)}"
    return Outgoing(url, body, common)


def robot_refused(format_: str, answer: bytes) -> str | None:
    """WeCom and DingTalk answer 200 with `{"errcode": n, "errmsg"}`; n ≠ 0 is a failure."""
    if format_ == "json":
        return None
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError:
        return None
    code = parsed.get("errcode", 0) if isinstance(parsed, dict) else 0
    if code in (0, None):
        return None
    return f"errcode {code}: {str(parsed.get('errmsg', ''))[:120]}"
