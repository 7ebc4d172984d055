"""The alert rules on plain snapshots (server/alerts/domain.py): which conditions hold, when the
next one starts, and what to raise and clear against the active alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.alerts.domain import (
    Condition,
    CounterView,
    DeviceView,
    Hall,
    ServiceView,
    Thresholds,
    TicketView,
    changes,
    evaluate,
    queues,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
A = ServiceView(1, "A", target_wait_min=15)


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def waiting(n: int, service_id: int = 1, **queued: float) -> list[TicketView]:
    at = ago(**queued) if queued else NOW
    return [TicketView(100 + i, service_id, f"A{i:03}", "waiting", at) for i in range(n)]


def kinds(hall: Hall) -> list[tuple[str, str]]:
    return sorted(c.ident for c in evaluate(hall).conditions)


def hall(**parts: object) -> Hall:
    """A snapshot; its waiting tickets given as `tickets` become the queues the repository
    counts (`queues`, the domain's own reckoning of them)."""
    base: dict[str, object] = {"now": NOW, "open_now": True, "thresholds": Thresholds(),
                               "services": [A]}  # fmt: skip
    made = base | parts
    tickets: list[TicketView] = list(made.get("tickets", ()))  # type: ignore[call-overload]
    made["queues"] = queues(tickets, made["services"], NOW)  # type: ignore[arg-type]
    made["tickets"] = [t for t in tickets if t.state != "waiting"]
    return Hall(**made)  # type: ignore[arg-type]


OPEN_A = CounterView(7, 3, "open", (1,))


def test_a_quiet_hall_has_no_alert() -> None:
    assert kinds(hall(counters=[OPEN_A])) == []
    assert kinds(hall(tickets=waiting(3), counters=[OPEN_A])) == []


def test_a_ticket_over_its_target_raises_one_alert_per_service_and_says_when_it_will() -> None:
    fresh = hall(tickets=waiting(2, minutes=14), counters=[OPEN_A])
    assert kinds(fresh) == []
    assert evaluate(fresh).next_due == ago(minutes=14) + timedelta(minutes=15, microseconds=1)
    late = hall(tickets=waiting(2, minutes=16), counters=[OPEN_A])
    (condition,) = evaluate(late).conditions
    assert condition.ident == ("wait_over_target", "service:1")
    assert condition.subject == {"service_id": 1}
    assert condition.detail["over"] == 2 and condition.detail["waited_min"] == 16


def test_a_target_of_zero_means_no_target() -> None:
    untimed = ServiceView(1, "A", target_wait_min=0)
    assert kinds(hall(services=[untimed], tickets=waiting(1, hours=5), counters=[OPEN_A])) == []


def test_a_long_queue_asks_for_another_counter() -> None:
    assert kinds(hall(tickets=waiting(8), counters=[OPEN_A])) == []
    assert kinds(hall(tickets=waiting(9), counters=[OPEN_A])) == [("queue_long", "service:1")]
    two = [OPEN_A, CounterView(8, 4, "open", (1,))]
    assert kinds(hall(tickets=waiting(16), counters=two)) == []
    strict = Thresholds(queue_per_counter=2)
    assert kinds(hall(tickets=waiting(3), counters=[OPEN_A], thresholds=strict)) == [
        ("queue_long", "service:1")
    ]


def test_people_waiting_with_no_open_counter_only_during_opening_hours() -> None:
    paused = CounterView(7, 3, "paused", (1,))
    assert kinds(hall(tickets=waiting(1), counters=[paused])) == [("no_open_counter", "service:1")]
    assert kinds(hall(tickets=waiting(1), counters=[paused], open_now=False)) == []
    assert kinds(hall(tickets=[], counters=[])) == []


def test_a_long_pause() -> None:
    short = CounterView(7, 3, "paused", (1,), paused_since=ago(minutes=15))
    assert kinds(hall(counters=[short])) == []
    assert evaluate(hall(counters=[short])).next_due == NOW + timedelta(microseconds=1)
    long = CounterView(7, 3, "paused", (1,), paused_since=ago(minutes=16), clerk="li")
    (condition,) = evaluate(hall(counters=[long])).conditions
    assert condition.ident == ("long_pause", "counter:7")
    assert condition.detail["clerk"] == "li" and condition.detail["paused_min"] == 16


def test_called_and_not_started() -> None:
    ticket = TicketView(5, 1, "A005", "called", ago(minutes=20), called_at=ago(minutes=6),
                        counter_id=7)  # fmt: skip
    (condition,) = evaluate(hall(tickets=[ticket], counters=[OPEN_A])).conditions
    assert condition.ident == ("called_not_started", "ticket:5")
    assert condition.subject == {"ticket_id": 5, "counter_id": 7}
    assert condition.detail["counter"] == 3
    soon = TicketView(5, 1, "A005", "called", ago(minutes=20), called_at=ago(minutes=4))
    assert kinds(hall(tickets=[soon], counters=[OPEN_A])) == []


def test_a_service_over_its_limit_only_when_the_service_has_one() -> None:
    serving = TicketView(5, 1, "A005", "serving", ago(minutes=40), ago(minutes=39),
                         started_at=ago(minutes=31), counter_id=7)  # fmt: skip
    assert kinds(hall(tickets=[serving], counters=[OPEN_A])) == []
    limited = ServiceView(1, "A", 15, max_service_min=30)
    assert kinds(hall(services=[limited], tickets=[serving], counters=[OPEN_A])) == [
        ("service_over_limit", "ticket:5")
    ]


def test_devices_offline_printer_faults_and_low_paper() -> None:
    gone = DeviceView(3, "display", "TV", last_seen_at=ago(seconds=121))
    here = DeviceView(4, "display", "TV2", last_seen_at=ago(seconds=119))
    never = DeviceView(5, "kiosk", "K", last_seen_at=None)
    assert kinds(hall(devices=[gone, here, never])) == [("device_offline", "device:3")]
    out = DeviceView(6, "kiosk", "K", NOW, printer_online=True, printer_paper="out")
    low = DeviceView(7, "kiosk", "K2", NOW, printer_online=True, printer_paper="near_end")
    off = DeviceView(8, "kiosk", "K3", NOW, printer_online=False, printer_paper="ok")
    fine = DeviceView(9, "kiosk", "K4", NOW, printer_online=True, printer_paper="ok")
    assert kinds(hall(devices=[out, low, off, fine])) == [
        ("paper_low", "device:7"), ("printer_fault", "device:6"), ("printer_fault", "device:8"),
    ]  # fmt: skip


def test_changes_raise_the_new_and_clear_the_ended_once() -> None:
    a = Condition("queue_long", "service:1", {"service_id": 1})
    b = Condition("long_pause", "counter:7", {"counter_id": 7})
    todo = changes({}, [a, b])
    assert todo.raise_ == [a, b] and todo.clear == []
    todo = changes({a.ident: 11, b.ident: 12}, [a, b])  # still holding: nothing again
    assert todo.raise_ == [] and todo.clear == []
    todo = changes({a.ident: 11, b.ident: 12}, [b])
    assert todo.raise_ == [] and todo.clear == [11]
