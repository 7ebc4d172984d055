"""`GET /api/v1/public/branches/{id}` on SQLite and PostgreSQL: the hall's public information
for anyone — its exact shape, nothing personal in it, 404 for an unknown hall, 422 for a bad
id, and answers kept in memory for a moment (no read of the queue per request)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import Api
from tests.support import Clock, ok
from tests.test_api_tickets import error_of, set_hall_settings

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

CONTRACT = {"name", "timezone", "open_now", "hours_today", "opening_hours", "special_days",
            "cutoff_min", "notice", "services"}  # fmt: skip
SERVICE_CONTRACT = {"id", "code", "name", "open_now", "waiting", "estimated_wait_s",
                    "target_wait_min", "max_service_min", "bookable"}  # fmt: skip
WEEK = {d: [["08:30", "12:00"], ["13:30", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def public(api: Api, branch_id: Any = 1, headers: dict[str, str] | None = None) -> Any:
    return api.client.get(f"/api/v1/public/branches/{branch_id}", headers=headers or {})


def fresh(api: Api) -> None:
    """Forget the answers kept in memory (the test moves faster than their time)."""
    cache = getattr(api.client.app.state, "public_branches", None)
    if cache is not None:
        cache.ttl_s = 0


def test_the_public_information_of_a_hall(api: Api, clock: Clock) -> None:
    a = api.service("A", target_wait_min=20, max_service_min=30)
    api.service("B", active=False)
    counter = api.counter(1, [a["id"]])
    api.act(counter["id"], "open")
    ticket = api.issue(a["id"], channel="reception", note="Ms Wang, 13800138000")
    today = clock().date()
    soon, later = (today + timedelta(days=3)).isoformat(), (today + timedelta(days=40)).isoformat()
    notice = {"zh-CN": "国庆期间调整办公时间", "en": "Hours change over the holiday"}
    set_hall_settings(
        api,
        special_days={
            soon: [],
            later: [["09:00", "12:00"]],
            today.isoformat(): [["00:00", "24:00"]],
        },
        notice=notice,
        cutoff_min=15,
        opening_hours=WEEK,
        holidays=[(today + timedelta(days=5)).isoformat()],
    )
    body = ok(public(api))
    assert set(body) >= CONTRACT
    assert body["name"] == "服务大厅" and body["timezone"] == "Asia/Shanghai"
    assert body["open_now"] is True and body["hours_today"] == [["00:00", "24:00"]]
    assert body["opening_hours"] == WEEK and body["cutoff_min"] == 15
    assert body["special_days"] == {today.isoformat(): [["00:00", "24:00"]], soon: []}
    assert body["notice"] == notice
    assert body["holidays"] == [(today + timedelta(days=5)).isoformat()]
    (service,) = [s for s in body["services"] if s["code"] == "a"]
    assert set(service) >= SERVICE_CONTRACT
    assert (service["waiting"], service["open_now"], service["bookable"]) == (1, True, False)
    assert (service["target_wait_min"], service["max_service_min"]) == (20, 30)
    assert service["name"]["en"] == "Service A" and service["estimated_wait_s"] is not None
    assert [s["code"] for s in body["services"]] == ["a"]  # an inactive service is not offered
    text = str(body)
    for secret in (ticket["public_id"], "13800138000", "Ms Wang", "clerk", "token"):
        assert secret not in text


def test_a_closed_day_says_when_it_opens(api: Api, clock: Clock) -> None:
    api.service("A")
    today = clock().date()
    set_hall_settings(api, opening_hours=WEEK, special_days={today.isoformat(): []})
    body = ok(public(api))
    assert body["open_now"] is False and body["hours_today"] == []
    assert body["opens_at"] is not None and body["opens_at"][:10] > today.isoformat()
    assert body["services"][0]["open_now"] is False
    assert body["services"][0]["closed_reason"] == "closed"


def test_anyone_may_read_it_and_an_unknown_hall_is_404(api: Api) -> None:
    _, kiosk = api.device("kiosk")
    for headers in (None, api.admin, kiosk, api.user("clerk"), {"Authorization": "Bearer x"}):
        r = public(api, 1, headers)
        assert r.status_code in (200, 401)
        if headers is None or headers.get("Authorization") != "Bearer x":
            assert r.status_code == 200
    error_of(public(api, 999), 404, "not_found")
    for bad in ("abc", 0, -1, 2**63, "1.5", "%00"):
        error_of(public(api, bad), 422, "validation_error")
    assert api.client.post("/api/v1/public/branches/1").status_code == 405


def test_answers_are_kept_for_a_moment(api: Api) -> None:
    a = api.service("A")
    r = public(api)
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    assert ok(r)["services"][0]["waiting"] == 0
    api.issue(a["id"])
    cache = api.client.app.state.public_branches
    cache.ttl_s = 3600
    assert ok(public(api))["services"][0]["waiting"] == 0  # kept
    fresh(api)
    assert ok(public(api))["services"][0]["waiting"] == 1


def test_one_address_that_floods_it_gets_429(api: Api) -> None:
    """HALLQ_PUBLIC_INFO_PER_MIN (120) per client address and minute; the answer says when to
    try again. The window is the process's own clock (not the test's)."""
    api.service("A")
    limit = api.client.app.state.hallq.settings.public_info_per_min
    assert limit == 120
    for _ in range(limit):
        ok(public(api))
    r = public(api)
    error_of(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 61


def test_the_window_counts_per_address_and_starts_again() -> None:
    from server.core.errors import RateLimited
    from server.public.info import ClientWindow

    window = ClientWindow(2, window_s=60)
    window.take("a", now=0)
    window.take("a", now=1)
    window.take("b", now=1)
    with pytest.raises(RateLimited) as refused:
        window.take("a", now=59)
    assert refused.value.retry_after_s == 2
    window.take("a", now=60)  # a new window
    ClientWindow(0).take("a")  # 0: no limit
