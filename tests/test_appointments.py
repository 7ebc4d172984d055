"""Appointments over the API, on SQLite and PostgreSQL: slots inside the hall's hours, booking
and its refusals, the customer's lookup and cancel, the staff's list, the roles, the rate
limits and the events (never a name, a phone, a code or a public_id on the stream)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from tests.conftest import Api
from tests.support import Clock, ok
from tests.test_api_printing import events_after
from tests.test_api_tickets import error_of, set_hall_settings
from tests.test_stream import last_seq

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]
SHANGHAI = timedelta(hours=8)
PHONE = "138 0013 8000"


def local(clock: Clock, hour: int, minute: int = 0, days: int = 0) -> str:
    """An ISO time in the hall's zone (Asia/Shanghai), `days` after the clock's date."""
    day = (clock.now + SHANGHAI).date() + timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+08:00"


def bookable(api: Api, capacity: int = 2, prefix: str = "A", **settings: Any) -> dict[str, Any]:
    set_hall_settings(api, public_booking=True, **settings)
    return api.service(prefix, appointment_capacity=capacity)


def book(api: Api, service: dict[str, Any], start: str, status: int = 201,
         headers: dict[str, str] | None = None, **body: Any) -> Any:  # fmt: skip
    payload = {"branch_id": 1, "service_id": service["id"], "start": start} | body
    return ok(api.client.post("/api/v1/public/appointments", json=payload, headers=headers or {}),
              status)  # fmt: skip


def slots(api: Api, service: dict[str, Any], day: str, headers: dict[str, str] | None = None,
          status: int = 200) -> Any:  # fmt: skip
    r = api.client.get("/api/v1/public/branches/1/slots", headers=headers or {},
                       params={"service_id": service["id"], "date": day})  # fmt: skip
    return ok(r, status)


def test_slots_cut_the_hours_and_count_free_places(api: Api, clock: Clock) -> None:
    hours = {d: [["08:30", "12:00"], ["13:30", "17:00"]] for d in
             ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}  # fmt: skip
    service = bookable(api, 2, opening_hours=hours, appointment_slot_min=45)
    day = local(clock, 0)[:10]
    found = slots(api, service, day)
    starts = [s["start"][11:16] for s in found]
    # 08:30-12:00 gives four whole 45-min slots (a 30-min rest is not offered), the afternoon four
    assert starts == ["08:30", "09:15", "10:00", "10:45", "13:30", "14:15", "15:00", "15:45"]
    assert all(s["capacity"] == 2 for s in found)
    # the morning's check-in windows have closed by noon; the afternoon's are free
    assert [s["available"] for s in found] == [0, 0, 0, 0, 2, 2, 2, 2]
    book(api, service, local(clock, 14, 15))
    assert [s["available"] for s in slots(api, service, day)][4:] == [2, 1, 2, 2]


def test_a_booking_answers_a_code_and_the_customer_sees_it_masked(api: Api, clock: Clock) -> None:
    service = bookable(api)
    seq = last_seq(api)
    booked = book(api, service, local(clock, 15), name="张三", phone=PHONE, locale="en")
    assert booked["state"] == "booked" and booked["ticket_id"] is None
    assert len(booked["code"]) >= 6 and booked["public_id"]
    assert datetime.fromisoformat(booked["start"]) == datetime.fromisoformat(local(clock, 15))
    end = datetime.fromisoformat(booked["end"]) - datetime.fromisoformat(booked["start"])
    assert end == timedelta(minutes=30)
    assert "name" not in booked and booked["phone"] == "138****8000"
    assert booked["service_name"]["en"] == "Service A" and booked["branch_name"]
    seen = ok(api.client.get(f"/api/v1/public/appointments/{booked['public_id']}"))
    assert seen == booked
    (event,) = events_after(api, seq)
    assert event["type"] == "appointment.booked" and event["data"]["id"] == booked["id"]
    for secret in ("张三", "13800138000", "8000", booked["code"], booked["public_id"]):
        assert secret not in str(event)


def test_codes_are_random_and_distinct(api: Api, clock: Clock) -> None:
    service = bookable(api, 40)
    staff = api.admin
    codes = [book(api, service, local(clock, 16), headers=staff)["code"] for _ in range(40)]
    assert len(set(codes)) == 40
    assert all(len(c) == 8 and c.isalnum() and c.upper() == c for c in codes)
    assert not set("ILOU") & set("".join(codes))  # no look-alikes
    # not a counter: consecutive codes share no long common prefix
    assert sum(a[:3] == b[:3] for a, b in pairwise(codes)) < 3


def test_refusals_past_closed_too_far_unbookable_and_not_a_slot(api: Api, clock: Clock) -> None:
    service = bookable(api, 1, appointment_days_ahead=3, appointment_late_min=45,
                       holidays=[local(clock, 0, days=2)[:10]])  # fmt: skip

    def refused(start: str, code: str = "slot_unavailable", svc: Any = service) -> None:
        payload = {"branch_id": 1, "service_id": svc["id"], "start": start}
        r = api.client.post("/api/v1/public/appointments", json=payload, headers=api.admin)
        error_of(r, 409, code)

    # staff here: the address's limit is another test's
    refused(local(clock, 11))  # its window closed at 11:45
    book(api, service, local(clock, 11, 30))  # started, but open until 12:15
    refused(local(clock, 10, days=2))  # a holiday
    refused(local(clock, 10, days=4))  # beyond appointment_days_ahead
    book(api, service, local(clock, 10, days=3))
    refused(local(clock, 14, 10))  # not a slot's start
    refused(local(clock, 14, days=-1))  # yesterday
    refused(local(clock, 14), svc=api.service("B"))  # capacity 0: not bookable
    book(api, service, local(clock, 14))
    refused(local(clock, 14), "slot_full")
    # naive time, bad phone, unknown service or branch
    error_of(api.client.post("/api/v1/public/appointments", headers=api.admin, json={
        "branch_id": 1, "service_id": service["id"], "start": local(clock, 15)[:19]}),
        422, "validation_error")  # fmt: skip
    error_of(api.client.post("/api/v1/public/appointments", headers=api.admin, json={
        "branch_id": 1, "service_id": service["id"], "start": local(clock, 15),
        "phone": "call me"}), 422, "validation_error")  # fmt: skip
    error_of(
        api.client.post(
            "/api/v1/public/appointments",
            headers=api.admin,
            json={"branch_id": 1, "service_id": 999, "start": local(clock, 15)},
        ),
        404,
        "not_found",
    )
    error_of(api.client.post("/api/v1/public/appointments", headers=api.admin, json={
        "branch_id": 99, "service_id": service["id"], "start": local(clock, 15)}),
        404, "not_found")  # fmt: skip
    error_of(api.client.post("/api/v1/public/appointments", headers=api.admin, json={
        "branch_id": 1, "service_id": service["id"], "start": local(clock, 15),
        "name": "x" * 101}), 422, "validation_error")  # fmt: skip


def test_special_days_decide_the_slots_of_their_date(api: Api, clock: Clock) -> None:
    """A special day wins over the holidays and the weekday's hours (API.md, Opening days)."""
    holiday, closed = local(clock, 0, days=1)[:10], local(clock, 0, days=2)[:10]
    hours = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    service = bookable(api, 1, opening_hours=hours, holidays=[holiday],
                       special_days={holiday: [["09:00", "10:00"]], closed: []})  # fmt: skip
    assert [s["start"][11:16] for s in slots(api, service, holiday)] == ["09:00", "09:30"]
    assert slots(api, service, closed) == []
    book(api, service, local(clock, 9, 30, days=1))
    r = api.client.post("/api/v1/public/appointments", headers=api.admin,
                        json={"branch_id": 1, "service_id": service["id"],
                              "start": local(clock, 10, days=2)})  # fmt: skip
    error_of(r, 409, "slot_unavailable")


