"""Races of appointments: many customers booking the last places at once, in one process (SQLite
and PostgreSQL) and across two `hallq serve` processes on one database; two kiosks checking in
one code at once. Exactly as many win as there are places, and one code gives one ticket."""

from __future__ import annotations

import contextlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Api
from tests.databases import Kind, Templates
from tests.support import REDIS_URL, Clock, Remote, live_env, live_servers, require_service
from tests.test_appointments import book, bookable, local

pytestmark = [pytest.mark.usefixtures("cheap_hashing")]
RACERS = 40


@pytest.mark.integration
def test_many_customers_race_for_the_last_places(api: Api, clock: Clock) -> None:
    service = bookable(api, 3)
    start = local(clock, 15)
    payload = {"branch_id": 1, "service_id": service["id"], "start": start}

    def one(_: int) -> int:
        r = api.client.post("/api/v1/public/appointments", json=payload, headers=api.admin)
        assert r.status_code in (201, 409), r.text
        assert r.status_code == 201 or r.json()["error"] == "slot_full"
        return r.status_code

    with ThreadPoolExecutor(16) as pool:
        codes = Counter(pool.map(one, range(RACERS)))
    assert codes == {201: 3, 409: RACERS - 3}
    assert len(api.get("/api/v1/appointments", branch_id=1)) == 3


@pytest.mark.integration
def test_two_kiosks_checking_in_one_code_give_one_ticket(api: Api, clock: Clock) -> None:
    service = bookable(api, 1)
    booked = book(api, service, local(clock, 12))
    kiosks = [api.device("kiosk") for _ in range(2)]

    def one(index: int) -> int:
        kiosk_id, headers = kiosks[index % 2]
        r = api.client.post("/api/v1/appointments/check-in", headers=headers,
                            json={"code": booked["code"], "kiosk_id": kiosk_id})  # fmt: skip
        assert r.status_code == 201 or r.json()["error"] == "invalid_transition", r.text
        return r.status_code

    with ThreadPoolExecutor(8) as pool:
        codes = Counter(pool.map(one, range(16)))
    assert codes == {201: 1, 409: 15}
    tickets = api.get("/api/v1/tickets", branch_id=1)
    assert len(tickets) == 1 and tickets[0]["priority"] == "appointment"
    jobs = api.get("/api/v1/print-jobs", branch_id=1)
    assert len(jobs) == 1


def _next_slot_tomorrow() -> str:
    """10:00 tomorrow in the hall's zone (a fresh hall is open around the clock)."""
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    return f"{day.isoformat()}T10:00:00+08:00"


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_processes_give_the_last_places_once(
    backend: str, templates: Templates, tmp_path: Path
) -> None:
    places = 5
    with contextlib.ExitStack() as stack:
        if backend == "postgres":
            require_service("Redis", 6379)
            env = live_env(stack.enter_context(templates.postgres(Kind.SCHEMA)), REDIS_URL)
        else:
            env = live_env(templates.sqlite(tmp_path / "hallq.db", Kind.SCHEMA))
        servers = stack.enter_context(live_servers(env, 2))
        halls = [Remote(s) for s in servers]
        for hall in halls:
            stack.callback(hall.close)
        halls[0].client.patch(
            "/api/v1/branches/1",
            headers=halls[0].admin,
            json={"settings": {"public_booking": True}},
        ).raise_for_status()
        service = halls[0].service("A", appointment_capacity=places)
        payload = {"branch_id": 1, "service_id": service["id"], "start": _next_slot_tomorrow()}

        def one(index: int) -> tuple[int, Any]:
            hall = halls[index % 2]
            r = hall.client.post("/api/v1/public/appointments", json=payload, headers=hall.admin)
            return r.status_code, r.json()

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(one, range(RACERS)))
        codes = Counter(code for code, _ in answers)
        assert codes == {201: places, 409: RACERS - places}, answers
        assert {a["error"] for code, a in answers if code == 409} == {"slot_full"}
        won = {a["code"] for code, a in answers if code == 201}
        assert len(won) == places
        listed = halls[1].get("/api/v1/appointments", branch_id=1)
        assert len(listed) == places
