"""Issuing tickets through the API: numbering, business days, hours, quotas, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api
from tests.support import Clock, ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


# 2026-01-14 is a Wednesday; all instants are in the past, so today's login tokens stay valid.
WED_10_00_SHANGHAI = datetime(2026, 1, 14, 2, 0, tzinfo=UTC)
ERROR_KEYS = {"error", "detail"}


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    body = ok(response, status)
    assert set(body) == ERROR_KEYS, body
    assert body["error"] == code and body["detail"], body
    return dict(body)


def set_hall_settings(api: Api, branch_id: int = 1, **settings: Any) -> None:
    r = api.client.patch(
        f"/api/v1/branches/{branch_id}", json={"settings": settings}, headers=api.admin
    )
    ok(r)


def issue_error(api: Api, service_id: int, status: int, code: str) -> dict[str, Any]:
    r = api.client.post("/api/v1/tickets", json={"service_id": service_id}, headers=api.admin)
    return error_of(r, status, code)


def get_ticket(api: Api, ticket_id: int) -> dict[str, Any]:
    return dict(ok(api.client.get(f"/api/v1/tickets/{ticket_id}", headers=api.admin)))


def all_tickets(api: Api, **query: Any) -> list[dict[str, Any]]:
    return list(ok(api.client.get("/api/v1/tickets", params=query, headers=api.admin)))


# ---- numbering ---------------------------------------------------------------------------


def test_numbers_count_up_per_service_and_each_service_counts_on_its_own(api: Api) -> None:
    a, b = api.service("A"), api.service("B")
    numbers = [api.issue(s["id"])["number"] for s in (a, a, b, a, b)]
    assert numbers == ["A001", "A002", "B001", "A003", "B002"]


def test_a_service_range_with_an_offset_numbers_from_its_start(api: Api) -> None:
    service = api.service("C", start_number=500, end_number=501)
    numbers = [api.issue(service["id"])["number"] for _ in range(3)]
    assert numbers == ["C500", "C501", "C500"]


@pytest.mark.parametrize(
    ("timezone", "local_midnight_utc", "day_before", "new_day"),
    [
        ("Asia/Shanghai", datetime(2026, 1, 14, 16, 0, tzinfo=UTC), "2026-01-14", "2026-01-15"),
        ("America/Vancouver", datetime(2026, 1, 15, 8, 0, tzinfo=UTC), "2026-01-14", "2026-01-15"),
    ],
)
def test_numbering_restarts_at_001_at_local_midnight_of_the_branch(
    api: Api,
    clock: Clock,
    timezone: str,
    local_midnight_utc: datetime,
    day_before: str,
    new_day: str,
) -> None:
    branch = api.post(
        "/api/v1/branches", {"name": f"Hall {timezone}", "timezone": timezone}, status=201
    )
    assert branch["timezone"] == timezone
    service = api.service("A", branch_id=branch["id"])
    clock.now = local_midnight_utc - timedelta(minutes=2)
    late = [api.issue(service["id"]) for _ in range(2)]
    assert [t["number"] for t in late] == ["A001", "A002"]
    assert {t["business_date"] for t in late} == {day_before}
    clock.advance(minutes=3)
    early = api.issue(service["id"])
    assert early["number"] == "A001" and early["business_date"] == new_day
    assert api.issue(service["id"])["number"] == "A002"
    listed = all_tickets(api, branch_id=branch["id"], business_date=new_day)
    assert [t["number"] for t in listed] == ["A001", "A002"]


def test_the_default_hall_and_a_vancouver_hall_number_the_same_instant_on_different_days(
    api: Api, clock: Clock
) -> None:
    vancouver = api.post(
        "/api/v1/branches", {"name": "Vancouver", "timezone": "America/Vancouver"}, status=201
    )
    clock.now = WED_10_00_SHANGHAI
    shanghai_ticket = api.issue(api.service("A")["id"])
    vancouver_ticket = api.issue(api.service("A", branch_id=vancouver["id"])["id"])
    assert shanghai_ticket["business_date"] == "2026-01-14"
    assert vancouver_ticket["business_date"] == "2026-01-13"


# ---- refusals ----------------------------------------------------------------------------


def test_issuing_stops_at_the_cutoff_before_closing_and_outside_opening_hours(
    api: Api, clock: Clock
) -> None:
    service = api.service("A")
    set_hall_settings(api, opening_hours={"wed": [["08:30", "17:30"]]}, cutoff_min=15)
    local = datetime(2026, 1, 14, tzinfo=UTC) - timedelta(hours=8)  # Wednesday 00:00 Shanghai
    clock.now = local + timedelta(hours=8, minutes=29)
    issue_error(api, service["id"], 409, "service_closed")
    clock.now = local + timedelta(hours=8, minutes=30)
    assert api.issue(service["id"])["number"] == "A001"
    clock.now = local + timedelta(hours=17, minutes=14, seconds=59)
    assert api.issue(service["id"])["number"] == "A002"
    clock.now = local + timedelta(hours=17, minutes=15)
    body = issue_error(api, service["id"], 409, "service_closed")
    assert "15 min" in body["detail"]
    clock.now = local + timedelta(days=1, hours=10)  # Thursday: no hours configured
    issue_error(api, service["id"], 409, "service_closed")


def test_a_holiday_refuses_tickets_all_day(api: Api, clock: Clock) -> None:
    service = api.service("A")
    set_hall_settings(api, holidays=["2026-01-14"])
    clock.now = WED_10_00_SHANGHAI
    body = issue_error(api, service["id"], 409, "service_closed")
    assert "holiday" in body["detail"]
    clock.advance(days=1)
    assert api.issue(service["id"])["number"] == "A001"


def test_an_unknown_or_inactive_service_issues_no_tickets(api: Api) -> None:
    issue_error(api, 987654, 404, "not_found")
    service = api.service("A", active=False)
    issue_error(api, service["id"], 409, "service_closed")
    r = api.client.patch(
        f"/api/v1/services/{service['id']}", json={"active": True}, headers=api.admin
    )
    ok(r)
    assert api.issue(service["id"])["number"] == "A001"


def test_the_daily_quota_refuses_the_next_ticket_until_the_next_day(api: Api, clock: Clock) -> None:
    service = api.service("A", daily_quota=2)
    clock.now = WED_10_00_SHANGHAI
    api.issue(service["id"])
    api.issue(service["id"])
    issue_error(api, service["id"], 409, "quota_reached")
    assert len(all_tickets(api, service_id=service["id"])) == 2
    clock.advance(days=1)
    assert api.issue(service["id"])["number"] == "A001"


# ---- waiting: position, estimate, cancel, requeue ----------------------------------------


def test_waiting_tickets_carry_their_position_and_estimated_wait(api: Api) -> None:
    service = api.service("A", service_min=5)
    tickets = [api.issue(service["id"]) for _ in range(3)]
    # nobody serves yet: no estimate, and the ticket says that no counter is open
    assert [(t["position"], t["estimated_wait_s"], t["open_counters"]) for t in tickets] == [
        (0, None, 0),
        (1, None, 0),
        (2, None, 0),
    ]
    counters = [api.counter(n, [service["id"]]) for n in (1, 2)]
    for counter in counters:
        api.act(counter["id"], "open")
    third = get_ticket(api, tickets[2]["id"])
    assert (third["position"], third["estimated_wait_s"]) == (2, 300)
    called = api.act(counters[0]["id"], "call-next")["ticket"]
    assert called["id"] == tickets[0]["id"]
    assert called["position"] is None and called["estimated_wait_s"] is None
    third = get_ticket(api, tickets[2]["id"])
    # the forecast: counter 2 calls the second now, counter 1 is free for the third once it
    # has served the first (300 s); the naive formula would say 1 × 300 ÷ 2 = 150
    assert (third["position"], third["estimated_wait_s"]) == (1, 300)


def test_a_cancelled_ticket_leaves_the_queue_and_cannot_be_cancelled_twice(api: Api) -> None:
    service = api.service("A")
    first, second = api.issue(service["id"]), api.issue(service["id"])
    cancelled = api.post(f"/api/v1/tickets/{first['id']}/cancel")
    assert cancelled["state"] == "cancelled" and cancelled["finished_at"] is not None
    assert get_ticket(api, second["id"])["position"] == 0
    r = api.client.post(f"/api/v1/tickets/{first['id']}/cancel", headers=api.admin)
    error_of(r, 409, "invalid_transition")


def test_cancelling_a_called_ticket_frees_its_counter(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    ticket = api.issue(service["id"])
    api.act(counter["id"], "open")
    api.act(counter["id"], "call-next")
    api.post(f"/api/v1/tickets/{ticket['id']}/cancel")
    counters = ok(api.client.get("/api/v1/counters", headers=api.admin))
    assert counters[0]["ticket_id"] is None


def test_a_no_show_is_requeued_at_the_back_and_called_again_later(api: Api, clock: Clock) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    late, other = api.issue(service["id"]), api.issue(service["id"])
    api.act(counter["id"], "open")
    assert api.act(counter["id"], "call-next")["ticket"]["id"] == late["id"]
    assert api.act(counter["id"], "no-show")["ticket"]["state"] == "no_show"
    r = api.client.post(f"/api/v1/tickets/{other['id']}/requeue", headers=api.admin)
    error_of(r, 409, "invalid_transition")  # a waiting ticket is not a no-show
    clock.advance(minutes=1)
    requeued = api.post(f"/api/v1/tickets/{late['id']}/requeue")
    assert requeued["state"] == "waiting" and requeued["position"] == 1
    assert requeued["counter_id"] is None and requeued["called_at"] is None
    assert api.act(counter["id"], "call-next")["ticket"]["id"] == other["id"]
    again = api.act(counter["id"], "call-next", {"complete_current": True})["ticket"]
    assert again["id"] == late["id"] and again["state"] == "called"


# ---- idempotency -------------------------------------------------------------------------


def test_a_retried_issue_with_the_same_key_returns_the_first_ticket_and_issues_once(
    api: Api,
) -> None:
    service = api.service("A")
    headers = api.admin | {"Idempotency-Key": "kiosk-7-press-1"}
    body = {"service_id": service["id"]}
    first = api.client.post("/api/v1/tickets", json=body, headers=headers)
    again = api.client.post("/api/v1/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert [t["number"] for t in all_tickets(api)] == ["A001"]


def test_the_same_key_with_another_body_is_an_idempotency_conflict(api: Api) -> None:
    a, b = api.service("A"), api.service("B")
    headers = api.admin | {"Idempotency-Key": "reused"}
    ok(api.client.post("/api/v1/tickets", json={"service_id": a["id"]}, headers=headers), 201)
    r = api.client.post("/api/v1/tickets", json={"service_id": b["id"]}, headers=headers)
    error_of(r, 422, "idempotency_conflict")
    assert [t["number"] for t in all_tickets(api)] == ["A001"]


def test_a_retried_call_next_with_the_same_key_calls_only_one_ticket(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    first, second = api.issue(service["id"]), api.issue(service["id"])
    api.act(counter["id"], "open")
    headers = api.admin | {"Idempotency-Key": "call-next-1"}
    once = api.act(counter["id"], "call-next", headers=headers)
    twice = api.act(counter["id"], "call-next", headers=headers)
    assert once == twice and once["ticket"]["id"] == first["id"]
    assert get_ticket(api, second["id"])["state"] == "waiting"
    assert get_ticket(api, first["id"])["calls"] == 1


# ---- public ticket and errors ------------------------------------------------------------

PUBLIC_FIELDS = {"number", "state", "position", "estimated_wait_s", "service", "counter"}
PERSONAL_OR_INTERNAL = {
    "id",
    "public_id",
    "clerk_id",
    "counter_id",
    "locale",
    "channel",
    "kiosk_id",
    "outcome",
    "rating",
    "rating_comment",
}  # branch_id is public: the mobile page links to the hall's page, /hall?branch=<id>


def test_the_public_ticket_needs_no_login_and_hides_personal_data(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    ticket = api.issue(service["id"], locale="en")
    public = ok(api.client.get(f"/api/v1/public/tickets/{ticket['public_id']}"))
    assert set(public) >= PUBLIC_FIELDS and not set(public) & PERSONAL_OR_INTERNAL
    assert public["number"] == "A001" and public["state"] == "waiting"
    assert public["position"] == 0 and public["counter"] is None
    api.act(counter["id"], "open")
    api.act(counter["id"], "call-next")
    public = ok(api.client.get(f"/api/v1/public/tickets/{ticket['public_id']}"))
    assert public["state"] == "called" and public["counter"]["number"] == 1
    assert set(public["counter"]) <= {"id", "number", "name"}
    error_of(api.client.get("/api/v1/public/tickets/no-such-ticket"), 404, "not_found")


def test_every_error_body_has_exactly_error_and_detail(api: Api) -> None:
    service = api.service("A", daily_quota=1)
    counter = api.counter(1, [service["id"]])
    _, display = api.device("display")
    api.issue(service["id"])
    c = api.client
    error_of(c.get("/api/v1/tickets"), 401, "unauthorized")
    error_of(
        c.get("/api/v1/tickets", headers={"Authorization": "Bearer nope"}), 401, "unauthorized"
    )
    error_of(c.get("/api/v1/tickets", headers=display), 403, "forbidden")
    error_of(c.get("/api/v1/tickets/424242", headers=api.admin), 404, "not_found")
    error_of(c.get("/api/v1/no-such-endpoint", headers=api.admin), 404, "not_found")
    error_of(
        c.post(f"/api/v1/counters/{counter['id']}/call-next", headers=api.admin),
        409,
        "counter_not_open",
    )
    error_of(
        c.post(f"/api/v1/counters/{counter['id']}/start", headers=api.admin),
        409,
        "invalid_transition",
    )
    issue_error(api, service["id"], 409, "quota_reached")
    error_of(c.post("/api/v1/tickets", json={}, headers=api.admin), 422, "validation_error")
    error_of(
        c.post("/api/v1/tickets", json={"service_id": 1, "colour": "red"}, headers=api.admin),
        422,
        "validation_error",
    )
    error_of(
        c.post(
            "/api/v1/tickets",
            content=b"{not json",
            headers=api.admin | {"Content-Type": "application/json"},
        ),
        422,
        "validation_error",
    )
    error_of(
        c.get("/api/v1/tickets", params={"limit": 0}, headers=api.admin), 422, "validation_error"
    )


def test_an_unbounded_or_unsafe_hall_setting_is_a_validation_error(api: Api) -> None:
    c = api.client
    for settings in ({"voice_templates": {"en": "x" * 1_000_000}},
                     {"media_url": "javascript:alert(1)"}):  # fmt: skip
        r = c.patch("/api/v1/branches/1", json={"settings": settings}, headers=api.admin)
        assert r.status_code == 422 and r.json()["error"] == "validation_error", r.text
    shown = ok(c.get("/api/v1/branches/1", headers=api.admin))["settings"]
    assert shown["media_url"] == "" and shown["voice_templates"] == {}  # nothing was kept
