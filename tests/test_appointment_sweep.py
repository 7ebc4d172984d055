"""What time does to bookings, on SQLite and PostgreSQL: missed once their window closes (the
server's sweep, events once), and their name and phone anonymised after the hall's
`appointment_personal_days` (the hourly housekeeping and `hallq purge`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from server.appointments import sweep
from tests.conftest import ADMIN_PASSWORD, Api
from tests.support import Clock, ok
from tests.test_api_printing import events_after
from tests.test_api_tickets import error_of
from tests.test_appointments import PHONE, book, bookable, local
from tests.test_cli import Hallq
from tests.test_stream import last_seq

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def ctx(api: Api) -> Any:
    return api.client.app.state.hallq.ctx()  # type: ignore[attr-defined]


def test_a_booking_past_its_window_is_missed_once(api: Api, clock: Clock) -> None:
    service = bookable(api, 3)
    early = book(api, service, local(clock, 12))
    later = book(api, service, local(clock, 13), name="赵六", phone=PHONE)
    seq = last_seq(api)
    assert sweep.sweep(ctx(api)) == 0
    clock.advance(minutes=16)  # 12:16: the noon slot's window closed at 12:15
    sweep.sweep(ctx(api))  # (the server's own sweeper may have been first: 15 s rounds)
    assert sweep.sweep(ctx(api)) == 0  # once
    (event,) = events_after(api, seq)
    assert event["type"] == "appointment.missed" and event["data"]["id"] == early["id"]
    assert "赵六" not in str(event) and early["code"] not in str(event)
    seen = ok(api.client.get(f"/api/v1/public/appointments/{early['public_id']}"))
    assert seen["state"] == "missed"
    error_of(api.client.post("/api/v1/appointments/check-in", json={"code": early["code"]},
                             headers=api.admin), 409, "too_late")  # fmt: skip
    states = {a["id"]: a["state"] for a in api.get("/api/v1/appointments", branch_id=1)}
    assert states == {early["id"]: "missed", later["id"]: "booked"}


def test_personal_data_is_anonymised_after_the_retention(api: Api, clock: Clock) -> None:
    service = bookable(api, 3, appointment_personal_days=2)
    done = book(api, service, local(clock, 12, 30), name="钱七", phone=PHONE)
    ok(api.client.post("/api/v1/appointments/check-in", json={"code": done["code"]},
                       headers=api.admin), 201)  # fmt: skip
    ahead = book(api, service, local(clock, 12, 30, days=5), name="孙八", phone="13900000000")
    clock.advance(days=1)
    assert sweep.anonymise(ctx(api)) == 0
    clock.advance(days=1, hours=2)  # two days after the slot's end (13:00)
    assert sweep.anonymise(ctx(api)) == 1
    api.admin = api.login("admin", ADMIN_PASSWORD)  # the token of two days ago has expired
    rows = {a["id"]: a for a in api.get("/api/v1/appointments", branch_id=1)}
    assert rows[done["id"]]["name"] is None and rows[done["id"]]["phone"] is None
    assert rows[done["id"]]["state"] == "checked_in"  # kept for the statistics
    assert rows[ahead["id"]]["name"] == "孙八"  # still to come: kept
    audit = api.get("/api/v1/audit", branch_id=1, limit=10000)
    assert any(e["type"] == "appointment.anonymised" for e in audit)


def test_hallq_purge_anonymises(tmp_path: Path) -> None:
    hallq = Hallq(f"sqlite:///{tmp_path}/hallq.db")
    hallq("db", "upgrade")
    assert "anonymised 0 appointments" in hallq("purge")
