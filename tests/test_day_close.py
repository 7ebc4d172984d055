"""The end-of-day close-out on SQLite and PostgreSQL: tickets left waiting, called or parked
when their business day has ended become cancelled with the outcome `day_closed`
(`ticket.cancelled`), counted apart from the customers' cancellations; a serving ticket and
today's tickets are left alone; a day missed while the server was down is closed on the next
round; one process holds the lease. Special days: settings bounds (422)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from server.core.context import Ctx
from server.core.lease import take_lease
from server.core.run import write
from server.tickets.closeout import LEASE, CloseOut, close_ended_days
from tests.conftest import ADMIN_PASSWORD, Api
from tests.support import Clock, ok
from tests.test_api_tickets import error_of, get_ticket, set_hall_settings
from tests.test_stream import last_seq, recv_n, stream

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def ctx_of(api: Api) -> Ctx:
    ctx: Ctx = api.client.app.state.hallq.ctx()
    return ctx


def relogin(api: Api) -> None:
    """After the clock moved past the token's lifetime."""
    api.admin = api.login("admin", ADMIN_PASSWORD)


def yesterday_s_hall(api: Api) -> dict[str, Any]:
    """Five tickets of one day: waiting, called, parked, serving, and one the customer gave up."""
    service = api.service("A")
    counters = [api.counter(n, [service["id"]]) for n in (1, 2, 3)]
    tickets = [api.issue(service["id"]) for _ in range(5)]
    for counter in counters:
        api.act(counter["id"], "open")
    api.act(counters[0]["id"], "call-next")  # tickets[0] called at counter 1
    api.act(counters[1]["id"], "call-next")  # tickets[1] parked at counter 2
    api.act(counters[1]["id"], "park")
    api.act(counters[2]["id"], "call-next")  # tickets[2] serving at counter 3
    api.act(counters[2]["id"], "start")
    public_id = tickets[4]["public_id"]
    ok(api.client.post(f"/api/v1/public/tickets/{public_id}/cancel"))
    return {"service": service, "counters": counters, "tickets": tickets}


def test_leftovers_are_closed_out_when_the_day_has_ended(api: Api, clock: Clock) -> None:
    hall = yesterday_s_hall(api)
    tickets, counters = hall["tickets"], hall["counters"]
    assert close_ended_days(ctx_of(api)) == 0  # the day has not ended
    clock.advance(hours=11, minutes=59)  # 23:59 in Shanghai
    assert close_ended_days(ctx_of(api)) == 0
    seq = last_seq(api)
    clock.advance(minutes=2)  # the next business day
    assert close_ended_days(ctx_of(api)) == 3  # called, parked, waiting
    assert close_ended_days(ctx_of(api)) == 0  # once
    relogin(api)
    states = [(get_ticket(api, t["id"])["state"], get_ticket(api, t["id"])["outcome"])
              for t in tickets]  # fmt: skip
    assert states == [
        ("cancelled", "day_closed"), ("cancelled", "day_closed"), ("serving", None),
        ("cancelled", "day_closed"), ("cancelled", None),
    ]  # fmt: skip
    with stream(api, since=seq) as ws:
        events = recv_n(ws, last_seq(api) - seq)
    cancelled = [e for e in events if e["type"] == "ticket.cancelled"]
    assert sorted(e["data"]["id"] for e in cancelled) == sorted(
        t["id"] for t in (tickets[0], tickets[1], tickets[3])
    )
    assert all(e["data"]["outcome"] == "day_closed" for e in cancelled)
    assert all(e["data"]["public_id"] is None for e in cancelled)
    held = {c["id"]: c["ticket_id"] for c in api.get("/api/v1/counters", branch_id=1)}
    assert held[counters[0]["id"]] is None  # the counter let go of the called ticket
    assert held[counters[2]["id"]] == tickets[2]["id"]  # serving: left alone
    records = api.get("/api/v1/audit", branch_id=1, kind="ticket.cancelled")
    actors = sorted(r["actor"] for r in records)
    assert actors == ["customer", "system", "system", "system"]


