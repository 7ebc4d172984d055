"""Check-in of appointments, on SQLite and PostgreSQL: the window (too early, too late), the
moves (checked in, cancelled), the roles, the ticket it issues (priority and channel
"appointment", its slot on the ticket and on the printed one) and the contract's order: an
appointment's ticket queues as if issued at its slot's start."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.escpos_writer import Options
from kiosk.render import render_ticket
from server import protocol as p
from tests.conftest import Api
from tests.escpos_decode import decode
from tests.support import Clock, ok
from tests.test_api_printing import events_after
from tests.test_api_tickets import error_of
from tests.test_appointments import book, bookable, local
from tests.test_kiosk_render import make_job
from tests.test_stream import last_seq

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]
CHECK_IN = "/api/v1/appointments/check-in"


def check_in(api: Api, code: str, headers: dict[str, str] | None = None, status: int = 201,
             **body: Any) -> Any:  # fmt: skip
    r = api.client.post(CHECK_IN, json={"code": code} | body, headers=headers or api.admin)
    return ok(r, status)


def test_check_in_issues_an_appointment_ticket_and_prints_it(api: Api, clock: Clock) -> None:
    service = bookable(api, 2)
    booked = book(api, service, local(clock, 12, 30), locale="en")
    kiosk_id, kiosk = api.device("kiosk")
    seq = last_seq(api)
    # typed in lower case with a dash and a look-alike O for 0: read as meant
    typed = booked["code"].lower().replace("0", "o")
    ticket = check_in(api, typed[:4] + "-" + typed[4:], kiosk, kiosk_id=kiosk_id)
    assert ticket["priority"] == "appointment" and ticket["channel"] == "appointment"
    assert ticket["number"] == "A001" and ticket["public_id"]  # the kiosk prints its QR
    start = datetime.fromisoformat(booked["start"])
    assert datetime.fromisoformat(ticket["appointment_start"]) == start
    seen = ok(api.client.get(f"/api/v1/public/appointments/{booked['public_id']}"))
    assert seen["state"] == "checked_in" and seen["ticket_id"] == ticket["id"]
    types = [e["type"] for e in events_after(api, seq)]
    assert types == ["ticket.issued", "print.requested", "appointment.checked_in"]
    (job,) = api.get("/api/v1/print-jobs", branch_id=1)
    assert job["kiosk_id"] == kiosk_id and job["locale"] == "en"
    assert job["ticket"]["appointment_start"]
    printed = decode(render_ticket(p.PrintJob.model_validate(job), Options(),
                                   ZoneInfo("Asia/Shanghai"))).text()  # fmt: skip
    assert "Appointment 12:30" in printed
    (row,) = api.get("/api/v1/appointments", branch_id=1)
    assert row["state"] == "checked_in" and row["ticket_number"] == "A001"
    error_of(api.client.post(CHECK_IN, json={"code": booked["code"]}, headers=kiosk),
             409, "invalid_transition")  # fmt: skip


@pytest.mark.parametrize(("locale", "words"), [("zh-CN", "预约 10:30"), ("zh-TW", "預約 10:30"),
                                               ("en", "Appointment 10:30")])  # fmt: skip
def test_the_printed_ticket_says_its_slot_in_three_languages(locale: str, words: str) -> None:
    job = make_job(locale, priority="appointment",  # type: ignore[arg-type]
                   appointment_start=datetime(2026, 5, 1, 2, 30, tzinfo=UTC))  # fmt: skip
    encoding = {"zh-CN": "gb18030", "zh-TW": "big5", "en": "gb18030"}[locale]
    cjk = {"zh-CN": "gb18030", "zh-TW": "big5", "en": "gb18030"}[locale]
    printed = decode(render_ticket(job, Options(cjk=cjk), ZoneInfo("Asia/Shanghai")), encoding)
    assert words in printed.text() + "".join(printed.kanji)


def test_the_window_too_early_too_late_and_missed_codes(api: Api, clock: Clock) -> None:
    service = bookable(api, 2)
    later = book(api, service, local(clock, 13))
    soon = book(api, service, local(clock, 12))
    body = error_of(api.client.post(CHECK_IN, json={"code": later["code"]}, headers=api.admin),
                    409, "too_early")  # fmt: skip
    assert "12:30" in body["detail"]  # says when
    clock.advance(minutes=16)  # 12:16: the noon slot's window closed at 12:15
    body = error_of(api.client.post(CHECK_IN, json={"code": soon["code"]}, headers=api.admin),
                    409, "too_late")  # fmt: skip
    assert "normal ticket" in body["detail"]  # says what to do instead
    clock.advance(minutes=14)  # 12:30: the 13:00 slot opens
    assert check_in(api, later["code"])["priority"] == "appointment"
    error_of(api.client.post(CHECK_IN, json={"code": "ZZZZZZZZ"}, headers=api.admin),
             404, "not_found")  # fmt: skip
    error_of(api.client.post(CHECK_IN, json={"code": " - "}, headers=api.admin), 404, "not_found")
    error_of(api.client.post(CHECK_IN, json={"code": ""}, headers=api.admin),
             422, "validation_error")  # fmt: skip
    error_of(api.client.post(CHECK_IN, json={"code": "x" * 33}, headers=api.admin),
             422, "validation_error")  # fmt: skip


def test_a_cancelled_booking_does_not_check_in(api: Api, clock: Clock) -> None:
    service = bookable(api, 1)
    booked = book(api, service, local(clock, 12, 30))
    ok(api.client.post(f"/api/v1/public/appointments/{booked['public_id']}/cancel"))
    error_of(api.client.post(CHECK_IN, json={"code": booked["code"]}, headers=api.admin),
             409, "invalid_transition")  # fmt: skip


def test_check_in_roles(api: Api, clock: Clock) -> None:
    service = bookable(api, 9)
    booked = [book(api, service, local(clock, 12, 30)) for _ in range(4)]
    _, display = api.device("display")
    _, other_kiosk = api.device("kiosk", branch_id=api.post(
        "/api/v1/branches", {"name": "二厅"}, status=201)["id"])  # fmt: skip
    r = api.client.post(CHECK_IN, json={"code": booked[0]["code"]})
    error_of(r, 401, "unauthorized")
    error_of(api.client.post(CHECK_IN, json={"code": booked[0]["code"]}, headers=display),
             403, "forbidden")  # fmt: skip
    # another hall's kiosk does not find this hall's code
    error_of(api.client.post(CHECK_IN, json={"code": booked[0]["code"]}, headers=other_kiosk),
             404, "not_found")  # fmt: skip
    outsider = api.user("m2", "manager", branch_ids=[])
    error_of(api.client.post(CHECK_IN, json={"code": booked[0]["code"]}, headers=outsider),
             404, "not_found")  # fmt: skip
    error_of(api.client.post(CHECK_IN, json={"code": booked[0]["code"], "branch_id": 1},
                             headers=outsider), 403, "forbidden")  # fmt: skip
    for who in (api.user("c1"), api.user("m1", "manager"), api.admin):
        check_in(api, booked.pop()["code"], who)


def call_order(api: Api, counter_id: int, clerk: dict[str, str]) -> list[str]:
    called = []
    api.act(counter_id, "open", headers=clerk)
    while True:
        result = api.act(counter_id, "call-next", {"complete_current": True}, headers=clerk)
        if result["ticket"] is None:
            return called
        called.append(result["ticket"]["number"])


@pytest.mark.parametrize("interleave", [0, 1])
def test_an_appointment_queues_at_its_slots_start(api: Api, clock: Clock, interleave: int
                                                   ) -> None:  # fmt: skip
    """Slot 13:00, checked in at 12:40: after the walk-ins issued before 13:00, before those
    issued after it, whatever the interleave; a priority ticket keeps its own rules."""
    service = bookable(api, 1, priority_interleave=interleave)
    counter = api.counter(1, [service["id"]])
    clerk = api.user("c1")
    booked = book(api, service, local(clock, 13))
    clock.advance(minutes=30)  # 12:30
    api.issue(service["id"])  # A001, issued 12:30
    clock.advance(minutes=10)  # 12:40
    assert check_in(api, booked["code"])["number"] == "A002"  # queues at 13:00
    clock.advance(minutes=10)
    api.issue(service["id"])  # A003, 12:50: before the slot's start
    clock.advance(minutes=15)
    api.issue(service["id"])  # A004, 13:05: after it
    clock.advance(minutes=5)
    api.issue(service["id"])  # A005, 13:10
    waiting = {t["number"]: t["position"] for t in api.get("/api/v1/tickets", branch_id=1)}
    assert waiting == {"A001": 0, "A003": 1, "A002": 2, "A004": 3, "A005": 4}
    assert call_order(api, counter["id"], clerk) == ["A001", "A003", "A002", "A004", "A005"]
