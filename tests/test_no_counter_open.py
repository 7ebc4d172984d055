"""A service that no open counter serves has no wait estimate (issue 13, item 20): the API says
`estimated_wait_s: null` with `open_counters: 0` in the queue view, the ticket and the public
ticket, and the printed ticket says that no counter is open instead of a wait."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def queued(api: Api, service_id: int) -> dict[str, Any]:
    view = api.get("/api/v1/branches/1/queue")
    return next(s for s in view["services"] if s["id"] == service_id)


def test_no_open_counter_means_no_estimate_until_one_opens(api: Api) -> None:
    c = api.service("C", service_min=4)
    a = api.service("A", service_min=6)
    counter_c = api.counter(5, [c["id"]])
    api.act(api.counter(1, [a["id"]])["id"], "open")  # another service's counter is open
    for _ in range(3):
        api.issue(c["id"])
    mine = api.issue(c["id"])
    assert (mine["position"], mine["estimated_wait_s"], mine["open_counters"]) == (3, None, 0)
    public = api.get(f"/api/v1/public/tickets/{mine['public_id']}")
    assert (public["estimated_wait_s"], public["open_counters"]) == (None, 0)
    service = queued(api, c["id"])
    assert service["waiting"] == 4
    assert (service["estimated_wait_s"], service["open_counters"]) == (None, 0)
    other = queued(api, a["id"])
    assert (other["estimated_wait_s"], other["open_counters"]) == (0, 1)

    api.act(counter_c["id"], "open")
    service = queued(api, c["id"])
    assert (service["estimated_wait_s"], service["open_counters"]) == (4 * 4 * 60, 1)
    public = api.get(f"/api/v1/public/tickets/{mine['public_id']}")
    assert (public["estimated_wait_s"], public["open_counters"]) == (3 * 4 * 60, 1)

    api.act(counter_c["id"], "pause", {"reason": "lunch"})  # a paused counter calls nobody
    assert queued(api, c["id"])["estimated_wait_s"] is None
    ticket = api.get(f"/api/v1/tickets/{mine['id']}")
    assert (ticket["estimated_wait_s"], ticket["open_counters"]) == (None, 0)


def test_a_ticket_that_no_longer_waits_has_no_count_of_counters(api: Api) -> None:
    a = api.service("A")
    counter = api.counter(1, [a["id"]])
    ticket = api.issue(a["id"])
    api.act(counter["id"], "open")
    called = api.act(counter["id"], "call-next")["ticket"]
    assert called["id"] == ticket["id"]
    assert (called["estimated_wait_s"], called["open_counters"]) == (None, None)