def test_statistics_count_day_closed_apart(api: Api, clock: Clock) -> None:
    yesterday_s_hall(api)
    day = api.get("/api/v1/tickets", branch_id=1)[0]["business_date"]
    clock.advance(hours=13)
    close_ended_days(ctx_of(api))
    relogin(api)
    for _ in range(2):  # live, then from the rollup built by the first read
        summary = api.get("/api/v1/stats/summary", branch_id=1, **{"from": day, "to": day})
        assert (summary["issued"], summary["cancelled"], summary["day_closed"]) == (5, 1, 3)
    (row,) = api.get("/api/v1/stats/breakdown", branch_id=1, group_by="day",
                     **{"from": day, "to": day})  # fmt: skip
    assert (row["cancelled"], row["day_closed"]) == (1, 3)
    csv = api.client.get("/api/v1/stats/export", params={"branch_id": 1, "from": day, "to": day,
                         "format": "csv"}, headers=api.admin)  # fmt: skip
    assert csv.status_code == 200 and "day_closed" in csv.text


def test_a_day_missed_while_down_is_closed_at_start(api: Api, clock: Clock) -> None:
    """The server's task runs a round as it starts: days missed while it was down."""
    service = api.service("A")
    ticket = api.issue(service["id"])
    clock.advance(days=3)
    api.client.app.state.hallq.settings.day_close = True

    async def start_and_stop() -> int | None:
        task = CloseOut(lambda: ctx_of(api), every_s=3600)
        await task.stop()  # the first round ran before the stop was seen
        return None

    api.client.portal.call(start_and_stop)
    relogin(api)
    assert get_ticket(api, ticket["id"])["outcome"] == "day_closed"


def test_one_process_holds_the_close_out_lease(api: Api) -> None:
    ctx = ctx_of(api)
    assert write(ctx, partial(take_lease, holder="one", ttl_s=300, name=LEASE))
    assert not write(ctx, partial(take_lease, holder="two", ttl_s=300, name=LEASE))
    # the alerts' lease is another row
    assert write(ctx, partial(take_lease, holder="two", ttl_s=300, name="alerts"))


@pytest.mark.parametrize(
    "special",
    [
        {"2026-13-01": []},
        {"tomorrow": []},
        {"2026-10-08": [["17:30", "08:30"]]},
        {"2026-10-08": [["8:30", "17:30"]]},
        {"2026-10-08": [["08:30"]]},
        {"2026-10-08": [["08:30", "25:00"]]},
        {"2026-10-08": "closed"},
        {"2026-10-08": [["08:30", "09:00"]] * 9},
        {f"2027-{1 + i // 28:02d}-{1 + i % 28:02d}": [] for i in range(401)},
        [],
    ],
)
def test_special_days_bounds(api: Api, special: Any) -> None:
    r = api.client.patch("/api/v1/branches/1", json={"settings": {"special_days": special}},
                         headers=api.admin)  # fmt: skip
    error_of(r, 422, "validation_error")


def test_special_days_are_kept_and_govern_issuing(api: Api, clock: Clock) -> None:
    service = api.service("A")
    today = clock().date().isoformat()  # 12:00 in Shanghai: the same date
    set_hall_settings(api, special_days={today: [], "2030-01-01": [["09:00", "12:00"]]})
    settings = api.get("/api/v1/branches/1")["settings"]
    assert settings["special_days"] == {today: [], "2030-01-01": [["09:00", "12:00"]]}
    r = api.client.post("/api/v1/tickets", json={"service_id": service["id"]}, headers=api.admin)
    error_of(r, 409, "service_closed")
    set_hall_settings(api, special_days={today: [["00:00", "24:00"]]})
    api.issue(service["id"])
