"""Statistics on a scenario with known times, compared with figures worked out by hand.

Hall 1 (Asia/Shanghai, region 华东) on 2026-01-15 from 09:00 local (01:00 UTC); minutes from
then. Service A targets 10 min, B 5 min. Counter 1 (A, B) is clerk c1's, counter 2 (B) c2's.

  0:00  issue a1 a2 b1 a3 (A A B A), then b2 (B)
  2:00  c2 calls b1                 wait 120  B within
  3:00  c2 starts b1
  4:00  c1 calls a1                 wait 240  A within
  5:00  c1 recalls a1               (the wait does not restart)
  6:00  c1 starts a1
  7:00  c2 completes b1             service 240
  7:00  c2 calls b2                 wait 420  B over
  9:00  c2: b2 no-show
 11:00  c1 completes a1             service 300
 11:00  c1 calls a2                 wait 660  A over
 12:00  c1 transfers a2 to B        (a new wait in B from 12:00)
 12:00  c1 calls a3                 wait 720  A over
 14:00  c2 calls a2                 wait 120  B within
 15:00  c2 completes a2             service 60 (never started: finish − call)
 16:00  c1 completes a3             service 240; a4 (A) issued
 17:00  a4 cancelled; b3 (B) issued
 20:00  b2 requeued                 (a new wait from 20:00)
 22:00  c2 calls b3                 wait 300 = B's target: within
 23:00  c2 completes b3             service 60; b4 (B) issued
 24:00  c2 calls b2                 wait 240  B within
 24:30  c2 starts b2
 26:00  c2 completes b2             service 90; c2 calls b4: wait 180 B within; a5 (A) issued
 28:00  c2: b4 no-show
a1 is rated 5 and b1 3; a5 is still waiting.

Waits: 120 120 180 240 240 300 420 660 720 → n 9, mean 333.3, median 240, p90 660 + 0.2·60 =
672, max 720, within 6/9 = 66.7 %. Services: 60 60 90 240 240 300 → mean 165, median
(90+240)/2 = 165, p90 240 + 0.5·60 = 270.

Hall 2 (America/Los_Angeles, UTC−8, region 华南): s1 issued 23:50 local on 01-14 (07:50 UTC on
01-15), called 07:52 (wait 120), completed 07:55; s2 issued 00:10 local on 01-15, called 08:13
(wait 180), completed 08:20 (service 420).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.stats.figures import (
    CALLED,
    SegmentEvent,
    earlier_segments,
    offset_changes,
    percentile,
    within_target,
)
from tests.conftest import Api
from tests.support import Clock, cheap_password_hashing

T0 = datetime(2026, 1, 15, 1, 0, tzinfo=UTC)
DAY = "2026-01-15"


@dataclass
class Hall:
    api: Api
    clock: Clock
    ids: dict[str, int] = field(default_factory=dict)
    public: dict[str, str] = field(default_factory=dict)
    clerks: dict[str, dict[str, str]] = field(default_factory=dict)

    def at(self, minutes: float) -> None:
        self.clock.now = T0 + timedelta(minutes=minutes)

    def issue(self, name: str, service: str) -> None:
        ticket = self.api.issue(self.ids[service])
        self.ids[name], self.public[name] = ticket["id"], ticket["public_id"]

    def act(self, clerk: str, counter: str, action: str, body: Any = None) -> Any:
        return self.api.act(self.ids[counter], action, body, self.clerks[clerk])

    def call(self, clerk: str, counter: str, ticket: str) -> None:
        self.act(clerk, counter, "call", {"ticket_id": self.ids[ticket]})

    def stats(self, path: str, **params: Any) -> Any:
        return self.api.get(f"/api/v1/stats/{path}", **params)


@pytest.fixture
def hall(api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Hall:
    return make_hall(api, clock, monkeypatch)


def make_hall(api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Hall:
    """Two halls in two regions, their services, counters and clerks (before the day)."""
    cheap_password_hashing(monkeypatch)
    h = Hall(api, clock)
    h.at(-60)
    api.client.patch("/api/v1/branches/1", json={"region": "华东", "timezone": "Asia/Shanghai"},
                     headers=api.admin).raise_for_status()  # fmt: skip
    h.ids["A"] = api.service("A", target_wait_min=10)["id"]
    h.ids["B"] = api.service("B", target_wait_min=5)["id"]
    h.ids["k1"] = api.counter(1, [h.ids["A"], h.ids["B"]])["id"]
    h.ids["k2"] = api.counter(2, [h.ids["B"]])["id"]
    branch2 = api.post("/api/v1/branches", {"name": "南区大厅", "timezone": "America/Los_Angeles",
                                            "region": "华南"}, status=201)  # fmt: skip
    h.ids["hall2"] = branch2["id"]
    h.ids["C"] = api.service("C", branch_id=branch2["id"], target_wait_min=3)["id"]
    h.ids["k3"] = api.counter(1, [h.ids["C"]], branch_id=branch2["id"])["id"]
    for name, branches in (("c1", [1]), ("c2", [1]), ("c3", [branch2["id"]])):
        h.clerks[name] = api.user(name, branch_ids=branches)
    users = {u["username"]: u["id"] for u in api.get("/api/v1/users")}
    h.ids |= {name: users[name] for name in h.clerks}
    return h


def run_scenario(h: Hall) -> None:
    h.at(0)
    for name, service in (("a1", "A"), ("a2", "A"), ("b1", "B"), ("a3", "A"), ("b2", "B")):
        h.issue(name, service)
    h.act("c1", "k1", "open")
    h.act("c2", "k2", "open")
    h.at(2), h.call("c2", "k2", "b1")
    h.at(3), h.act("c2", "k2", "start")
    h.at(4), h.call("c1", "k1", "a1")
    h.at(5), h.act("c1", "k1", "recall")
    h.at(6), h.act("c1", "k1", "start")
    h.at(7), h.act("c2", "k2", "complete"), h.call("c2", "k2", "b2")
    h.at(9), h.act("c2", "k2", "no-show")
    h.at(11), h.act("c1", "k1", "complete"), h.call("c1", "k1", "a2")
    h.at(12), h.act("c1", "k1", "transfer", {"service_id": h.ids["B"]})
    h.call("c1", "k1", "a3")
    h.at(14), h.call("c2", "k2", "a2")
    h.at(15), h.act("c2", "k2", "complete")
    h.at(16), h.act("c1", "k1", "complete"), h.issue("a4", "A")
    h.at(17), h.api.post(f"/api/v1/tickets/{h.ids['a4']}/cancel"), h.issue("b3", "B")
    h.at(20), h.api.post(f"/api/v1/tickets/{h.ids['b2']}/requeue", {})
    h.at(22), h.call("c2", "k2", "b3")
    h.at(23), h.act("c2", "k2", "complete"), h.issue("b4", "B")
    h.at(24), h.call("c2", "k2", "b2")
    h.at(24.5), h.act("c2", "k2", "start")
    h.at(26), h.act("c2", "k2", "complete"), h.call("c2", "k2", "b4"), h.issue("a5", "A")
    h.at(28), h.act("c2", "k2", "no-show")
    for name, score in (("a1", 5), ("b1", 3)):
        h.api.post(f"/api/v1/public/tickets/{h.public[name]}/rating", {"score": score})
    # hall 2, across its local midnight (UTC−8)
    h.at(6 * 60 + 50), h.issue("s1", "C")
    h.act("c3", "k3", "open")
    h.at(6 * 60 + 52), h.call("c3", "k3", "s1")
    h.at(6 * 60 + 55), h.act("c3", "k3", "complete")
    h.at(7 * 60 + 10), h.issue("s2", "C")
    h.at(7 * 60 + 13), h.call("c3", "k3", "s2")
    h.at(7 * 60 + 20), h.act("c3", "k3", "complete")


HALL1 = {
    "issued": 9, "served": 6, "no_show": 1, "cancelled": 1, "day_closed": 0, "waiting_now": 1,
    "called": 9,
    "wait_s": {"mean": 333.3, "median": 240.0, "p90": 672.0, "max": 720.0},
    "service_s": {"mean": 165.0, "median": 165.0, "p90": 270.0},
    "sla_pct": 66.7, "over_limit": 0, "rating": {"mean": 4.0, "count": 2, "low": 0},
    "appointments": {"booked": 0, "checked_in": 0, "missed": 0, "cancelled": 0},
}  # fmt: skip


def test_summary_matches_the_figures_worked_out_by_hand(hall: Hall) -> None:
    run_scenario(hall)
    assert hall.stats("summary", branch_id=1, **{"from": DAY, "to": DAY}) == HALL1
    buckets = hall.stats("wait-distribution", branch_id=1, **{"from": DAY, "to": DAY})
    assert [(b["from_s"], b["to_s"], b["count"]) for b in buckets[:4]] == [
        (0, 300, 5), (300, 600, 2), (600, 900, 2), (900, 1200, 0)
    ]  # fmt: skip
    assert buckets[-1] == {"from_s": 3600, "to_s": None, "count": 0}
    assert hall.stats("summary", branch_id=1, **{"from": "2026-01-14", "to": "2026-01-14"}) == {
        "issued": 0, "served": 0, "no_show": 0, "cancelled": 0, "day_closed": 0, "waiting_now": 0,
        "called": 0,
        "wait_s": {"mean": None, "median": None, "p90": None, "max": None},
        "service_s": {"mean": None, "median": None, "p90": None},
        "sla_pct": None, "over_limit": 0, "rating": {"mean": None, "count": 0, "low": 0},
        "appointments": {"booked": 0, "checked_in": 0, "missed": 0, "cancelled": 0},
    }  # fmt: skip


def row(rows: list[dict[str, Any]], key: Any) -> dict[str, Any]:
    return next(r for r in rows if r["key"] == key)


def test_each_wait_counts_in_the_queue_where_it_was_waited(hall: Hall) -> None:
    run_scenario(hall)
    span = {"branch_id": 1, "from": DAY, "to": DAY}
    by_service = hall.stats("breakdown", group_by="service", locale="en", **span)
    a, b = row(by_service, hall.ids["A"]), row(by_service, hall.ids["B"])
    assert a["label"] == "Service A" and len(by_service) == 2
    # tickets count where they ended (a2 moved to B); waits where they were waited
    assert (a["issued"], a["served"], a["cancelled"], a["waiting_now"]) == (4, 2, 1, 1)
    assert (a["called"], a["sla_pct"], a["wait_s"]) == (
        3, 33.3, {"mean": 540.0, "median": 660.0, "p90": 708.0, "max": 720.0})  # fmt: skip
    assert a["service_s"] == {"mean": 270.0, "median": 270.0, "p90": 294.0}
    assert (b["issued"], b["served"], b["no_show"], b["called"], b["sla_pct"]) == (5, 4, 1, 6, 83.3)
    assert b["wait_s"] == {"mean": 230.0, "median": 210.0, "p90": 360.0, "max": 420.0}
    by_counter = hall.stats("breakdown", group_by="counter", locale="zh-CN", **span)
    k1, k2 = row(by_counter, hall.ids["k1"]), row(by_counter, hall.ids["k2"])
    assert k1["label"] == "1号窗口" and k1["called"] == 3 and k1["issued"] == 2
    assert k2["called"] == 6 and k2["issued"] == 5
    assert row(by_counter, None)["issued"] == 2 and row(by_counter, None)["waiting_now"] == 1
    by_clerk = hall.stats("breakdown", group_by="clerk", **span)
    c1, c2 = row(by_clerk, hall.ids["c1"]), row(by_clerk, hall.ids["c2"])
    assert c1["label"] == "c1" and c1["wait_s"]["mean"] == 540.0 and c1["served"] == 2
    assert c2["wait_s"]["mean"] == 230.0 and c2["served"] == 4
    assert c2["rating"] == {"mean": 3.0, "count": 1, "low": 0} and c1["rating"]["mean"] == 5.0


def test_regions_and_the_day_boundary_in_each_halls_timezone(hall: Hall) -> None:
    run_scenario(hall)
    hall2 = hall.ids["hall2"]
    day14 = hall.stats("summary", branch_id=hall2, **{"from": "2026-01-14", "to": "2026-01-14"})
    assert (day14["issued"], day14["wait_s"]["max"], day14["sla_pct"]) == (1, 120.0, 100.0)
    day15 = hall.stats("summary", branch_id=hall2, **{"from": DAY, "to": DAY})
    assert (day15["issued"], day15["wait_s"]["max"], day15["service_s"]["mean"]) == (1, 180.0, 420)
    hours = hall.stats("breakdown", group_by="hour", branch_id=hall2,
                       **{"from": "2026-01-14", "to": DAY})  # fmt: skip
    assert [(r["key"], r["label"], r["issued"]) for r in hours] == [(0, "00:00", 1),
                                                                    (23, "23:00", 1)]  # fmt: skip
    days = hall.stats("breakdown", group_by="day", region="华南",
                      **{"from": "2026-01-14", "to": DAY})  # fmt: skip
    assert [(r["key"], r["issued"]) for r in days] == [("2026-01-14", 1), (DAY, 1)]
    assert hall.stats("summary", region="华东", **{"from": DAY, "to": DAY}) == HALL1
    everything = hall.stats("summary", **{"from": DAY, "to": DAY})
    assert (everything["issued"], everything["called"]) == (10, 10)
    halls = hall.stats("breakdown", group_by="branch", **{"from": "2026-01-14", "to": DAY})
    assert [(r["key"], r["issued"]) for r in halls] == [(1, 9), (hall2, 2)]
    assert row(halls, hall2)["label"] == "南区大厅"
    hall1_hours = hall.stats("breakdown", group_by="hour", branch_id=1, **{"from": DAY, "to": DAY})
    assert [(r["key"], r["issued"]) for r in hall1_hours] == [(9, 9)]
    nowhere = hall.api.client.get("/api/v1/stats/summary", headers=hall.api.admin,
                                  params={"region": "nowhere", "from": DAY, "to": DAY})  # fmt: skip
    assert (nowhere.status_code, nowhere.json()["error"]) == (404, "not_found")


def test_managers_see_only_their_halls(hall: Hall) -> None:
    run_scenario(hall)
    manager = hall.api.user("boss", role="manager", branch_ids=[1])
    span = {"from": "2026-01-14", "to": DAY}
    mine = hall.api.client.get("/api/v1/stats/summary", params=span, headers=manager).json()
    assert mine["issued"] == 9
    other = hall.api.client.get("/api/v1/stats/summary", headers=manager,
                                params={"branch_id": hall.ids["hall2"], **span})  # fmt: skip
    assert other.status_code == 403
    south = hall.api.client.get("/api/v1/stats/summary", headers=manager,
                                params={"region": "华南", **span})  # fmt: skip
    assert south.status_code == 404  # no hall of that region is visible to this manager
    clerk = hall.api.client.get("/api/v1/stats/summary", headers=hall.clerks["c1"])
    assert clerk.status_code == 403
    both = hall.api.client.get("/api/v1/stats/summary", headers=manager,
                               params={"branch_id": 1, "region": "华东"})  # fmt: skip
    assert both.status_code == 422
    backwards = hall.api.client.get("/api/v1/stats/summary", headers=manager,
                                    params={"from": DAY, "to": "2026-01-14"})  # fmt: skip
    assert backwards.status_code == 422 and backwards.json()["error"] == "validation_error"
    far = hall.api.client.get("/api/v1/stats/summary", headers=manager,
                              params={"from": "9999-12-31", "to": "9999-12-31"})  # fmt: skip
    assert far.status_code == 422


def test_the_audit_log_says_who_did_what_when_and_where(hall: Hall) -> None:
    run_scenario(hall)
    entries = hall.api.get("/api/v1/audit", branch_id=1, ticket_id=hall.ids["a2"])
    assert [e["type"] for e in reversed(entries)] == [
        "ticket.issued", "ticket.called", "ticket.transferred", "ticket.called",
        "ticket.completed",
    ]  # fmt: skip
    transfer = entries[2]
    assert (transfer["username"], transfer["counter_number"], transfer["number"]) == (
        "c1",
        1,
        "A002",
    )
    assert transfer["ts"].startswith("2026-01-15T01:12:00")
    by_c2 = hall.api.get("/api/v1/audit", branch_id=1, user_id=hall.ids["c2"])
    assert by_c2 and {e["username"] for e in by_c2} == {"c2"}
    day = {"from": "2026-01-14", "to": "2026-01-14"}
    day14 = hall.api.get("/api/v1/audit", branch_id=hall.ids["hall2"], **day)
    assert {e["number"] for e in day14 if e["ticket_id"]} == {"C001"}


# ---- the pure rules -----------------------------------------------------------------------


def test_percentiles_interpolate_between_closest_ranks() -> None:
    assert percentile({}, 0.5) is None
    assert percentile({7: 1}, 0.9) == 7
    assert percentile({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2.5
    assert percentile({10: 9, 100: 1}, 0.9) == pytest.approx(19.0)
    assert percentile({0: 1, 10: 1}, 0.9) == pytest.approx(9.0)


def test_a_wait_equal_to_the_target_is_within_it() -> None:
    assert within_target(300_000, 5) and not within_target(300_001, 5)


def test_earlier_segments_start_at_issue_transfer_and_requeue() -> None:
    def ev(type_: str, minute: int, service: int = 1, counter: int | None = None) -> SegmentEvent:
        return SegmentEvent(type_, minute * 60_000, service, counter, None)

    events = [
        ev("ticket.issued", 0), ev(CALLED, 3, counter=1), ev(CALLED, 4, counter=1),
        ev("ticket.transferred", 5, service=2), ev(CALLED, 9, counter=2),
        ev("ticket.requeued", 10, service=2), ev(CALLED, 12, counter=3),
    ]  # fmt: skip
    assert [(s.service_id, s.counter_id, s.wait_ms) for s in earlier_segments(events)] == [
        (1, 1, 180_000), (2, 2, 240_000)
    ]  # fmt: skip
    assert earlier_segments(events[:3]) == []


def test_utc_offsets_follow_daylight_saving_time() -> None:
    start, end = datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    changes = offset_changes("America/New_York", start, end)
    assert changes == [(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), -300), (end, -240)]
    assert offset_changes("Asia/Shanghai", start, end) == [(end, 480)]
