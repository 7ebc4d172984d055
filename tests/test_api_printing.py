"""Print jobs, printer status, kiosks, reprint; the public rating and cancel; /auth/me; what the
queue view tells a kiosk page; `config.updated`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api
from tests.support import Clock, ok, wait_until
from tests.test_api_tickets import error_of, set_hall_settings
from tests.test_stream import last_seq, recv_n, stream

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def events_after(api: Api, seq: int) -> list[dict[str, Any]]:
    with stream(api, since=seq) as ws:
        return recv_n(ws, last_seq(api) - seq)


def hall(api: Api) -> tuple[dict[str, Any], int, dict[str, str]]:
    service = api.service("A")
    kiosk_id, kiosk = api.device("kiosk")
    return service, kiosk_id, kiosk


def test_a_kiosk_ticket_queues_one_print_job_with_everything_to_print(api: Api) -> None:
    service, kiosk_id, kiosk = hall(api)
    seq = last_seq(api)
    ticket = api.issue(service["id"], kiosk, kiosk_id=kiosk_id, locale="en")
    events = events_after(api, seq)
    assert [e["type"] for e in events] == ["ticket.issued", "print.requested"]
    job = events[1]["data"]["job"]
    assert job["ticket"]["number"] == ticket["number"] == "A001"
    assert job["state"] == "pending" and job["kiosk_id"] == kiosk_id and job["locale"] == "en"
    assert job["service_name"]["zh-CN"] == "业务A"
    assert job["public_url"] is None and job["ticket"]["public_id"] is None  # on the stream
    (pending,) = api.get("/api/v1/print-jobs", kiosk, state="pending")
    assert pending["id"] == job["id"]  # the kiosk's own job carries the QR code's address
    assert pending["public_url"].endswith(f"/t/{ticket['public_id']}")
    assert pending["ticket"]["public_id"] == ticket["public_id"]


def test_a_result_is_final_and_a_repeated_report_changes_nothing(api: Api) -> None:
    service, kiosk_id, kiosk = hall(api)
    api.issue(service["id"], kiosk, kiosk_id=kiosk_id)
    (job,) = api.get("/api/v1/print-jobs", kiosk, state="pending")
    seq = last_seq(api)
    done = api.post(f"/api/v1/print-jobs/{job['id']}/result", {"ok": True}, kiosk)
    assert done["state"] == "printed" and done["finished_at"]
    again = api.post(f"/api/v1/print-jobs/{job['id']}/result", {"ok": True}, kiosk)
    assert again["state"] == "printed"
    r = api.client.post(f"/api/v1/print-jobs/{job['id']}/result", json={"ok": False},
                        headers=kiosk)  # fmt: skip
    error_of(r, 409, "invalid_transition")
    assert [e["type"] for e in events_after(api, seq)] == ["print.completed"]
    assert api.get("/api/v1/print-jobs", kiosk, state="pending") == []


def test_a_job_not_printed_within_the_ttl_expires_and_is_never_printed(
    api: Api, clock: Clock
) -> None:
    set_hall_settings(api, print_job_ttl_s=60)
    service, kiosk_id, kiosk = hall(api)
    api.issue(service["id"], kiosk, kiosk_id=kiosk_id)
    (job,) = api.get("/api/v1/print-jobs", kiosk, state="pending")
    created = datetime.fromisoformat(job["created_at"])
    assert datetime.fromisoformat(job["expires_at"]) == created + timedelta(seconds=60)
    seq = last_seq(api)
    clock.advance(seconds=59)
    assert [j["id"] for j in api.get("/api/v1/print-jobs", kiosk, state="pending")] == [job["id"]]
    clock.advance(seconds=1)  # due: no longer offered, even before the server's sweep
    assert api.get("/api/v1/print-jobs", kiosk, state="pending") == []
    wait_until(lambda: api.get("/api/v1/print-jobs", kiosk)[0]["state"] == "failed", 10,
               "the job expired by the server's sweep")  # fmt: skip
    (expired,) = api.get("/api/v1/print-jobs", kiosk)
    assert expired["error"] == "expired"
    (event,) = events_after(api, seq)
    assert event["type"] == "print.failed" and event["data"]["job"]["error"] == "expired"
    r = api.client.post(f"/api/v1/print-jobs/{job['id']}/result", json={"ok": True},
                        headers=kiosk)  # a late "printed" changes nothing  # fmt: skip
    error_of(r, 409, "invalid_transition")


def test_the_print_job_ttl_is_bounded(api: Api) -> None:
    for ttl in (0, 4, 3601, "soon"):
        r = api.client.patch("/api/v1/branches/1", json={"settings": {"print_job_ttl_s": ttl}},
                             headers=api.admin)  # fmt: skip
        error_of(r, 422, "validation_error")


def test_only_the_kiosk_of_a_job_reports_it(api: Api) -> None:
    service, kiosk_id, kiosk = hall(api)
    _, other = api.device("kiosk")
    api.issue(service["id"], kiosk, kiosk_id=kiosk_id)
    (job,) = api.get("/api/v1/print-jobs", kiosk, state="pending")
    assert api.get("/api/v1/print-jobs", other, state="pending") == []
    r = api.client.post(f"/api/v1/print-jobs/{job['id']}/result", json={"ok": True}, headers=other)
    error_of(r, 404, "not_found")
    r = api.client.post(f"/api/v1/print-jobs/{job['id']}/result", json={"ok": True},
                        headers=api.admin)  # fmt: skip
    error_of(r, 403, "forbidden")


def test_a_failed_print_and_paper_out_reach_managers(api: Api) -> None:
    service, kiosk_id, kiosk = hall(api)
    ticket = api.issue(service["id"], kiosk, kiosk_id=kiosk_id)
    (job,) = api.get("/api/v1/print-jobs", kiosk, state="pending")
    seq = last_seq(api)
    failed = api.post(f"/api/v1/print-jobs/{job['id']}/result",
                      {"ok": False, "error": "paper out"}, kiosk)  # fmt: skip
    assert failed["state"] == "failed" and failed["error"] == "paper out"
    status = {"online": True, "paper": "out", "detail": "paper end sensor"}
    api.post(f"/api/v1/kiosks/{kiosk_id}/printer-status", status, kiosk)
    api.post(f"/api/v1/kiosks/{kiosk_id}/printer-status", status, kiosk)  # unchanged: no event
    events = events_after(api, seq)
    assert [e["type"] for e in events] == ["print.failed", "printer.status"]
    assert events[0]["data"]["job"]["ticket_id"] == ticket["id"]
    assert events[1]["data"] | {"reported_at": None} == {
        "kiosk_id": kiosk_id, "reported_at": None, **status,
    }  # fmt: skip
    (listed,) = api.get("/api/v1/kiosks", branch_id=1)
    assert listed["printer"]["paper"] == "out" and listed["pending_jobs"] == 0
    r = api.client.post(f"/api/v1/kiosks/{kiosk_id}/printer-status",
                        json={"online": True, "paper": "wet"}, headers=kiosk)  # fmt: skip
    error_of(r, 422, "validation_error")
    _, other = api.device("kiosk")
    r = api.client.post(f"/api/v1/kiosks/{kiosk_id}/printer-status", json=status, headers=other)
    error_of(r, 403, "forbidden")


def test_reprint_queues_a_new_job(api: Api) -> None:
    service, kiosk_id, kiosk = hall(api)
    ticket = api.issue(service["id"], kiosk, kiosk_id=kiosk_id)
    (first,) = api.get("/api/v1/print-jobs", kiosk, state="pending")
    api.post(f"/api/v1/print-jobs/{first['id']}/result", {"ok": False, "error": "jam"}, kiosk)
    job = api.post(f"/api/v1/tickets/{ticket['id']}/reprint", {"kiosk_id": kiosk_id}, status=202)
    assert job["id"] != first["id"] and job["state"] == "pending"
    r = api.client.post("/api/v1/tickets/999/reprint", json={"kiosk_id": kiosk_id},
                        headers=api.admin)  # fmt: skip
    error_of(r, 404, "not_found")


def test_rating_once_after_done(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    ticket = api.issue(service["id"])
    url = f"/api/v1/public/tickets/{ticket['public_id']}/rating"
    error_of(api.client.post(url, json={"score": 5}), 409, "invalid_transition")
    api.act(counter["id"], "open")
    api.act(counter["id"], "call-next")
    api.act(counter["id"], "complete")
    error_of(api.client.post(url, json={"score": 6}), 422, "validation_error")
    rated = ok(api.client.post(url, json={"score": 4, "comment": "快 fast"}))
    assert rated["rated"] is True
    error_of(api.client.post(url, json={"score": 5}), 409, "invalid_transition")
    assert api.get(f"/api/v1/tickets/{ticket['id']}")["rating"] == 4


def test_the_customer_cancels_a_waiting_ticket_from_the_mobile_page(api: Api) -> None:
    service = api.service("A")
    ticket = api.issue(service["id"])
    url = f"/api/v1/public/tickets/{ticket['public_id']}/cancel"
    assert ok(api.client.post(url))["state"] == "cancelled"
    error_of(api.client.post(url), 409, "invalid_transition")
    error_of(api.client.post("/api/v1/public/tickets/nope/cancel"), 404, "not_found")


def test_me(api: Api) -> None:
    kiosk_id, kiosk = api.device("kiosk")
    assert api.get("/api/v1/auth/me", kiosk) | {"name": None} == {
        "kind": "device", "id": kiosk_id, "username": None, "role": "kiosk", "branch_ids": [1],
        "name": None, "region_ids": [],
    }  # fmt: skip
    me = api.get("/api/v1/auth/me")
    assert me["kind"] == "user" and me["username"] == "admin" and me["role"] == "admin"
    error_of(api.client.get("/api/v1/auth/me"), 401, "unauthorized")


def test_the_queue_view_says_why_a_service_is_closed(api: Api) -> None:
    open_service = api.service("A")
    limited = api.service("B", daily_quota=1)
    api.issue(limited["id"])
    view = api.get("/api/v1/branches/1/queue")
    by_id = {s["id"]: s for s in view["services"]}
    assert by_id[open_service["id"]]["open"] is True
    closed = by_id[limited["id"]]
    assert (closed["open"], closed["closed_reason"]) == (False, "quota_reached")
    today = view["business_date"]
    set_hall_settings(api, holidays=[today])
    view = api.get("/api/v1/branches/1/queue")
    assert {s["closed_reason"] for s in view["services"]} == {"holiday"}


def test_the_queue_view_and_the_refusal_say_when_issuing_opens_next(api: Api, clock: Clock) -> None:
    service = api.service("A")
    wednesday = datetime(2026, 1, 14, tzinfo=UTC) - timedelta(hours=8)  # 00:00 in Shanghai
    lunch = [["08:30", "12:00"], ["13:30", "17:00"]]
    set_hall_settings(api, opening_hours={"wed": lunch, "thu": lunch}, cutoff_min=20)
    clock.now = wednesday + timedelta(hours=11, minutes=40)  # the morning's cut-off
    view = api.get("/api/v1/branches/1/queue")
    assert {s["closed_reason"] for s in view["services"]} == {"cutoff"}
    assert datetime.fromisoformat(view["opens_at"]) == wednesday + timedelta(hours=13, minutes=30)
    r = api.client.post("/api/v1/tickets", json={"service_id": service["id"]}, headers=api.admin)
    assert "2026-01-14 13:30" in error_of(r, 409, "service_closed")["detail"]
    clock.now = wednesday + timedelta(hours=13, minutes=30)
    assert api.get("/api/v1/branches/1/queue")["opens_at"] is None
    assert api.issue(service["id"])["number"] == "A001"
    clock.now = wednesday + timedelta(hours=16, minutes=45)  # the afternoon's cut-off: Thursday
    view = api.get("/api/v1/branches/1/queue")
    assert datetime.fromisoformat(view["opens_at"]) == wednesday + timedelta(days=1, hours=8.5)


def test_configuration_changes_are_announced(api: Api) -> None:
    seq = last_seq(api)
    service = api.service("A")
    ok(api.client.patch(f"/api/v1/services/{service['id']}", json={"target_wait_min": 3},
                        headers=api.admin))  # fmt: skip
    set_hall_settings(api, marquee="新通知")
    events = events_after(api, seq)
    assert [(e["type"], e["data"]["what"]) for e in events] == [
        ("config.updated", "service"), ("config.updated", "service"), ("config.updated", "branch"),
    ]  # fmt: skip
