"""Alerts through the API, on SQLite and PostgreSQL + Redis, with the clock moved by hand: each
condition raises one alert and clears it once; acknowledging; who may see them; the settings'
bounds; the history as a file; a restart raises nothing twice."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.alerts.engine import Round, evaluate_all
from server.alerts.heartbeats import record_seen
from server.alerts.models import DeviceSeen
from server.app import create_app
from server.core.run import write
from server.core.settings import Settings
from tests.conftest import Api
from tests.support import Clock, ok, statements
from tests.test_api_tickets import error_of, set_hall_settings
from tests.test_stream import last_seq, recv_n, stream

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def evaluate(api: Api) -> Round:
    """One round of the app's own evaluator. Its background rounds (timed, or after events)
    run too, never at the same time: tests check what is stored and published, not which
    round did it."""
    done: Round = api.client.app.state.alerts.round()
    assert done.leader
    return done


def active(api: Api, **params: Any) -> list[dict[str, Any]]:
    return list(api.get("/api/v1/alerts", branch_id=1, active="true", **params))


def alert_events(api: Api, seq: int) -> list[tuple[str, str]]:
    with stream(api, since=seq) as ws:
        events = recv_n(ws, last_seq(api) - seq)
    return [(e["type"], e["data"]["kind"]) for e in events if e["type"].startswith("alert.")]


def open_counter(api: Api, service_id: int, number: int = 1) -> dict[str, Any]:
    counter = api.counter(number, [service_id])
    api.act(counter["id"], "open")
    return counter


def test_a_wait_over_target_is_raised_once_and_cleared_once(api: Api, clock: Clock) -> None:
    service = api.service("A", target_wait_min=15)
    counter = open_counter(api, service["id"])
    ticket = api.issue(service["id"])
    clock.advance(minutes=10)
    api.issue(service["id"])
    seq = last_seq(api)
    clock.advance(minutes=5)
    evaluate(api)
    assert active(api) == []
    clock.advance(seconds=1)
    evaluate(api)
    (alert,) = active(api)
    assert alert["kind"] == "wait_over_target" and alert["subject"]["service_id"] == service["id"]
    assert alert["detail"]["number"] == ticket["number"] and alert["cleared_at"] is None
    assert (alert["detail"]["waiting"], alert["detail"]["over"]) == (2, 1)
    clock.advance(minutes=5)
    evaluate(api)  # it lasts: never raised again (the events below)
    assert [a["id"] for a in active(api)] == [alert["id"]]
    api.act(counter["id"], "call-next")
    evaluate(api)
    evaluate(api)
    assert active(api) == []
    (ended,) = api.get("/api/v1/alerts", branch_id=1, active="false")
    assert ended["id"] == alert["id"] and ended["cleared_at"] is not None
    assert alert_events(api, seq) == [
        ("alert.raised", "wait_over_target"), ("alert.cleared", "wait_over_target"),
    ]  # fmt: skip


def test_nobody_at_a_counter_and_a_long_queue(api: Api, clock: Clock) -> None:
    service = api.service("A", target_wait_min=0)
    api.issue(service["id"])
    evaluate(api)
    assert [a["kind"] for a in active(api)] == ["no_open_counter"]
    set_hall_settings(api, queue_alert_per_counter=2)
    counter = open_counter(api, service["id"])
    api.issue(service["id"])
    api.issue(service["id"])
    evaluate(api)
    assert [a["kind"] for a in active(api)] == ["queue_long"]
    assert active(api)[0]["detail"] | {"waiting": 3, "open_counters": 1} == active(api)[0]["detail"]
    api.act(counter["id"], "call-next")
    evaluate(api)
    assert active(api) == []


def test_a_long_pause_and_a_ticket_called_but_not_started(api: Api, clock: Clock) -> None:
    set_hall_settings(api, pause_alert_min=10, called_alert_min=3)
    service = api.service("A", target_wait_min=0)
    counter = open_counter(api, service["id"])
    api.issue(service["id"])
    api.act(counter["id"], "call-next")
    clock.advance(minutes=3, seconds=1)
    evaluate(api)
    (called,) = active(api)
    assert called["kind"] == "called_not_started"
    assert called["subject"]["counter_id"] == counter["id"]
    api.act(counter["id"], "start")
    api.act(counter["id"], "complete")
    api.act(counter["id"], "pause", {"reason": "lunch"})
    clock.advance(minutes=10)
    evaluate(api)
    assert active(api) == []  # the call ended; the pause is not over its limit yet
    clock.advance(seconds=1)
    evaluate(api)
    (pause,) = active(api)
    assert pause["kind"] == "long_pause" and pause["detail"]["reason"] == "lunch"
    api.act(counter["id"], "open")
    evaluate(api)
    assert active(api) == []


def test_a_device_that_goes_quiet_is_offline_and_back_when_seen(api: Api, clock: Clock) -> None:
    set_hall_settings(api, device_offline_s=60)
    tv_id, tv = api.device("display")

    def states() -> dict[int, str]:
        return {h["device_id"]: h["state"] for h in api.get("/api/v1/heartbeats", branch_id=1)}

    assert states()[tv_id] == "never_seen"
    evaluate(api)
    assert active(api) == []  # never seen: not installed yet, nothing went away
    api.get("/api/v1/auth/me", tv)  # a request is a heartbeat
    evaluate(api)
    assert states()[tv_id] == "online"
    clock.advance(seconds=61)
    assert states()[tv_id] == "offline"
    evaluate(api)
    (alert,) = active(api)
    assert alert["kind"] == "device_offline" and alert["subject"] == {
        "service_id": None, "counter_id": None, "device_id": tv_id, "ticket_id": None,
        "complaint_id": None,
    }  # fmt: skip
    token = tv["Authorization"].split()[1]
    with api.client.websocket_connect(f"/api/v1/branches/1/events?token={token}") as ws:
        ws.receive_json()  # an open stream keeps it seen
        evaluate(api)
        assert active(api) == []
        clock.advance(seconds=300)
        evaluate(api)
        assert active(api) == [] and states()[tv_id] == "online"
    clock.advance(seconds=61)
    evaluate(api)
    assert [a["kind"] for a in active(api)] == ["device_offline"]


def test_low_paper_warns_before_the_printer_runs_out(api: Api) -> None:
    kiosk_id, kiosk = api.device("kiosk")
    status = f"/api/v1/kiosks/{kiosk_id}/printer-status"
    api.post(status, {"online": True, "paper": "near_end"}, kiosk)
    evaluate(api)
    (low,) = active(api)
    assert low["kind"] == "paper_low" and low["subject"]["device_id"] == kiosk_id
    api.post(status, {"online": True, "paper": "out"}, kiosk)
    evaluate(api)
    (fault,) = active(api)
    assert fault["kind"] == "printer_fault" and fault["detail"]["paper"] == "out"
    api.post(status, {"online": True, "paper": "ok"}, kiosk)
    evaluate(api)
    assert active(api) == []


def test_an_unanswered_complaint_past_its_deadline(api: Api, clock: Clock) -> None:
    set_hall_settings(api, complaint_reply_hours=2)
    body = {"branch_id": 1, "category": "efficiency", "text": "waited long"}
    complaint = api.post("/api/v1/complaints", body, status=201)
    clock.advance(hours=2)
    evaluate(api)
    assert [a for a in active(api) if a["kind"] == "complaint_overdue"] == []
    clock.advance(seconds=1)
    evaluate(api)
    (late,) = [a for a in active(api) if a["kind"] == "complaint_overdue"]
    assert late["subject"]["complaint_id"] == complaint["id"]
    r = api.client.patch(f"/api/v1/complaints/{complaint['id']}",
                         json={"state": "resolved", "resolution": "called back"},
                         headers=api.admin)  # fmt: skip
    ok(r)
    evaluate(api)
    assert [a for a in active(api) if a["kind"] == "complaint_overdue"] == []


def test_a_manager_acknowledges_an_alert_once(api: Api) -> None:
    manager = api.user("boss", role="manager")
    service = api.service("A")
    api.issue(service["id"])
    evaluate(api)
    (alert,) = active(api)
    seq = last_seq(api)
    done = api.post(f"/api/v1/alerts/{alert['id']}/ack", None, manager)
    assert done["acked_by_name"] == "boss" and done["acked_at"]
    assert active(api)[0]["acked_by_name"] == "boss"  # still active: acknowledged, not ended
    error_of(api.client.post(f"/api/v1/alerts/{alert['id']}/ack", headers=manager), 409,
             "conflict")  # fmt: skip
    with stream(api, since=seq) as ws:
        (event,) = recv_n(ws, 1)
    assert event["type"] == "alert.acknowledged" and event["data"]["id"] == alert["id"]
    assert event["data"]["acked_by_name"] == "boss"  # the monitor shows the event's copy
    log = api.get("/api/v1/audit", branch_id=1)
    (entry,) = [e for e in log if e["type"] == "alert.acknowledged"]
    assert entry["user_id"] is not None


def test_who_may_see_and_acknowledge_alerts(api: Api) -> None:
    other = api.post("/api/v1/branches", {"name": "Other hall"}, status=201)
    stranger = api.user("far", role="manager", branch_ids=[other["id"]])
    clerk = api.user("clerk1")
    _, tv = api.device("display")
    api.issue(api.service("A")["id"])
    evaluate(api)
    (alert,) = active(api)
    path = f"/api/v1/alerts/{alert['id']}/ack"
    for headers, status, code in ((clerk, 403, "forbidden"), (tv, 403, "forbidden"),
                                  ({}, 401, "unauthorized")):  # fmt: skip
        error_of(api.client.get("/api/v1/alerts", headers=headers), status, code)
        error_of(api.client.post(path, headers=headers), status, code)
    error_of(api.client.get("/api/v1/alerts?branch_id=1", headers=stranger), 403, "forbidden")
    assert api.get("/api/v1/alerts", stranger) == []  # only the halls they manage
    error_of(api.client.post(path, headers=stranger), 404, "not_found")
    error_of(api.client.post("/api/v1/alerts/999999/ack", headers=api.admin), 404, "not_found")
    error_of(api.client.get("/api/v1/heartbeats?branch_id=1", headers=clerk), 403, "forbidden")
    error_of(api.client.get("/api/v1/heartbeats?branch_id=999", headers=api.admin), 404,
             "not_found")  # fmt: skip


@pytest.mark.parametrize(
    "query",
    ["kind=bogus", "branch_id=0", "active=maybe", "from=2026-13-01",
     "from=2026-12-02&to=2026-12-01", "limit=0", "limit=10001", "offset=-1",
     "branch_id=99999999999999999999"],
)  # fmt: skip
def test_bad_queries_are_422(api: Api, query: str) -> None:
    error_of(api.client.get(f"/api/v1/alerts?{query}", headers=api.admin), 422, "validation_error")


def test_bad_ids_and_settings_are_422(api: Api) -> None:
    for bad in ("0", "x", str(2**63)):
        error_of(api.client.post(f"/api/v1/alerts/{bad}/ack", headers=api.admin), 422,
                 "validation_error")  # fmt: skip
    error_of(api.client.get("/api/v1/heartbeats", headers=api.admin), 422, "validation_error")
    for name, value in (("device_offline_s", 9), ("queue_alert_per_counter", 0),
                        ("pause_alert_min", 0), ("called_alert_min", 24 * 60 + 1),
                        ("device_offline_s", "soon")):  # fmt: skip
        r = api.client.patch("/api/v1/branches/1", json={"settings": {name: value}},
                             headers=api.admin)  # fmt: skip
        error_of(r, 422, "validation_error")
    detail = api.get("/api/v1/branches/1")["settings"]
    assert (detail["device_offline_s"], detail["queue_alert_per_counter"],
            detail["pause_alert_min"], detail["called_alert_min"]) == (120, 8, 15, 5)  # fmt: skip


def test_the_history_exports_as_csv_and_xlsx(api: Api) -> None:
    service = api.service("A")
    api.issue(service["id"])
    evaluate(api)
    r = api.client.get("/api/v1/alerts/export?branch_id=1&locale=en", headers=api.admin)
    rows = list(csv.reader(io.StringIO(ok_text(r))))
    assert rows[0][:3] == ["id", "hall", "kind"] and rows[1][2] == "no_open_counter"
    r = api.client.get("/api/v1/alerts/export?branch_id=1&format=xlsx", headers=api.admin)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    error_of(api.client.get("/api/v1/alerts/export?format=pdf", headers=api.admin), 422,
             "validation_error")  # fmt: skip


def ok_text(response: Any) -> str:
    assert response.status_code == 200, response.text
    return str(response.content.decode("utf-8-sig"))


def test_a_restart_keeps_the_alerts_and_raises_nothing_twice(
    settings: Settings, clock: Clock
) -> None:
    with TestClient(create_app(settings, clock=clock)) as client:
        first = Api(client)
        service = first.service("A")
        first.issue(service["id"])
        evaluate(first)
        (alert,) = active(first)
        seq = last_seq(first)
    # the server stopped (and gave its lease up); it starts again on the same database
    with TestClient(create_app(settings, clock=clock)) as client:
        again = Api(client)
        evaluate(again)
        assert [a["id"] for a in active(again)] == [alert["id"]]
        assert alert_events(again, seq) == []
        open_counter(again, service["id"])
        evaluate(again)
        assert active(again) == []
        assert alert_events(again, seq) == [("alert.cleared", "no_open_counter")]


def test_only_the_lease_holder_evaluates(api: Api, clock: Clock) -> None:
    ctx = api.client.app.state.hallq.ctx()
    evaluate(api)  # the app's evaluator holds the lease …
    with api.client.app.state.alerts._rounds:  # (its background rounds wait meanwhile)
        assert evaluate_all(ctx, "another-process").leader is False
        clock.advance(seconds=11)  # … until it stops renewing it
        assert evaluate_all(ctx, "another-process").leader is True
    assert api.client.app.state.alerts.round().leader is False
    ok(api.client.get("/healthz"))


def test_sightings_are_written_in_a_few_statements_forward_only(api: Api, clock: Clock) -> None:
    """Every open stream is a sighting at every flush: with a TV in each of 500 halls, one
    statement per device was most of what an idle process did."""
    state = api.client.app.state.hallq
    devices = [api.device("display")[0] for _ in range(30)]
    now = state.ctx().clock()
    earlier = now - timedelta(minutes=5)
    ctx = state.ctx()
    assert write(ctx, partial(record_seen, sightings={d: earlier for d in devices[:10]})) == 10
    sightings = {d: now for d in devices} | {devices[0]: earlier - timedelta(minutes=1)}
    sightings[999_999] = now  # revoked or unknown: not recorded
    with statements(state.db.writer) as sent:
        changed = write(ctx, partial(record_seen, sightings=sightings))
    assert changed == 29  # 20 new, 9 moved forward; devices[0] is not moved back
    assert len([s for s in sent if "device_seen" in s]) <= 4
    with state.db.read() as session:
        seen = dict(session.execute(select(DeviceSeen.device_id, DeviceSeen.last_seen_at)).all())
    assert set(seen) == set(devices)
    assert seen[devices[0]] == earlier and all(seen[d] == now for d in devices[1:])
    if not state.db.is_sqlite:  # the ids in one array parameter: the same SQL for any number
        with statements(state.db.writer) as fewer:
            write(ctx, partial(record_seen, sightings={d: now for d in devices[:3]}))
        chosen = [s for s in sent if "device_seen" in s and "WHERE" in s]
        later = [s for s in fewer if "device_seen" in s and "WHERE" in s]
        assert chosen and all("= ANY" in s and " IN (" not in s for s in chosen), chosen
        assert later and set(later) <= set(chosen)  # the same statements for fewer ids
