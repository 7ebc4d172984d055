"""The basic flow: issue, open, call, complete — and the event stream sees it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Api

pytestmark = pytest.mark.integration


def test_a_ticket_is_issued_called_and_completed(api: Api) -> None:
    service = api.service("A")
    counter = api.counter(1, [service["id"]])
    ticket = api.issue(service["id"])
    assert ticket["number"] == "A001" and ticket["position"] == 0
    api.act(counter["id"], "open")
    called = api.act(counter["id"], "call-next")["ticket"]
    assert called["id"] == ticket["id"] and called["state"] == "called" and called["calls"] == 1
    done = api.act(counter["id"], "complete", {"outcome": "ok"})
    assert done["ticket"]["state"] == "done" and done["counter"]["ticket_id"] is None


def test_the_stream_starts_with_a_snapshot_then_numbered_events(api: Api) -> None:
    service = api.service("A")
    token = api.admin["Authorization"].split()[1]
    with api.client.websocket_connect(f"/api/v1/branches/1/events?token={token}") as ws:
        snapshot = json.loads(ws.receive_text())
        assert snapshot["type"] == "snapshot"
        api.issue(service["id"])
        event = json.loads(ws.receive_text())
        assert event["type"] == "ticket.issued" and event["seq"] == snapshot["seq"] + 1
