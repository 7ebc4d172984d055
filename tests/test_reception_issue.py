"""Staff issuing and priority (API.md, "Staff issuing and priority") on SQLite and PostgreSQL:
who may issue at reception with a note, a priority reason and past the cut-off; priority only
where the hall allows it for kiosks and the public; the note reaches staff only (never public
endpoints, events, print jobs or the queue view) and every reception issue is audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.support import ok
from tests.test_api_tickets import error_of, set_hall_settings
from tests.test_stream import last_seq, recv_n, stream

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

NOTE = "轮椅客户 / wheelchair: bring the form to window 3"
RECEPTION = {"channel": "reception", "note": NOTE, "priority": "priority",
             "priority_reason": "elderly"}  # fmt: skip


def issue(api: Api, headers: dict[str, str] | None, **body: Any) -> Any:
    return api.client.post("/api/v1/tickets", json=body, headers=headers or {})


@pytest.fixture
def people(api: Api) -> dict[str, dict[str, str]]:
    _, kiosk = api.device("kiosk")
    _, display = api.device("display")
    return {
        "admin": api.admin, "manager": api.user("boss", "manager"), "clerk": api.user("clerk"),
        "kiosk": kiosk, "display": display,
    }  # fmt: skip


def test_staff_issue_at_reception_with_a_note_and_any_priority(
    api: Api, people: dict[str, dict[str, str]]
) -> None:
    service = api.service("A")
    for role in ("admin", "manager", "clerk"):
        ticket = ok(issue(api, people[role], service_id=service["id"], **RECEPTION), 201)
        assert ticket["channel"] == "reception" and ticket["priority"] == "priority"
        assert ticket["note"] == NOTE and ticket["priority_reason"] == "elderly"
        assert ticket["public_id"]  # the issuer holds the customer's key (to print or show)
    for role in ("kiosk", "display"):
        error_of(issue(api, people[role], service_id=service["id"], **RECEPTION), 403, "forbidden")
    error_of(issue(api, None, service_id=service["id"], **RECEPTION), 401, "unauthorized")


@pytest.mark.parametrize(
    "extra",
    [{"channel": "reception"}, {"note": "x"}, {"priority_reason": "x"},
     {"override_cutoff": True}, {"priority": "priority"}, {"priority": "appointment"}],
)  # fmt: skip
def test_kiosks_and_the_public_ask_for_nothing_only_staff_give(
    api: Api, people: dict[str, dict[str, str]], extra: dict[str, Any]
) -> None:
    service = api.service("A")
    set_hall_settings(api, public_issue=True)
    for headers in (people["kiosk"], None):
        error_of(issue(api, headers, service_id=service["id"], **extra), 403, "forbidden")
    ok(issue(api, people["kiosk"], service_id=service["id"]), 201)  # a plain ticket


def test_self_priority_lets_kiosks_and_the_public_take_priority(
    api: Api, people: dict[str, dict[str, str]]
) -> None:
    service = api.service("A")
    set_hall_settings(api, public_issue=True, self_priority=True)
    for headers in (people["kiosk"], None):
        ticket = ok(issue(api, headers, service_id=service["id"], priority="priority"), 201)
        assert ticket["priority"] == "priority" and ticket["note"] is None
    # the older setting of the kiosk's button turns it on too
    set_hall_settings(api, public_issue=True, offer_priority=True)
    assert api.get("/api/v1/branches/1")["settings"]["self_priority"] is True
    ok(issue(api, people["kiosk"], service_id=service["id"], priority="priority"), 201)


@pytest.mark.parametrize(
    "bad",
    [{"note": "x" * 201}, {"priority_reason": "x" * 101}, {"override_cutoff": "maybe"},
     {"channel": "lobby"}, {"note": 5}, {"priority": "vip"}, {"note": ["a"]}],
)  # fmt: skip
def test_bad_input_is_refused(api: Api, bad: dict[str, Any]) -> None:
    service = api.service("A")
    error_of(issue(api, api.admin, service_id=service["id"], **bad), 422, "validation_error")


def test_a_nul_in_the_note_is_refused_not_stored(api: Api) -> None:
    service = api.service("A")
    r = issue(api, api.admin, service_id=service["id"], note="a\u0000b")
    assert r.status_code in (400, 422) and r.json()["error"] in ("validation_error", "bad_request")


def test_a_200_character_note_is_kept_and_blank_text_is_none(api: Api) -> None:
    service = api.service("A")
    ticket = ok(issue(api, api.admin, service_id=service["id"], note="字" * 200), 201)
    assert ticket["note"] == "字" * 200
    blank = ok(issue(api, api.admin, service_id=service["id"], note="  ",
                     priority_reason=""), 201)  # fmt: skip
    assert blank["note"] is None and blank["priority_reason"] is None


def test_staff_override_the_cutoff_until_closing(api: Api, clock: Any) -> None:
    """The test clock is 12:00 in Shanghai: the hall closes at 12:10 with a 20 min cut-off."""
    service = api.service("A")
    every_day = {d: [["08:00", "12:10"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    set_hall_settings(api, opening_hours=every_day, cutoff_min=20)
    clerk = api.user("clerk")
    error_of(issue(api, clerk, service_id=service["id"]), 409, "service_closed")
    ticket = ok(issue(api, clerk, service_id=service["id"], override_cutoff=True,
                      channel="reception"), 201)  # fmt: skip
    assert ticket["state"] == "waiting"
    clock.advance(minutes=10)  # 12:10: closed, the override stops at closing time
    error_of(issue(api, clerk, service_id=service["id"], override_cutoff=True), 409,
             "service_closed")  # fmt: skip
    records = api.get("/api/v1/audit", branch_id=1, kind="ticket.reception")
    assert [r["data"]["override_cutoff"] for r in records] == [True]


def test_the_note_reaches_staff_only(api: Api, people: dict[str, dict[str, str]]) -> None:
    service = api.service("A")
    kiosk_id = api.get("/api/v1/devices")[0]["id"]
    seq = last_seq(api)
    ticket = ok(issue(api, people["clerk"], service_id=service["id"], kiosk_id=kiosk_id,
                      **RECEPTION), 201)  # fmt: skip
    for role in ("admin", "manager", "clerk"):
        seen = api.get(f"/api/v1/tickets/{ticket['id']}", people[role])
        assert (seen["note"], seen["priority_reason"]) == (NOTE, "elderly")
        (listed,) = api.get("/api/v1/tickets", people[role], branch_id=1)
        assert listed["note"] == NOTE
    public = api.get(f"/api/v1/public/tickets/{ticket['public_id']}", {})
    assert "note" not in public and "priority_reason" not in public
    assert NOTE not in str(api.get("/api/v1/branches/1/queue", people["display"]))
    (job,) = api.get("/api/v1/print-jobs", people["kiosk"], state="pending")
    assert NOTE not in str(job) and "elderly" not in str(job)
    with stream(api, since=seq) as ws:
        events = recv_n(ws, last_seq(api) - seq)
    assert events and all(NOTE not in str(e) and "elderly" not in str(e) for e in events)
    # the clerk who calls it sees it in hand
    counter = api.counter(1, [service["id"]])
    api.act(counter["id"], "open", headers=people["clerk"])
    called = api.act(counter["id"], "call-next", headers=people["clerk"])
    assert called["ticket"]["note"] == NOTE and called["ticket"]["priority_reason"] == "elderly"
    (record,) = api.get("/api/v1/audit", branch_id=1, kind="ticket.reception")
    assert record["data"]["note"] == NOTE and record["data"]["priority"] == "priority"
    assert record["subject"] == f"ticket:{ticket['id']}"