def test_lowered_capacity_keeps_bookings_and_changed_hours_are_marked(
    api: Api, clock: Clock
) -> None:
    service = bookable(api, 3)
    for _ in range(3):
        book(api, service, local(clock, 15), name="李四", phone=PHONE)
    ok(api.client.patch(f"/api/v1/services/{service['id']}", json={"appointment_capacity": 1},
                        headers=api.admin))  # fmt: skip
    found = next(s for s in slots(api, service, local(clock, 0)[:10])
                 if s["start"][11:16] == "15:00")  # fmt: skip
    assert found == found | {"capacity": 1, "available": 0}
    error_of(
        api.client.post(
            "/api/v1/public/appointments",
            json={"branch_id": 1, "service_id": service["id"], "start": local(clock, 15)},
        ),
        409,
        "slot_full",
    )
    every = {d: [["08:00", "14:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    set_hall_settings(api, public_booking=True, opening_hours=every)
    listed = api.get("/api/v1/appointments", branch_id=1)
    assert len(listed) == 3 and all(a["state"] == "booked" for a in listed)
    assert all(a["outside_hours"] for a in listed)
    assert listed[0]["name"] == "李四" and listed[0]["phone"] == "13800138000"


def test_cancel_frees_the_place_once(api: Api, clock: Clock) -> None:
    service = bookable(api, 1)
    booked = book(api, service, local(clock, 15))
    seq = last_seq(api)
    url = f"/api/v1/public/appointments/{booked['public_id']}/cancel"
    assert ok(api.client.post(url))["state"] == "cancelled"
    error_of(api.client.post(url), 409, "invalid_transition")
    again = book(api, service, local(clock, 15))
    assert again["code"] != booked["code"]
    types = [e["type"] for e in events_after(api, seq)]
    assert types == ["appointment.cancelled", "appointment.booked"]
    error_of(api.client.post("/api/v1/public/appointments/nope/cancel"), 404, "not_found")
    error_of(api.client.get("/api/v1/public/appointments/nope"), 404, "not_found")
    # a booking whose window has closed is no longer cancelled
    clock.advance(hours=3, minutes=16)
    error_of(api.client.post(f"/api/v1/public/appointments/{again['public_id']}/cancel"),
             409, "invalid_transition")  # fmt: skip


def test_roles_without_public_booking(api: Api, clock: Clock) -> None:
    service = api.service("A", appointment_capacity=1)
    start = local(clock, 15)
    day = start[:10]
    clerk = api.user("c1")
    other = api.user("m2", "manager", branch_ids=[])
    _, kiosk = api.device("kiosk")
    _, display = api.device("display")
    for who, status in (({}, 401), (kiosk, 403), (display, 403), (other, 403)):
        slots(api, service, day, headers=who, status=status)
        r = api.client.get("/api/v1/public/branches/1/booking", headers=who)
        assert r.status_code == status, r.text
        payload = {"branch_id": 1, "service_id": service["id"], "start": start}
        r = api.client.post("/api/v1/public/appointments", json=payload, headers=who)
        assert r.status_code == status, r.text
        # an unknown service of a hall that does not book online is not told apart
        r = api.client.get("/api/v1/public/branches/1/slots", headers=who,
                           params={"service_id": 999, "date": day})  # fmt: skip
        assert r.status_code == status, r.text
        r = api.client.get("/api/v1/appointments", headers=who, params={"branch_id": 1})
        assert r.status_code == (401 if not who else 403), r.text
    assert slots(api, service, day, headers=clerk)
    info = ok(api.client.get("/api/v1/public/branches/1/booking", headers=clerk))
    assert [s["id"] for s in info["services"]] == [service["id"]]
    assert (info["slot_min"], info["days_ahead"], info["today"]) == (30, 7, day)
    booked = book(api, service, start, headers=clerk, name="王五")
    (row,) = api.get("/api/v1/appointments", headers=clerk, branch_id=1)
    assert row["name"] == "王五" and row["channel"] == "staff" and row["public_id"] is None
    assert api.get("/api/v1/appointments", branch_id=1)[0]["public_id"] == booked["public_id"]
    # the customer's link works whoever booked
    assert ok(api.client.get(f"/api/v1/public/appointments/{booked['public_id']}"))["id"]


def test_list_filters_and_bounds(api: Api, clock: Clock) -> None:
    service = bookable(api, 2)
    first = book(api, service, local(clock, 15))
    book(api, service, local(clock, 15, days=1))
    ok(api.client.post(f"/api/v1/public/appointments/{first['public_id']}/cancel"))
    today = local(clock, 0)[:10]
    assert len(api.get("/api/v1/appointments", branch_id=1)) == 2
    assert [a["id"] for a in api.get("/api/v1/appointments", date=today)] == [first["id"]]
    assert api.get("/api/v1/appointments", state="booked")[0]["id"] != first["id"]
    for params in ({"state": "gone"}, {"date": "soon"}, {"limit": 0}, {"branch_id": 0}):
        r = api.client.get("/api/v1/appointments", params=params, headers=api.admin)
        error_of(r, 422, "validation_error")
    r = api.client.get("/api/v1/public/branches/1/slots", params={"date": today})
    error_of(r, 422, "validation_error")


def test_rate_limits_per_client_and_per_phone(api: Api, clock: Clock) -> None:
    service = bookable(api, 50)
    for _ in range(3):
        book(api, service, local(clock, 15), phone=PHONE)
    r = api.client.post("/api/v1/public/appointments", json={
        "branch_id": 1, "service_id": service["id"], "start": local(clock, 15),
        "phone": "+8613800138000".replace("+86", "")})  # fmt: skip
    error_of(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0
    for _ in range(6):  # ten in all from this address, the refused one included
        book(api, service, local(clock, 16))
    r = api.client.post(
        "/api/v1/public/appointments",
        json={"branch_id": 1, "service_id": service["id"], "start": local(clock, 16)},
    )
    error_of(r, 429, "rate_limited")
    # staff booking for customers at the desk are not limited per address
    book(api, service, local(clock, 16), headers=api.admin)


def test_an_unknown_timezone_day_far_off_gives_no_error(api: Api, clock: Clock) -> None:
    service = bookable(api)
    assert all(s["available"] == 0 for s in slots(api, service, "2099-01-01"))
    assert all(s["available"] == 0 for s in slots(api, service, "2999-12-31"))
    assert slots(api, api.service("B"), local(clock, 0)[:10]) == []
    r = api.client.get(
        "/api/v1/public/branches/1/slots",
        params={"service_id": service["id"], "date": "2026-02-30"},
    )
    error_of(r, 422, "validation_error")
    for day in ("9999-12-31", "0001-01-01"):
        r = api.client.get("/api/v1/public/branches/1/slots",
                           params={"service_id": service["id"], "date": day})  # fmt: skip
        error_of(r, 422, "validation_error")
    for start in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+08:00"):
        r = api.client.post("/api/v1/public/appointments", headers=api.admin, json={
            "branch_id": 1, "service_id": service["id"], "start": start})  # fmt: skip
        error_of(r, 422, "validation_error")
    r = api.client.get(
        "/api/v1/public/branches/5/slots",
        params={"service_id": service["id"], "date": "2026-02-03"},
    )
    error_of(r, 404, "not_found")
    assert datetime.now(UTC)  # keep the import honest
