"""The audit log says, on every row, which ticket, where it went and who acted (issue 13, 22)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def audit(api: Api, ticket_id: int) -> dict[str, dict[str, Any]]:
    """The audit rows of one ticket by event type (the newest of each)."""
    rows = api.get("/api/v1/audit", branch_id=1, ticket_id=ticket_id)
    return {row["type"]: row for row in reversed(rows)}


def test_print_rows_carry_the_ticket_number(api: Api) -> None:
    service = api.service("A")
    kiosk_id, kiosk = api.device("kiosk")
    ticket = api.issue(service["id"], kiosk, kiosk_id=kiosk_id)
    (job,) = api.get("/api/v1/print-jobs", kiosk, state="pending")
    api.post(f"/api/v1/print-jobs/{job['id']}/result", {"ok": False, "error": "paper"}, kiosk)
    rows = audit(api, ticket["id"])
    for kind in ("print.requested", "print.failed"):
        assert rows[kind]["number"] == "A001", kind
        assert (rows[kind]["actor"], rows[kind]["device_id"]) == ("device", kiosk_id)
    assert rows["ticket.issued"]["number"] == "A001"


def test_a_transfer_row_says_where_the_ticket_went(api: Api) -> None:
    a, b = api.service("A"), api.service("B", name={"zh-CN": "业务B", "en": "Business B"})
    k1 = api.counter(1, [a["id"], b["id"]])
    k2 = api.counter(2, [b["id"]])
    api.act(k1["id"], "open")
    api.act(k2["id"], "open")
    first, second = api.issue(a["id"]), api.issue(a["id"])
    api.act(k1["id"], "call", {"ticket_id": first["id"]})
    api.act(k1["id"], "transfer", {"service_id": b["id"]})
    moved = audit(api, first["id"])["ticket.transferred"]
    assert (moved["counter_number"], moved["to_service_id"]) == (1, b["id"])
    assert moved["to_service_name"]["en"] == "Business B"
    assert moved["to_counter_number"] is None
    assert (moved["actor"], moved["username"]) == ("user", "admin")
    api.act(k1["id"], "call", {"ticket_id": second["id"]})
    api.act(k1["id"], "transfer", {"counter_id": k2["id"]})
    to_counter = audit(api, second["id"])["ticket.transferred"]
    assert (to_counter["to_counter_number"], to_counter["to_service_id"]) == (2, a["id"])


def test_a_rating_row_names_the_customer_as_its_actor(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    api.act(counter["id"], "open")
    ticket = api.issue(service["id"])
    api.act(counter["id"], "call", {"ticket_id": ticket["id"]})
    api.act(counter["id"], "complete")
    rating = {"score": 4}  # from the rating screen or the phone: no token
    r = api.client.post(f"/api/v1/public/tickets/{ticket['public_id']}/rating", json=rating)
    assert r.status_code == 200, r.text
    rows = audit(api, ticket["id"])
    rated = rows["ticket.rated"]
    assert (rated["actor"], rated["user_id"], rated["device_id"]) == ("customer", None, None)
    assert rated["number"] == "A001" and rated["detail"].endswith("★4")
    assert rows["ticket.completed"]["actor"] == "user"
    log = api.get("/api/v1/audit", branch_id=1)
    opened = next(r for r in log if r["type"] == "counter.updated")
    assert (opened["number"], opened["counter_number"]) == (None, 1)  # no ticket: no number
