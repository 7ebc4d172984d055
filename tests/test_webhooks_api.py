"""Webhooks' API: who may do what, bad input, the secret shown once, halls kept apart
(issue 16, item 4 and "Bad input"; API.md, "Webhooks")."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from server import protocol as p
from server.core.context import Principal
from server.core.run import write
from server.tickets import service as tickets
from tests.conftest import Api
from tests.support import ok
from tests.test_api_tickets import error_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

URL = "http://127.0.0.1:9/hook"


def hook(api: Api, headers: dict[str, str] | None = None, status: int = 201, **fields: Any) -> Any:
    body = {"url": URL, "events": ["ticket.called"], "branch_id": 1} | fields
    r = api.client.post("/api/v1/webhooks", json=body, headers=headers or api.admin)
    assert r.status_code == status, r.text
    return r.json()


def test_create_list_patch_delete_and_the_delivery_log(api: Api) -> None:
    made = hook(api, format="json")
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 30
    assert made["branch_id"] == 1 and made["events"] == ["ticket.called"] and made["active"]
    listed = api.get("/api/v1/webhooks")
    assert [w["id"] for w in listed] == [made["id"]] and listed[0]["secret"] is None
    url = f"/api/v1/webhooks/{made['id']}"
    changed = ok(api.client.patch(url, json={"events": ["ticket.issued", "ticket.called"],
                                             "active": False}, headers=api.admin))  # fmt: skip
    assert changed["events"] == ["ticket.issued", "ticket.called"] and not changed["active"]
    assert changed["secret"] is None
    assert api.get(f"{url}/deliveries") == []
    test = ok(api.client.post(f"{url}/test", headers=api.admin), 202)
    assert test["event_type"] == "webhook.test" and test["attempts"] == 0
    log = api.get(f"{url}/deliveries")
    assert [d["id"] for d in log] == [test["id"]]
    assert set(log[0]) >= {"id", "event_type", "attempts", "last_status", "delivered_at",
                           "next_attempt_at"}  # fmt: skip
    ok(api.client.delete(url, headers=api.admin))
    assert api.get("/api/v1/webhooks") == []
    error_of(api.client.get(f"{url}/deliveries", headers=api.admin), 404, "not_found")


def test_roles(api: Api) -> None:
    far = api.post("/api/v1/branches", {"name": "Far hall"}, status=201)["id"]
    manager = api.user("mgr", "manager", [1])
    clerk = api.user("clerk", "clerk", [1])
    _, kiosk = api.device("kiosk")
    mine = hook(api, manager)  # a manager, for its own hall
    error_of(api.client.post("/api/v1/webhooks", json={"url": URL, "events": ["ticket.called"],
             "branch_id": far}, headers=manager), 403, "forbidden")  # fmt: skip
    error_of(
        api.client.post(
            "/api/v1/webhooks", json={"url": URL, "events": ["ticket.called"]}, headers=manager
        ),
        403,
        "forbidden",
    )  # every hall: admins only
    every = hook(api, branch_id=None)  # an admin, for every hall
    assert every["branch_id"] is None
    theirs = hook(api, branch_id=far)
    for who in (clerk, kiosk, {}):
        r = api.client.post("/api/v1/webhooks", json={"url": URL, "events": ["ticket.called"],
                                                      "branch_id": 1}, headers=who)  # fmt: skip
        assert r.status_code in (401, 403), r.text
        assert api.client.get("/api/v1/webhooks", headers=who).status_code in (401, 403)
    assert [w["id"] for w in api.get("/api/v1/webhooks", manager)] == [mine["id"]]
    assert len(api.get("/api/v1/webhooks")) == 3
    for other in (every, theirs):
        url = f"/api/v1/webhooks/{other['id']}"
        error_of(api.client.patch(url, json={"active": False}, headers=manager), 403, "forbidden")
        error_of(api.client.delete(url, headers=manager), 403, "forbidden")
        error_of(api.client.get(f"{url}/deliveries", headers=manager), 403, "forbidden")
        error_of(api.client.post(f"{url}/test", headers=manager), 403, "forbidden")
    ok(api.client.patch(f"/api/v1/webhooks/{mine['id']}", json={"active": False},
                        headers=manager))  # fmt: skip
    ok(api.client.delete(f"/api/v1/webhooks/{mine['id']}", headers=manager))


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "ftp://127.0.0.1/hook"},
        {"url": "file:///etc/passwd"},
        {"url": "javascript:alert(1)"},
        {"url": "not a url"},
        {"url": "http://"},
        {"url": "http://user:pw@example.com/"},
        {"url": "http://127.0.0.1:99999/"},
        {"url": "x" * 2001},
        {"url": "http://127.0.0.1/\x00"},
        {"events": ["ticket.exploded"]},
        {"events": ["ticket.called", "nope"]},
        {"events": []},
        {"events": ["x" * 33]},
        {"format": "slack"},
        {"secret": "short"},
        {"secret": "has a space in it"},
        {"region_id": 1},
        {"branch_id": 999},
        {"branch_id": 0},
        {"unknown": 1},
    ],
)
def test_bad_input_is_422(api: Api, fields: dict[str, Any]) -> None:
    body = {"url": URL, "events": ["ticket.called"], "branch_id": 1} | fields
    error_of(api.client.post("/api/v1/webhooks", json=body, headers=api.admin), 422,
             "validation_error")  # fmt: skip


def test_bad_patches_are_422(api: Api) -> None:
    made = hook(api)
    url = f"/api/v1/webhooks/{made['id']}"
    for body in ({"url": "gopher://x/"}, {"events": ["nope.nope"]}, {"branch_id": 2},
                 {"secret": "x"}):  # fmt: skip
        error_of(api.client.patch(url, json=body, headers=api.admin), 422, "validation_error")
    robot = hook(api, format="wecom")
    assert robot["secret"] is None  # robots are unsigned unless given one
    error_of(api.client.patch(f"/api/v1/webhooks/{robot['id']}", json={"format": "json"},
                              headers=api.admin), 422, "validation_error")  # fmt: skip
    error_of(api.client.patch("/api/v1/webhooks/999", json={}, headers=api.admin), 404,
             "not_found")  # fmt: skip


def test_an_admin_setting_restricts_targets(api: Api) -> None:
    api.client.app.state.hallq.settings.webhook_allow = "10.0.0.0/8,*.example.com"  # type: ignore[attr-defined]
    hook(api, url="http://10.1.2.3/hook")
    hook(api, url="https://robots.example.com/send?key=1")
    for bad in ("http://127.0.0.1/hook", "http://11.0.0.1/", "https://example.org/"):
        hook(api, url=bad, status=422)


def test_the_secret_is_shown_once_and_stored_sealed(
    api: Api, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    given = "my-very-own-secret-1234"
    made = hook(api, secret=given)
    assert made["secret"] == given
    generated = hook(api)["secret"]
    ok(api.client.patch(f"/api/v1/webhooks/{made['id']}", json={"secret": given + "x"},
                        headers=api.admin))  # fmt: skip
    shown = api.client.get("/api/v1/webhooks", headers=api.admin).text
    shown += api.client.get("/openapi.json").text
    engine = create_engine(db_url)
    with engine.connect() as c:
        stored = " ".join(str(r) for r in c.execute(text("SELECT * FROM webhook")))
        answers = " ".join(str(r) for r in c.execute(text("SELECT * FROM idempotency_key")))
    engine.dispose()
    for secret in (given, given + "x", generated):
        assert secret not in shown and secret not in stored and secret not in answers
        assert secret not in caplog.text
    # the creation is never stored for a replay: a key does not bring the secret back
    keyed = api.admin | {"Idempotency-Key": "k1"}
    first = hook(api, keyed)
    again = hook(api, keyed)
    assert first["id"] != again["id"] and first["secret"] != again["secret"]


def test_a_hall_webhook_never_gets_another_halls_events(api: Api, db_url: str) -> None:
    far = api.post("/api/v1/branches", {"name": "Far hall"}, status=201)["id"]
    here = hook(api, events=["ticket.issued"], branch_id=1)
    there = hook(api, events=["ticket.issued"], branch_id=far)
    every = hook(api, events=["ticket.issued"], branch_id=None)
    api.issue(api.service("A", 1)["id"])
    api.issue(api.service("B", far)["id"])
    api.issue(api.service("C", far)["id"])
    engine = create_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT webhook_id, branch_id FROM webhook_delivery")).all()
    engine.dispose()
    seen = {(w, b) for w, b in rows}
    assert seen == {(here["id"], 1), (there["id"], far), (every["id"], 1), (every["id"], far)}
    assert sum(1 for w, _ in rows if w == there["id"]) == 2


def test_the_outbox_row_commits_and_rolls_back_with_its_event(api: Api, db_url: str) -> None:
    """A delivery is written in its event's transaction: a job that fails after issuing (and so
    after the unit of work stored the event and its delivery) leaves neither."""
    hook(api, events=["ticket.issued"])
    service = api.service("A")["id"]
    ctx = api.client.app.state.hallq.ctx(Principal(kind="admin", user_id=1))  # type: ignore[attr-defined]

    def issue_then_fail(uow: Any) -> None:
        tickets.issue(ctx, uow, p.TicketCreate(service_id=service))
        uow.commit()  # events numbered and stored, the outbox row with them
        raise RuntimeError("after the store, before the commit")

    with pytest.raises(RuntimeError):
        write(ctx, issue_then_fail)
    api.issue(service)
    engine = create_engine(db_url)
    with engine.connect() as c:
        events = c.execute(text("SELECT seq FROM ticket_event WHERE type = 'ticket.issued'")).all()
        rows = c.execute(text("SELECT seq FROM webhook_delivery")).all()
    engine.dispose()
    assert [r[0] for r in rows] == [r[0] for r in events] and len(rows) == 1


def test_changes_reach_the_audit_trail_without_the_secret(api: Api) -> None:
    made = hook(api, secret="audit-secret-1234")
    url = f"/api/v1/webhooks/{made['id']}"
    ok(api.client.patch(url, json={"url": URL + "2", "secret": "audit-secret-5678"},
                        headers=api.admin))  # fmt: skip
    ok(api.client.delete(url, headers=api.admin))
    trail = api.get("/api/v1/audit", limit=10000)
    mine = sorted(
        (r for r in trail if r["subject"] == f"webhook:{made['id']}"), key=lambda r: r["id"]
    )
    assert [r["kind"] for r in mine] == ["webhook.created", "webhook.updated", "webhook.deleted"]
    changed = mine[1]["data"]
    assert changed["old"] == {"url": URL} and changed["new"] == {"url": URL + "2"}
    assert changed["secret_changed"] is True
    text_of_all = str(mine)
    assert "audit-secret" not in text_of_all and "sealed" not in text_of_all
    assert api.get("/api/v1/audit/verify")["ok"]
