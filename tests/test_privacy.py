"""Who sees a ticket's `public_id`, the customer's key (API.md, "Limits and privacy"): the
caller that issued the ticket, the kiosk's own print jobs, managers and admins, and the rating
screen for the ticket just completed at its counter; null in every other ticket object, and
never on the event stream."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, pool, select

from server.core.migrate import upgrade
from server.schema import metadata
from tests.conftest import Api
from tests.support import Clock, ok
from tests.test_api_tickets import error_of, set_hall_settings
from tests.test_stream import last_seq, token_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

ANONYMOUS, KIOSK, OTHER_KIOSK, DISPLAY, CLERK, MANAGER, ADMIN = (
    "anonymous", "kiosk", "other_kiosk", "display", "clerk", "manager", "admin",
)  # fmt: skip
KEY_HOLDERS = (MANAGER, ADMIN)


class Hall:
    """Branch 1 with public issuing, a service, two counters, and one principal of each kind."""

    def __init__(self, api: Api) -> None:
        self.api = api
        set_hall_settings(api, public_issue=True)
        self.service = api.service("A")["id"]
        self.counter = api.counter(1, [self.service])["id"]
        self.manager_counter = api.counter(2, [self.service])["id"]
        self.kiosk_id, kiosk = api.device("kiosk")
        _, other_kiosk = api.device("kiosk")
        self.headers: dict[str, dict[str, str]] = {
            ANONYMOUS: {},
            KIOSK: kiosk,
            OTHER_KIOSK: other_kiosk,
            DISPLAY: api.device("display")[1],
            CLERK: api.user("clerk", "clerk", [1]),
            MANAGER: api.user("manager", "manager", [1]),
            ADMIN: api.admin,
        }
        self.keys: set[str] = set()  # every public_id handed out, to look for on the stream

    def issue(self, who: str, **extra: Any) -> dict[str, Any]:
        ticket = self.api.issue(self.service, self.headers[who], **extra)
        assert ticket["public_id"], f"the issuer ({who}) gets the customer's key"
        self.keys.add(ticket["public_id"])
        return dict(ticket)

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.api.get(path, self.headers[who], **params)

    def act(self, who: str, counter: int, action: str, body: Any = None) -> dict[str, Any]:
        return dict(self.api.act(counter, action, body, self.headers[who]))


def key_of(ticket: dict[str, Any] | None) -> str | None:
    assert ticket is not None
    return ticket["public_id"]  # type: ignore[no-any-return]


def expected_key(who: str, ticket: dict[str, Any]) -> str | None:
    return ticket["public_id"] if who in KEY_HOLDERS else None


def stream_texts(api: Api, token: str, since: int = 0) -> list[str]:
    """Every message a subscriber with `token` receives: the replay after `since` (or a
    snapshot), as raw text."""
    count = last_seq(api) - since
    url = f"/api/v1/branches/1/events?token={token}&since={since}"
    with api.client.websocket_connect(url) as ws:
        return [ws.receive_text() for _ in range(count)]


def test_each_caller_sees_the_public_id_only_where_the_contract_says(api: Api) -> None:
    hall = Hall(api)
    issued = {who: hall.issue(who) for who in (ANONYMOUS, KIOSK, CLERK, MANAGER, ADMIN)}
    with_job = hall.issue(KIOSK, kiosk_id=hall.kiosk_id)

    # lists and single tickets
    for who in (CLERK, MANAGER, ADMIN):
        listed = hall.get(who, "/api/v1/tickets", branch_id=1)
        assert {t["id"]: key_of(t) for t in listed} == {
            t["id"]: expected_key(who, t) for t in [*issued.values(), with_job]
        }, who
        one = hall.get(who, f"/api/v1/tickets/{with_job['id']}")
        assert key_of(one) == expected_key(who, with_job), who

    # counter actions: the clerk's desk, and a manager serving at another counter
    clerk_hand = [
        hall.act(CLERK, hall.counter, "open"),
        hall.act(CLERK, hall.counter, "call-next"),
        hall.act(CLERK, hall.counter, "recall"),
        hall.act(CLERK, hall.counter, "start"),
        hall.act(CLERK, hall.counter, "complete"),
    ]
    assert [key_of(r["ticket"]) for r in clerk_hand[1:]] == [None] * 4
    hall.act(MANAGER, hall.manager_counter, "open")
    called = hall.act(MANAGER, hall.manager_counter, "call-next")["ticket"]
    assert key_of(called) == issued[KIOSK]["public_id"]
    assert key_of(hall.act(MANAGER, hall.manager_counter, "no-show")["ticket"])

    # staff actions on a ticket
    for who in (CLERK, MANAGER):
        ticket = hall.issue(ADMIN)
        cancelled = ok(api.client.post(f"/api/v1/tickets/{ticket['id']}/cancel",
                                       headers=hall.headers[who]))  # fmt: skip
        assert key_of(cancelled) == expected_key(who, ticket), who
    noshow = issued[KIOSK]
    for who in (CLERK, MANAGER):
        again = ok(api.client.post(f"/api/v1/tickets/{noshow['id']}/requeue",
                                   headers=hall.headers[who]))  # fmt: skip
        assert key_of(again) == expected_key(who, noshow), who
        if who == CLERK:  # no-show once more, for the manager's requeue
            hall.act(MANAGER, hall.manager_counter, "call", {"ticket_id": noshow["id"]})
            hall.act(MANAGER, hall.manager_counter, "no-show")

    # print jobs: the kiosk's own, managers and admins
    for who, expect in ((KIOSK, True), (CLERK, False), (MANAGER, True), (ADMIN, True)):
        (job,) = hall.get(who, "/api/v1/print-jobs", ticket_id=with_job["id"])
        assert key_of(job["ticket"]) == (with_job["public_id"] if expect else None), who
        assert (job["public_url"] or "").endswith(with_job["public_id"]) is expect, who
    assert hall.get(OTHER_KIOSK, "/api/v1/print-jobs") == []
    reprint = f"/api/v1/tickets/{with_job['id']}/reprint"
    for who, expect in ((CLERK, False), (KIOSK, True), (MANAGER, True)):
        job = hall.api.post(reprint, {"kiosk_id": hall.kiosk_id}, hall.headers[who], 202)
        assert (key_of(job["ticket"]) is not None, job["public_url"] is not None) == (
            expect,
            expect,
        ), who
    (pending, *_) = hall.get(KIOSK, "/api/v1/print-jobs", state="pending")
    reported = hall.api.post(f"/api/v1/print-jobs/{pending['id']}/result", {"ok": False},
                             hall.headers[KIOSK])  # fmt: skip
    assert reported["public_url"] and key_of(reported["ticket"])

    # the stream, as any subscriber sees it (replayed, and as a snapshot), holds no key
    texts = stream_texts(api, token_of(hall.headers[DISPLAY]))
    assert {json.loads(t)["type"] for t in texts} >= {
        "ticket.issued", "ticket.called", "ticket.completed", "ticket.cancelled",
        "ticket.requeued", "print.requested", "print.failed",
    }  # fmt: skip
    queue = json.dumps(hall.get(DISPLAY, "/api/v1/branches/1/queue"))
    with api.client.websocket_connect(
        f"/api/v1/branches/1/events?token={token_of(hall.headers[DISPLAY])}"
    ) as ws:
        snapshot = ws.receive_text()
    for text in [*texts, queue, snapshot]:
        assert not [key for key in hall.keys if key in text], text
    for text in texts:
        data = json.loads(text)["data"]
        assert data.get("public_id", data.get("job", {}).get("public_url")) is None, text


def test_a_display_cannot_cancel_a_customer_ticket_from_the_stream(api: Api) -> None:
    """The attack of issue 13: a display token read `ticket.issued` and cancelled the ticket
    through the customer's page."""
    hall = Hall(api)
    seq = last_seq(api)
    ticket = hall.issue(KIOSK, kiosk_id=hall.kiosk_id)
    texts = stream_texts(api, token_of(hall.headers[DISPLAY]), since=seq)
    issued = next(json.loads(t) for t in texts if json.loads(t)["type"] == "ticket.issued")
    assert issued["data"]["id"] == ticket["id"] and issued["data"]["public_id"] is None
    assert all(ticket["public_id"] not in text for text in texts)
    # a display cannot list tickets either
    r = api.client.get("/api/v1/tickets", headers=hall.headers[DISPLAY])
    error_of(r, 403, "forbidden")
    assert hall.get(ADMIN, f"/api/v1/tickets/{ticket['id']}")["state"] == "waiting"


