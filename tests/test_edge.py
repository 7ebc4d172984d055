"""The HTTP edge (server/core/edge.py): text no database can store is refused as bad input, a
body over the limit is refused before it is read, and every answer carries the security
headers (API.md, "Limits and privacy")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from server.core.edge import API_POLICY, PAGE_POLICY
from tests.conftest import Api
from tests.support import ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]
NUL = "\u0000"
MIB = 1024 * 1024


def refused_as_bad_text(response: Any) -> None:
    body = ok(response, 422)
    assert body["error"] == "validation_error" and "NUL" in body["detail"], body


def test_a_nul_in_a_login_username_is_a_validation_error(api: Api) -> None:
    r = api.client.post("/api/v1/auth/login", json={"username": f"adm{NUL}in", "password": "x"})
    refused_as_bad_text(r)


def test_a_nul_in_a_public_ticket_id_is_a_validation_error(api: Api) -> None:
    refused_as_bad_text(api.client.get("/api/v1/public/tickets/abc%00def"))
    refused_as_bad_text(api.client.post("/api/v1/public/tickets/abc%00/rating", json={"stars": 5}))


def test_a_nul_or_a_lone_surrogate_in_a_pause_reason_is_a_validation_error(api: Api) -> None:
    counter = api.counter(1, [api.service("A")["id"]])["id"]
    api.act(counter, "open")
    for reason in (f"lunch{NUL}", "lunch\ud800"):
        body = json.dumps({"reason": reason})  # ASCII: the characters travel as \u escapes
        r = api.client.post(f"/api/v1/counters/{counter}/pause", content=body,
                            headers=api.admin | {"Content-Type": "application/json"})  # fmt: skip
        refused_as_bad_text(r)
    # Text that only looks like an escape is kept as it is.
    paused = api.act(counter, "pause", {"reason": "C:\\u0000 folder 午休"})["counter"]
    assert paused["pause_reason"] == "C:\\u0000 folder 午休"


def operations(api: Api) -> Iterator[tuple[str, str]]:
    for path, methods in api.client.app.openapi()["paths"].items():
        for method in methods:
            yield method.upper(), path


@pytest.mark.parametrize("bad", [NUL, "\udfff"], ids=["nul", "surrogate"])
def test_no_operation_answers_500_to_unstorable_text_anywhere(api: Api, bad: str) -> None:
    """Every operation of the API, as the admin: in a path parameter, the query or the body."""
    seen = 0
    for method, path in operations(api):
        filled = re.sub(r"\{[^}]+\}", "a%00b" if bad == NUL else "1", path)
        body = json.dumps({"name": f"x{bad}", "reason": bad, "username": bad, "text": [bad]})
        query = {"q": f"x{NUL}"} if bad == NUL else None
        headers = api.admin | {"Content-Type": "application/json"}
        r = api.client.request(method, filled, params=query, headers=headers,
                               content=body if method != "GET" else None)  # fmt: skip
        assert r.status_code != 500, (method, path, r.text)
        if r.status_code == 422 or bad == NUL:
            refused_as_bad_text(r)
        seen += 1
    assert seen > 40


def test_a_body_over_the_limit_is_refused_before_it_is_read(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(4):  # no Content-Length (chunked): counted as it streams
            yield b" " * (MIB // 2)

    for r in (
        api.client.post("/api/v1/auth/login", content=b"{" + b" " * MIB + b"}",
                        headers={"Content-Type": "application/json"}),
        api.client.post("/api/v1/auth/login", content=chunks(),
                        headers={"Content-Type": "application/json"}),
    ):  # fmt: skip
        assert ok(r, 413)["error"] == "too_large" and set(r.json()) == {"error", "detail"}
        assert r.headers["x-content-type-options"] == "nosniff"
    body = {"username": "admin", "password": "wrong"}
    assert api.client.post("/api/v1/auth/login", json=body).status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_answer_carries_the_security_headers(api: Api) -> None:
    for path, policy in (
        ("/api/v1/branches", API_POLICY),
        ("/api/v1/no-such-thing", API_POLICY),
        ("/display", PAGE_POLICY),
        ("/admin", PAGE_POLICY),
        ("/t/abc", PAGE_POLICY),
        ("/static/common/hallq.js", PAGE_POLICY),
    ):
        r = api.client.get(path, headers=api.admin)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["content-security-policy"] == policy, path
        assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in PAGE_POLICY and "unsafe" not in PAGE_POLICY
