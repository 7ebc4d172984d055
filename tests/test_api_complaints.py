"""Complaints (recorded, assigned, answered within `complaint_reply_hours`) and the follow-up
ledger (opened by low ratings and resolved complaints), on SQLite and PostgreSQL: roles,
transitions, deadlines with an injected clock, rate limits, bad input, events, export."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, Api
from tests.support import Clock, ok
from tests.test_api_printing import events_after
from tests.test_api_tickets import error_of, set_hall_settings
from tests.test_stream import last_seq

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

TEXT = "窗口工作人员态度不好 <b>bold</b>"


def served(api: Api) -> tuple[dict[str, Any], dict[str, str]]:
    """A ticket served and completed at counter 1 by the clerk `c1`, and that clerk."""
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    clerk = api.user("c1")
    ticket = api.issue(service["id"])
    api.act(counter["id"], "open", headers=clerk)
    api.act(counter["id"], "call-next", headers=clerk)
    api.act(counter["id"], "complete", headers=clerk)
    return api.get(f"/api/v1/tickets/{ticket['id']}") | {"public_id": ticket["public_id"]}, clerk


def public_url(ticket: dict[str, Any]) -> str:
    return f"/api/v1/public/tickets/{ticket['public_id']}/complaint"


def complain(api: Api, ticket: dict[str, Any], status: int = 201, **body: Any) -> Any:
    return ok(api.client.post(public_url(ticket), json={"category": "attitude", "text": TEXT}
                              | body), status)  # fmt: skip


def patch(api: Api, complaint_id: int, body: dict[str, Any],
          headers: dict[str, str] | None = None) -> Any:  # fmt: skip
    return api.client.patch(f"/api/v1/complaints/{complaint_id}", json=body,
                            headers=api.admin if headers is None else headers)  # fmt: skip


def test_the_customer_complains_and_the_ticket_names_its_counter_clerk_and_deadline(
    api: Api, clock: Clock
) -> None:
    ticket, _ = served(api)
    seq = last_seq(api)
    receipt = complain(api, ticket, contact="+86 138-0000-0000")
    assert set(receipt) == {"id", "category", "state", "created_at", "due_at"}
    created = datetime.fromisoformat(receipt["created_at"])
    assert datetime.fromisoformat(receipt["due_at"]) - created == timedelta(hours=48)
    (complaint,) = api.get("/api/v1/complaints", branch_id=1)
    assert complaint["ticket_id"] == ticket["id"] and complaint["ticket_number"] == "A001"
    assert complaint["clerk_id"] == ticket["clerk_id"] and complaint["counter_id"]
    assert complaint["channel"] == "mobile" and complaint["state"] == "open"
    assert complaint["text"] == TEXT and complaint["contact"] == "+86 138-0000-0000"
    assert complaint["overdue"] is False
    (event,) = events_after(api, seq)
    assert event["type"] == "complaint.created" and event["data"]["id"] == complaint["id"]
    # the stream reaches every TV and counter page: never the customer's words or contact
    assert TEXT not in str(event) and "138" not in str(event)


def test_the_deadline_follows_the_hall_setting_and_overdue_ones_are_listed(
    api: Api, clock: Clock
) -> None:
    set_hall_settings(api, complaint_reply_hours=2)
    ticket, _ = served(api)
    first = complain(api, ticket)
    clock.advance(hours=1)
    second = complain(api, ticket)
    assert api.get("/api/v1/complaints", overdue="true") == []
    clock.advance(hours=1, seconds=1)  # the first is 2 h 1 s old, the second 1 h 1 s
    overdue = api.get("/api/v1/complaints", overdue="true")
    assert [c["id"] for c in overdue] == [first["id"]] and overdue[0]["overdue"] is True
    api.post("/api/v1/users", {"username": "m", "password": "password-123", "role": "manager",
                               "branch_ids": [1]}, status=201)  # fmt: skip
    ok(patch(api, first["id"], {"state": "resolved", "resolution": "道歉", "upheld": True}))
    assert api.get("/api/v1/complaints", overdue="true") == []  # answered: no longer overdue
    (answered,) = api.get("/api/v1/complaints", state="resolved")
    assert answered["late"] is True and answered["overdue"] is False
    clock.advance(hours=1)
    assert [c["id"] for c in api.get("/api/v1/complaints", overdue="true")] == [second["id"]]


def test_assign_then_resolve_with_a_resolution_and_every_step_is_in_the_history(
    api: Api,
) -> None:
    ticket, clerk = served(api)
    manager = api.user("boss", role="manager")
    me = api.get("/api/v1/auth/me", clerk)
    complaint = complain(api, ticket)
    seq = last_seq(api)
    assigned = ok(patch(api, complaint["id"], {"assignee_id": me["id"]}, manager))
    assert assigned["state"] == "assigned" and assigned["assignee_id"] == me["id"]
    error_of(patch(api, complaint["id"], {"state": "resolved"}, manager), 422, "validation_error")
    error_of(patch(api, complaint["id"], {"state": "resolved", "resolution": "  "}, manager),
             422, "validation_error")  # fmt: skip
    error_of(patch(api, complaint["id"], {"state": "open"}, manager), 409, "invalid_transition")
    done = ok(
        patch(
            api,
            complaint["id"],
            {"state": "resolved", "resolution": "已道歉并培训", "upheld": True},
            manager,
        )
    )
    assert done["state"] == "resolved" and done["upheld"] is True and done["resolved_at"]
    for body in ({"state": "rejected", "resolution": "x"}, {"assignee_id": me["id"]}):
        error_of(patch(api, complaint["id"], body, manager), 409, "invalid_transition")
    detail = api.get(f"/api/v1/complaints/{complaint['id']}", manager)
    assert [(h["action"], h["from_state"], h["to_state"]) for h in detail["history"]] == [
        ("created", None, "open"), ("assigned", "open", "assigned"),
        ("resolved", "assigned", "resolved"),
    ]  # fmt: skip
    assert detail["history"][2]["resolution"] == "已道歉并培训"
    types = [e["type"] for e in events_after(api, seq)]
    assert types == ["complaint.updated", "complaint.updated", "follow_up.created"]


def test_an_open_complaint_may_be_rejected_and_a_rejection_is_final(api: Api) -> None:
    ticket, _ = served(api)
    complaint = complain(api, ticket)
    error_of(patch(api, complaint["id"], {"state": "rejected"}), 422, "validation_error")
    error_of(patch(api, complaint["id"], {"state": "assigned"}), 422, "validation_error")
    error_of(patch(api, complaint["id"], {"upheld": True}), 422, "validation_error")
    error_of(patch(api, complaint["id"], {}), 422, "validation_error")
    error_of(patch(api, complaint["id"], {"assignee_id": 999}), 422, "validation_error")
    rejected = ok(patch(api, complaint["id"], {"state": "rejected", "resolution": "不属实",
                                               "upheld": False}))  # fmt: skip
    assert rejected["state"] == "rejected" and rejected["upheld"] is False
    error_of(patch(api, complaint["id"], {"state": "resolved", "resolution": "x"}), 409,
             "invalid_transition")  # fmt: skip
    assert api.get("/api/v1/follow-ups") == []  # only a resolved complaint is called back


def test_staff_record_complaints_and_only_managers_of_the_hall_read_them(api: Api) -> None:
    ticket, clerk = served(api)
    other = api.post("/api/v1/branches", {"name": "Other", "timezone": "Asia/Shanghai"},
                     status=201)  # fmt: skip
    manager = api.user("boss", role="manager")
    stranger = api.user("far", role="manager", branch_ids=[other["id"]])
    _, kiosk = api.device("kiosk")
    body = {"branch_id": 1, "ticket_id": ticket["id"], "category": "efficiency",
            "text": "电话投诉：等候太久", "channel": "phone"}  # fmt: skip
    recorded = api.post("/api/v1/complaints", body, clerk, status=201)
    assert recorded["channel"] == "phone" and recorded["clerk_id"] == ticket["clerk_id"]
    assert (
        api.post("/api/v1/complaints", body | {"ticket_id": None}, manager, 201)["ticket_id"]
        is None
    )
    for who, status, code in ((kiosk, 403, "forbidden"), ({}, 401, "unauthorized"),
                              (stranger, 403, "forbidden")):  # fmt: skip
        r = api.client.post("/api/v1/complaints", json=body, headers=who)
        error_of(r, status, code)
    other_ticket = {"branch_id": other["id"], "ticket_id": ticket["id"]}
    error_of(api.client.post("/api/v1/complaints", json=body | other_ticket, headers=api.admin),
             404, "not_found")  # fmt: skip
    assert len(api.get("/api/v1/complaints", manager)) == 2
    assert len(api.get("/api/v1/complaints", api.admin, branch_id=1)) == 2
    assert api.get("/api/v1/complaints", stranger) == []
    readers = (("/api/v1/complaints", {}), (f"/api/v1/complaints/{recorded['id']}", {}),
               ("/api/v1/follow-ups", {}), ("/api/v1/follow-ups/export", {}))  # fmt: skip
    for path, params in readers:
        for who, status, code in ((clerk, 403, "forbidden"), (kiosk, 403, "forbidden"),
                                  ({}, 401, "unauthorized")):  # fmt: skip
            error_of(api.client.get(path, params=params, headers=who), status, code)
    error_of(api.client.get("/api/v1/complaints", params={"branch_id": 1}, headers=stranger),
             403, "forbidden")  # fmt: skip
    error_of(api.client.get(f"/api/v1/complaints/{recorded['id']}", headers=stranger), 403,
             "forbidden")  # fmt: skip
    for who, status, code in ((clerk, 403, "forbidden"), (stranger, 403, "forbidden"),
                              ({}, 401, "unauthorized")):  # fmt: skip
        error_of(patch(api, recorded["id"], {"state": "rejected", "resolution": "x"}, who),
                 status, code)  # fmt: skip


def test_bad_complaints_are_refused_with_the_error_shape(api: Api) -> None:
    ticket, _ = served(api)
    url = public_url(ticket)
    for body in (
        {"category": "attitude", "text": "x" * 2001},
        {"category": "attitude", "text": "   "},
        {"category": "rude", "text": "x"},
        {"category": "attitude", "text": "x", "contact": "<script>"},
        {"category": "attitude", "text": "x", "contact": "12"},
        {"category": "attitude", "text": "x", "extra": 1},
        {"category": "attitude"},
    ):
        error_of(api.client.post(url, json=body), 422, "validation_error")
    error_of(api.client.post(url, json={"category": "attitude", "text": "a\u0000b"}), 422,
             "validation_error")  # fmt: skip
    r = api.client.post("/api/v1/public/tickets/nope/complaint", json={"category": "other",
                                                                        "text": "x"})  # fmt: skip
    error_of(r, 404, "not_found")
    assert complain(api, ticket, text="x" * 2000, contact="a.b@example.com")["state"] == "open"
    error_of(patch(api, 999, {"state": "rejected", "resolution": "x"}), 404, "not_found")
    error_of(api.client.get("/api/v1/complaints/999", headers=api.admin), 404, "not_found")
    error_of(api.client.get("/api/v1/complaints", params={"state": "x"}, headers=api.admin),
             422, "validation_error")  # fmt: skip
    error_of(patch(api, 1, {"resolution": "x" * 2001, "state": "resolved"}), 422,
             "validation_error")  # fmt: skip


def test_complaints_are_limited_per_ticket_and_per_client(api: Api, clock: Clock) -> None:
    ticket, _ = served(api)
    for _ in range(3):
        complain(api, ticket)
    body = error_of(api.client.post(public_url(ticket), json={"category": "other", "text": "x"}),
                    429, "rate_limited")  # fmt: skip
    assert body["detail"]
    clock.advance(hours=24, seconds=1)  # the ticket's window has passed
    api.admin = api.login("admin", ADMIN_PASSWORD)  # the token expired meanwhile
    complain(api, ticket)
    service = api.get("/api/v1/services")[0]
    fresh = api.issue(service["id"])
    # the client's sixth attempt in ten minutes (the refused one counts; time.monotonic)
    r = api.client.post(public_url(fresh), json={"category": "other", "text": "x"})
    error_of(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) > 0
    assert len(api.get("/api/v1/complaints")) == 4


def test_low_ratings_and_resolved_complaints_open_follow_ups_that_staff_close(
    api: Api, clock: Clock
) -> None:
    set_hall_settings(api, follow_up_due_hours=24)
    ticket, clerk = served(api)
    seq = last_seq(api)
    ok(api.client.post(f"/api/v1/public/tickets/{ticket['public_id']}/rating",
                       json={"score": 2, "comment": "慢"}))  # fmt: skip
    assert [e["type"] for e in events_after(api, seq)] == ["ticket.rated", "follow_up.created"]
    (task,) = api.get("/api/v1/follow-ups", branch_id=1)
    assert task["reason"] == "low_rating" and task["ticket_id"] == ticket["id"]
    assert task["state"] == "open" and task["ticket_number"] == "A001"
    opened = datetime.fromisoformat(task["created_at"])
    assert datetime.fromisoformat(task["due_at"]) - opened == timedelta(hours=24)
    complaint = complain(api, ticket)
    ok(patch(api, complaint["id"], {"state": "resolved", "resolution": "已回复"}))
    manual = api.post("/api/v1/follow-ups", {"branch_id": 1, "note": "请回电"}, clerk, 201)
    assert manual["reason"] == "manual" and manual["note"] == "请回电"
    reasons = sorted(t["reason"] for t in api.get("/api/v1/follow-ups", state="open"))
    assert reasons == ["complaint", "low_rating", "manual"]
    clock.advance(hours=25)
    api.admin = api.login("admin", ADMIN_PASSWORD)  # the tokens expired meanwhile
    clerk = api.login("c1", "password-123")
    assert all(t["overdue"] for t in api.get("/api/v1/follow-ups"))
    url = f"/api/v1/follow-ups/{task['id']}"
    error_of(api.client.patch(url, json={"result": "已回访"}, headers=clerk), 403, "forbidden")
    error_of(api.client.patch(url, json={"result": ""}, headers=api.admin), 422,
             "validation_error")  # fmt: skip
    done = ok(api.client.patch(url, json={"state": "done", "result": "已回访，满意",
                                          "satisfied": True}, headers=api.admin))  # fmt: skip
    assert done["state"] == "done" and done["done_by"] and done["done_at"]
    assert done["satisfied"] is True and done["overdue"] is False
    error_of(api.client.patch(url, json={"result": "again"}, headers=api.admin), 409,
             "invalid_transition")  # fmt: skip
    assert [t["id"] for t in api.get("/api/v1/follow-ups", state="done")] == [task["id"]]
    error_of(api.client.patch("/api/v1/follow-ups/999", json={"result": "x"},
                              headers=api.admin), 404, "not_found")  # fmt: skip
    error_of(api.client.post("/api/v1/follow-ups", json={"branch_id": 1, "ticket_id": 999},
                             headers=api.admin), 404, "not_found")  # fmt: skip


def test_a_rating_of_three_or_more_opens_no_follow_up(api: Api) -> None:
    ticket, _ = served(api)
    ok(api.client.post(f"/api/v1/public/tickets/{ticket['public_id']}/rating",
                       json={"score": 3}))  # fmt: skip
    assert api.get("/api/v1/follow-ups") == []


def test_the_ledger_exports_as_csv_and_xlsx_without_formulas(api: Api) -> None:
    ticket, _ = served(api)
    ok(api.client.post(f"/api/v1/public/tickets/{ticket['public_id']}/rating",
                       json={"score": 1}))  # fmt: skip
    (task,) = api.get("/api/v1/follow-ups")
    ok(api.client.patch(f"/api/v1/follow-ups/{task['id']}",
                        json={"result": "=HYPERLINK(\"x\")", "satisfied": False},
                        headers=api.admin))  # fmt: skip
    r = api.client.get("/api/v1/follow-ups/export", params={"locale": "en", "branch_id": 1},
                       headers=api.admin)  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "Hall ID", "Ticket"]
    assert rows[1][2] == "A001" and rows[1][4] == "Low rating" and rows[1][5] == "Done"
    assert rows[1][12] == '\'=HYPERLINK("x")' and rows[1][13] == "No"
    r = api.client.get("/api/v1/follow-ups/export", params={"format": "xlsx"},
                       headers=api.admin)  # fmt: skip
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "attachment" in r.headers["content-disposition"]


def test_the_ticket_limit_holds_for_simultaneous_complaints(api: Api) -> None:
    ticket, _ = served(api)

    def send(i: int) -> int:
        r = api.client.post(public_url(ticket), json={"category": "other", "text": f"#{i}"})
        return int(r.status_code)

    with ThreadPoolExecutor(5) as pool:
        codes = sorted(pool.map(send, range(5)))
    assert codes == [201, 201, 201, 429, 429]
    assert len(api.get("/api/v1/complaints")) == 3
