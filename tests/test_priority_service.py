"""The demo hall's priority service V is called ahead of older tickets, within the bounded boost
(issue 13, item 19): the order a counter calls is the one the configuration page explains."""

from __future__ import annotations

from typing import Any

import pytest

from server.core.context import Principal
from server.halls import bootstrap
from tests.conftest import Api
from tests.support import Clock

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def demo_hall(api: Api) -> tuple[dict[str, int], dict[int, int]]:
    """The demo hall of `make run` in branch 1: service ids by prefix, counter ids by number."""
    state: Any = api.client.app.state.hallq  # type: ignore[attr-defined]
    assert bootstrap.seed_demo(state.ctx(Principal(kind="admin", user_id=1))) is not None
    services = {s["prefix"]: s["id"] for s in api.get("/api/v1/services", branch_id=1)}
    counters = {c["number"]: c["id"] for c in api.get("/api/v1/counters", branch_id=1)}
    return services, counters


def calls(api: Api, counter_id: int, times: int) -> list[str | None]:
    out = []
    for _ in range(times):
        ticket = api.act(counter_id, "call-next", {"complete_current": True})["ticket"]
        out.append(ticket["number"] if ticket else None)
    return out


def test_the_demo_halls_priority_service_is_a_priority_service(api: Api) -> None:
    services, _ = demo_hall(api)
    listed = {s["prefix"]: s["priority"] for s in api.get("/api/v1/services", branch_id=1)}
    assert listed == {"A": False, "B": False, "C": False, "V": True}
    ticket = api.issue(services["V"])
    assert ticket["priority"] == "priority"
    assert api.issue(services["A"])["priority"] == "normal"


def test_a_v_ticket_issued_after_a002_is_called_before_it_at_counter_1(
    api: Api, clock: Clock
) -> None:
    services, counters = demo_hall(api)
    for _ in range(2):
        api.issue(services["A"])
        clock.advance(minutes=1)
    api.issue(services["V"])  # two minutes after A001, one after A002
    api.act(counters[1], "open")
    assert calls(api, counters[1], 4) == ["V001", "A001", "A002", None]


def test_the_boost_is_bounded_a_long_waiting_ticket_still_goes_first(
    api: Api, clock: Clock
) -> None:
    services, counters = demo_hall(api)
    api.issue(services["C"])
    clock.advance(minutes=20)  # longer than the default boost of 15 minutes
    api.issue(services["C"])
    api.issue(services["V"])
    api.act(counters[6], "open")  # counter 6 serves C and V
    assert calls(api, counters[6], 3) == ["C001", "V001", "C002"]


def test_a_service_becomes_a_priority_service_by_patch(api: Api) -> None:
    service = api.service("B")
    assert service["priority"] is False
    r = api.client.patch(f"/api/v1/services/{service['id']}", json={"priority": True},
                         headers=api.admin)  # fmt: skip
    assert r.status_code == 200 and r.json()["priority"] is True
    assert api.issue(service["id"])["priority"] == "priority"
    assert api.issue(service["id"], priority="appointment")["priority"] == "appointment"


def test_the_halls_figure_for_a_priority_service_counts_the_lane_it_joins(api: Api) -> None:
    """The kiosk's and the TV's estimate per service is the wait of a ticket taken now: a
    priority service's ticket is called from the priority lane, ahead of the normal queue
    (the hall's boost), so its figure is not that of a ticket behind everyone waiting."""
    a = api.service("A", service_min=10)["id"]
    v = api.service("V", service_min=10, priority=True)["id"]
    counter = api.counter(1, [a, v])["id"]
    api.act(counter, "open")
    for _ in range(6):
        api.issue(a)
    services = api.get("/api/v1/branches/1/queue")["services"]
    figures = {s["id"]: s["estimated_wait_s"] for s in services}
    assert figures[a] > 0 and 0 <= figures[v] < figures[a] / 3, figures  # not behind the six
    public = api.get("/api/v1/public/branches/1")["services"]
    assert {s["id"]: s["estimated_wait_s"] for s in public}[v] == figures[v]
    issued = api.issue(v)
    assert issued["priority"] == "priority" and issued["estimated_wait_s"] < figures[a] / 3