def test_a_clerk_cannot_rate_the_ticket_they_served(api: Api, clock: Clock) -> None:
    """The attack of issue 13: a clerk rated a ticket they had just served with 5 stars
    through the public endpoint. The rating screen (a display device) still can."""
    hall = Hall(api)
    ticket = hall.issue(ADMIN)
    hall.act(CLERK, hall.counter, "open")
    answers = [hall.act(CLERK, hall.counter, a) for a in ("call-next", "start", "complete")]
    assert [key_of(a["ticket"]) for a in answers] == [None, None, None]
    for listed in hall.get(CLERK, "/api/v1/tickets", branch_id=1, state="done"):
        assert key_of(listed) is None
    screen = f"/api/v1/counters/{hall.counter}/rating-ticket"
    for who, status, code in (
        (CLERK, 403, "forbidden"),
        (KIOSK, 403, "forbidden"),
        (ANONYMOUS, 401, "unauthorized"),
    ):
        error_of(api.client.get(screen, headers=hall.headers[who]), status, code)
    for who in (DISPLAY, MANAGER):
        shown = hall.get(who, screen)
        assert (shown["id"], shown["public_id"]) == (ticket["id"], ticket["public_id"]), who
    rated = api.post(f"/api/v1/public/tickets/{ticket['public_id']}/rating", {"score": 4})
    assert rated["rated"]
    error_of(api.client.get(screen, headers=hall.headers[DISPLAY]), 404, "not_found")


