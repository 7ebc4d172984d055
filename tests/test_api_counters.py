"""Counter actions through the API: open, call, serve, transfer, park, priority and two clerks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.support import Clock, driver_statements, ok

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def refused(
    api: Api,
    counter_id: int,
    action: str,
    code: str,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> None:
    r = api.client.post(
        f"/api/v1/counters/{counter_id}/{action}", json=json, headers=headers or api.admin
    )
    body = ok(r, 409)
    assert set(body) == {"error", "detail"} and body["error"] == code, body


def hall(api: Api, *prefixes: str) -> tuple[list[int], list[int]]:
    """Services with these prefixes, and one counter per service serving only it."""
    services = [api.service(p)["id"] for p in prefixes]
    counters = [api.counter(n, [sid])["id"] for n, sid in enumerate(services, start=1)]
    return services, counters


def call_numbers(api: Api, counter_id: int, times: int) -> list[str | None]:
    numbers = []
    for _ in range(times):
        ticket = api.act(counter_id, "call-next", {"complete_current": True})["ticket"]
        numbers.append(ticket["number"] if ticket else None)
    return numbers


# ---- counter state -----------------------------------------------------------------------


def test_a_counter_opens_pauses_with_a_reason_and_closes(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    api.issue(service)
    refused(api, counter, "call-next", "counter_not_open")
    refused(api, counter, "pause", "counter_not_open", {"reason": "lunch"})
    opened = api.act(counter, "open")["counter"]
    assert opened["state"] == "open" and opened["clerk_id"] is not None
    paused = api.act(counter, "pause", {"reason": "lunch"})
    assert paused["counter"]["state"] == "paused" and paused["counter"]["pause_reason"] == "lunch"
    assert paused["ticket"] is None
    refused(api, counter, "call-next", "counter_not_open")
    reopened = api.act(counter, "open")["counter"]
    assert reopened["state"] == "open" and reopened["pause_reason"] is None
    closed = api.act(counter, "close")["counter"]
    assert closed["state"] == "closed" and closed["clerk_id"] is None
    refused(api, counter, "call-next", "counter_not_open")


def test_call_next_on_an_empty_queue_answers_no_ticket(api: Api) -> None:
    _, (counter,) = hall(api, "A")
    api.act(counter, "open")
    result = api.act(counter, "call-next")
    assert result["ticket"] is None and result["counter"]["ticket_id"] is None


def test_call_next_with_a_ticket_in_hand_is_a_conflict_unless_it_completes_it(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    first, second = api.issue(service), api.issue(service)
    api.act(counter, "open")
    api.act(counter, "call-next")
    refused(api, counter, "call-next", "conflict")
    refused(api, counter, "pause", "conflict")
    result = api.act(counter, "call-next", {"complete_current": True})
    assert result["ticket"]["id"] == second["id"]
    assert result["counter"]["ticket_id"] == second["id"]
    done = ok(api.client.get(f"/api/v1/tickets/{first['id']}", headers=api.admin))
    assert done["state"] == "done" and done["finished_at"] is not None


def test_a_ticket_is_recalled_started_and_completed_with_an_outcome(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    ticket = api.issue(service)
    api.act(counter, "open")
    refused(api, counter, "recall", "invalid_transition")  # nothing in hand
    called = api.act(counter, "call-next")["ticket"]
    assert called["calls"] == 1 and called["counter_id"] == counter
    assert api.act(counter, "recall")["ticket"]["calls"] == 2
    assert api.act(counter, "recall")["ticket"]["calls"] == 3
    started = api.act(counter, "start")["ticket"]
    assert started["state"] == "serving" and started["started_at"] is not None
    refused(api, counter, "recall", "invalid_transition")
    refused(api, counter, "start", "invalid_transition")
    done = api.act(counter, "complete", {"outcome": "account opened"})
    assert done["ticket"]["id"] == ticket["id"] and done["ticket"]["state"] == "done"
    assert done["ticket"]["outcome"] == "account opened" and done["counter"]["ticket_id"] is None
    refused(api, counter, "complete", "invalid_transition")


def test_a_called_customer_who_does_not_come_is_a_no_show(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    api.issue(service)
    api.act(counter, "open")
    api.act(counter, "call-next")
    result = api.act(counter, "no-show")
    assert result["ticket"]["state"] == "no_show" and result["counter"]["ticket_id"] is None
    refused(api, counter, "no-show", "invalid_transition")


# ---- transfer, park, call out of order ---------------------------------------------------


@pytest.mark.parametrize(
    ("position", "order"),
    [
        ("original", ["B001", "A001", "B002"]),
        ("front", ["A001", "B001", "B002"]),
        ("back", ["B001", "B002", "A001"]),
    ],
)
def test_a_ticket_transferred_to_another_service_queues_where_the_clerk_chose(
    api: Api, clock: Clock, position: str, order: list[str]
) -> None:
    (a, b), (counter_a, counter_b) = hall(api, "A", "B")
    for service in (b, a, b):  # B001, then A001, then B002, a minute apart
        api.issue(service)
        clock.advance(minutes=1)
    api.act(counter_a, "open")
    assert api.act(counter_a, "call-next")["ticket"]["number"] == "A001"
    moved = api.act(counter_a, "transfer", {"service_id": b, "position": position})
    assert moved["ticket"]["state"] == "waiting" and moved["ticket"]["service_id"] == b
    assert moved["ticket"]["counter_id"] is None and moved["counter"]["ticket_id"] is None
    api.act(counter_b, "open")
    assert call_numbers(api, counter_b, 4) == [*order, None]


def test_a_ticket_transferred_to_a_counter_is_called_only_there(api: Api) -> None:
    a, b = api.service("A")["id"], api.service("B")["id"]
    counter_a = api.counter(1, [a])["id"]
    others = [api.counter(n, [a, b])["id"] for n in (2, 3)]
    ticket = api.issue(a)
    for counter in (counter_a, *others):
        api.act(counter, "open")
    api.act(counter_a, "call-next")
    api.act(counter_a, "transfer", {"counter_id": others[1]})
    assert api.act(counter_a, "call-next")["ticket"] is None
    assert api.act(others[0], "call-next")["ticket"] is None
    called = api.act(others[1], "call-next")["ticket"]
    assert called["id"] == ticket["id"] and called["counter_id"] == others[1]


def test_a_transfer_needs_exactly_one_target(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    api.issue(service)
    api.act(counter, "open")
    api.act(counter, "call-next")
    for body in ({}, {"service_id": service, "counter_id": counter}):
        r = api.client.post(f"/api/v1/counters/{counter}/transfer", json=body, headers=api.admin)
        assert ok(r, 422)["error"] == "validation_error"


def test_a_parked_ticket_waits_aside_and_is_resumed_later(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    parked, nxt = api.issue(service), api.issue(service)
    api.act(counter, "open")
    api.act(counter, "call-next")
    result = api.act(counter, "park")
    assert result["ticket"]["state"] == "parked" and result["counter"]["ticket_id"] is None
    assert api.act(counter, "call-next")["ticket"]["id"] == nxt["id"]
    refused(api, counter, "resume", "conflict", {"ticket_id": parked["id"]})
    refused(api, counter, "resume", "invalid_transition", {"ticket_id": nxt["id"]})
    resumed = api.act(counter, "resume", {"ticket_id": parked["id"], "complete_current": True})
    assert resumed["ticket"]["state"] == "called" and resumed["ticket"]["calls"] == 2
    assert resumed["counter"]["ticket_id"] == parked["id"]


def test_a_clerk_can_call_a_waiting_ticket_out_of_order(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    tickets = [api.issue(service) for _ in range(3)]
    api.act(counter, "open")
    called = api.act(counter, "call", {"ticket_id": tickets[2]["id"]})["ticket"]
    assert called["number"] == "A003" and called["state"] == "called"
    refused(api, counter, "call", "invalid_transition", {"ticket_id": tickets[2]["id"]})
    r = api.client.post(
        f"/api/v1/counters/{counter}/call", json={"ticket_id": 999999}, headers=api.admin
    )
    assert ok(r, 404)["error"] == "not_found"
    assert call_numbers(api, counter, 3) == ["A001", "A002", None]


# ---- who is called next ------------------------------------------------------------------


def test_a_priority_ticket_overtakes_only_normal_tickets_issued_shortly_before_it(
    api: Api, clock: Clock
) -> None:
    (service,), (counter,) = hall(api, "A")  # the default boost is 15 minutes
    api.act(counter, "open")
    api.issue(service)
    clock.advance(minutes=5)
    api.issue(service, priority="priority")
    assert call_numbers(api, counter, 2) == ["A002", "A001"]
    api.act(counter, "complete")
    api.issue(service)
    clock.advance(minutes=20)
    api.issue(service, priority="priority")
    assert call_numbers(api, counter, 3) == ["A003", "A004", None]


def test_a_counter_interleave_of_two_calls_one_priority_after_every_two_normals(
    api: Api, clock: Clock
) -> None:
    (service,), (counter,) = hall(api, "A")
    patched = ok(
        api.client.patch(
            f"/api/v1/counters/{counter}", json={"priority_interleave": 2}, headers=api.admin
        )
    )
    assert patched["priority_interleave"] == 2
    for priority in ["normal"] * 4 + ["priority"] * 2:  # A001-A004 normal, A005-A006 priority
        api.issue(service, priority=priority)
        clock.advance(minutes=1)
    api.act(counter, "open")
    assert call_numbers(api, counter, 7) == ["A001", "A002", "A005", "A003", "A004", "A006", None]


# ---- clerks ------------------------------------------------------------------------------


def test_a_second_clerk_cannot_act_on_a_counter_staffed_by_the_first(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    first = api.user("clerk1", "clerk", [1])
    second = api.user("clerk2", "clerk", [1])
    api.issue(service)
    api.issue(service)
    api.act(counter, "open", headers=first)
    api.act(counter, "call-next", headers=first)
    for action in ("call-next", "recall", "complete", "no-show", "park", "close"):
        refused(api, counter, action, "conflict", headers=second)
    refused(api, counter, "open", "conflict", headers=second)  # a ticket is still in hand
    assert api.act(counter, "recall", headers=first)["ticket"]["calls"] == 2


def test_a_handover_needs_an_empty_hand_before_closing(api: Api) -> None:
    (service,), (counter,) = hall(api, "A")
    first = api.user("clerk1", "clerk", [1])
    second = api.user("clerk2", "clerk", [1])
    api.issue(service)
    api.issue(service)
    first_id = api.act(counter, "open", headers=first)["counter"]["clerk_id"]
    api.act(counter, "call-next", headers=first)
    refused(api, counter, "close", "conflict", headers=first)
    api.act(counter, "complete", headers=first)
    closed = api.act(counter, "close", headers=first)["counter"]
    assert closed["state"] == "closed" and closed["clerk_id"] is None
    opened = api.act(counter, "open", headers=second)["counter"]
    assert opened["clerk_id"] not in (None, first_id)
    assert api.act(counter, "call-next", headers=second)["ticket"]["number"] == "A002"
    refused(api, counter, "call-next", "conflict", headers=first)


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_call_reads_its_counter_once_under_the_lock_and_both_lanes_together(api: Api) -> None:
    """On PostgreSQL the counter's branch is known before anything is read (a counter never
    moves to another hall): a call takes the branch's lock and reads the branch and its
    counter in one round trip (pipeline mode: the reads run once the lock is held), the
    counter once; the first normal and the first priority ticket come in one statement."""
    (service,), (counter,) = hall(api, "A")
    api.issue(service)
    api.issue(service, priority="priority")
    api.act(counter, "open")
    with driver_statements() as sent:
        called = api.act(counter, "call-next")
    assert called["ticket"]["priority"] == "priority"  # the lane's head, ahead of A001
    lock = next(i for i, s in enumerate(sent) if "pg_advisory_xact_lock" in s)
    together = sent[lock : lock + 3]  # the lock, the branch, the counter: sent at once
    assert all(s.startswith("PIPELINE: ") for s in together), sent
    assert "FROM branch " in together[1] and "FROM counter " in together[2], sent
    assert sum("FROM counter " in s for s in sent) == 1, sent  # the counter read once
    assert sum("SELECT ticket." in s for s in sent) == 1, sent
    assert api.act(counter, "call-next", {"complete_current": True})["ticket"]["number"] == "A001"
