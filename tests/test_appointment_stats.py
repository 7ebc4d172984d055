"""Appointment figures in the statistics, on SQLite and PostgreSQL: the summary, the
breakdowns, the exports and the daily report (API.md, Appointments)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from server.appointments import sweep
from server.core.context import Principal
from server.stats import appointments as figures
from server.stats import service as stats
from server.stats.reports.daily import build
from tests.browser import ARTIFACTS
from tests.conftest import Api
from tests.support import Clock, ok
from tests.test_appointment_sweep import ctx
from tests.test_appointments import book, bookable, local

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def test_summary_breakdowns_exports_and_report_count_bookings(api: Api, clock: Clock) -> None:
    service = bookable(api, 5)
    other = api.service("B", appointment_capacity=2)
    day = local(clock, 0)[:10]
    checked = book(api, service, local(clock, 12, 30))
    missed = book(api, service, local(clock, 12))
    gone = book(api, other, local(clock, 14))
    book(api, service, local(clock, 15))  # still booked
    book(api, service, local(clock, 15, days=1))  # tomorrow: not in today's range
    ok(api.client.post("/api/v1/appointments/check-in", json={"code": checked["code"]},
                       headers=api.admin), 201)  # fmt: skip
    ok(api.client.post(f"/api/v1/public/appointments/{gone['public_id']}/cancel"))
    clock.advance(minutes=16)
    sweep.sweep(ctx(api))  # marks `missed` (unless the server's own round was first)
    assert missed["id"] in {a["id"] for a in api.get("/api/v1/appointments", state="missed")}
    span = {"branch_id": 1, "from": day, "to": day}
    summary = api.get("/api/v1/stats/summary", **span)
    assert summary["appointments"] == {"booked": 4, "checked_in": 1, "missed": 1, "cancelled": 1}
    assert summary["issued"] == 1  # the checked-in one's ticket
    rows = {r["key"]: r["appointments"] for r in
            api.get("/api/v1/stats/breakdown", group_by="service", **span)}  # fmt: skip
    assert rows[service["id"]] == {"booked": 3, "checked_in": 1, "missed": 1, "cancelled": 0}
    assert rows[other["id"]] == {"booked": 1, "checked_in": 0, "missed": 0, "cancelled": 1}
    hours = {r["key"]: r["appointments"]["booked"] for r in
             api.get("/api/v1/stats/breakdown", group_by="hour", **span)}  # fmt: skip
    assert hours == {12: 2, 14: 1, 15: 1} | {k: 0 for k in hours if k not in (12, 14, 15)}
    (by_day,) = api.get("/api/v1/stats/breakdown", group_by="day", branch_id=1, **{
        "from": day, "to": day})  # fmt: skip
    assert by_day["appointments"]["booked"] == 4
    counters = api.get("/api/v1/stats/breakdown", group_by="counter", **span)
    assert all(r["appointments"]["booked"] == 0 for r in counters)
    regions = api.get("/api/v1/stats/breakdown", group_by="region", **span)
    assert sum(r["appointments"]["booked"] for r in regions) == 4
    week = api.get("/api/v1/stats/summary", branch_id=1, **{"from": day, "to": local(
        clock, 0, days=1)[:10]})  # fmt: skip
    assert week["appointments"]["booked"] == 5
    r = api.client.get("/api/v1/stats/export", headers=api.admin, params=span | {
        "kind": "grouped", "group_by": "service", "locale": "en"})  # fmt: skip
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    header = table[0]
    assert header[-4:] == ["Appointments", "Checked in", "Missed", "Appointments cancelled"]
    assert ["3", "1", "1", "0"] in [row[-4:] for row in table[1:]]
    r = api.client.get("/api/v1/stats/export", headers=api.admin, params=span | {"locale": "en"})
    (ticket,) = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert ticket["Appointment slot"].endswith("12:30:00") and ticket["Priority"] == "appointment"
    admin = replace(ctx(api), principal=Principal(kind="admin"))
    page = build(admin, 1, None, "zh-CN")
    assert page.image.size == (1240, 1754)
    page.image.save(ARTIFACTS / "report-daily-appointments.png")
    with admin.db.read() as session:
        scope = stats.resolve(admin, session, stats.Selection(branch_id=1))
        assert figures.counts(session, scope, None)[0]["booked"] == 4