def test_the_rating_screen_gets_the_key_only_while_the_rating_may_be_given(
    api: Api, clock: Clock
) -> None:
    hall = Hall(api)
    set_hall_settings(api, rating_timeout_s=30)
    screen = f"/api/v1/counters/{hall.counter}/rating-ticket"
    error_of(api.client.get(screen, headers=hall.headers[DISPLAY]), 404, "not_found")
    first, second = hall.issue(ADMIN), hall.issue(ADMIN)
    hall.act(CLERK, hall.counter, "open")
    hall.act(CLERK, hall.counter, "call-next")
    hall.act(CLERK, hall.counter, "complete")
    clock.advance(seconds=5)
    hall.act(CLERK, hall.counter, "call-next")
    assert hall.get(DISPLAY, screen)["id"] == first["id"]  # the second is only called
    hall.act(CLERK, hall.counter, "complete")
    assert hall.get(DISPLAY, screen)["id"] == second["id"]  # the last one completed
    other = f"/api/v1/counters/{hall.manager_counter}/rating-ticket"
    error_of(api.client.get(other, headers=hall.headers[DISPLAY]), 404, "not_found")
    clock.advance(seconds=31)
    error_of(api.client.get(screen, headers=hall.headers[DISPLAY]), 404, "not_found")
    error_of(api.client.get("/api/v1/counters/999/rating-ticket", headers=hall.headers[DISPLAY]),
             404, "not_found")  # fmt: skip


def test_events_stored_before_the_upgrade_lose_the_key(empty_url: str) -> None:
    """Migration 0008: events stored with a public_id are not replayed with it."""
    upgrade(empty_url, "0007")
    key = "customer-key-123"
    job = {"id": 1, "public_url": f"http://hall/t/{key}", "ticket": {"id": 1, "public_id": key}}
    events = metadata.tables["ticket_event"]
    rows = [
        ("ticket.issued", {"id": 1, "number": "A001", "public_id": key}),
        ("print.requested", {"job": job}),
        ("counter.updated", {"id": 1, "state": "open"}),
    ]
    engine = create_engine(empty_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(metadata.tables["branch"]).values(
                    id=1, name="Hall", timezone="UTC", locale="en", settings={}, last_seq=3
                )
            )
            for seq, (kind, data) in enumerate(rows, start=1):
                connection.execute(insert(events).values(
                    branch_id=1, seq=seq, type=kind, ts=datetime(2026, 12, 1, tzinfo=UTC),
                    data=data,
                ))  # fmt: skip
        upgrade(empty_url)
        with engine.connect() as connection:
            stored = [row.data for row in connection.execute(select(events).order_by(events.c.seq))]
    finally:
        engine.dispose()
    assert key not in json.dumps(stored)
    assert stored[0] == {"id": 1, "number": "A001", "public_id": None}
    assert stored[1] == {
        "job": {"id": 1, "public_url": None, "ticket": {"id": 1, "public_id": None}}
    }
    assert stored[2] == rows[2][1]


def test_a_clerks_token_never_obtains_the_key_of_a_ticket_it_did_not_issue(api: Api) -> None:
    """Issue 15 item 8: every GET route of the API (path parameters filled with the ticket's,
    its counter's and its hall's ids), every counter action and the stream, called with a
    clerk's token after the clerk served a kiosk's ticket: the key is in no answer."""
    hall = Hall(api)
    ticket = hall.issue(KIOSK, kiosk_id=hall.kiosk_id)
    key = ticket["public_id"]
    answers = [json.dumps(hall.act(CLERK, hall.counter, a)) for a in
               ("open", "call-next", "recall", "start", "complete")]  # fmt: skip
    ids = {"id": ticket["id"], "ticket_id": ticket["id"], "counter_id": hall.counter,
           "branch_id": 1, "service_id": hall.service, "public_id": key}  # fmt: skip
    schema = api.client.get("/openapi.json").json()
    called = 0
    for path, operations in schema["paths"].items():
        if "get" not in operations or "/public/" in path or "{public_id}" in path:
            continue  # the public routes take the key; they cannot hand it to anyone
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        if "{" in url:
            url = url.replace(url[url.index("{") : url.index("}") + 1], str(ticket["id"]))
        params = {"branch_id": 1, "ticket_id": ticket["id"]} if "{" not in path else {}
        answer = api.client.get(url, params=params, headers=hall.headers[CLERK])
        answers.append(answer.text)
        called += 1
    assert called > 20
    answers += stream_texts(api, token_of(hall.headers[CLERK]))
    assert not [text for text in answers if key in text]
