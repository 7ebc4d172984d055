"""A kiosk agent whose printer says its paper is near its end (DLE EOT, kiosk/status.py)
raises `paper_low` on the server before the paper runs out, then `printer_fault` when it does;
a refill clears both. The agent, a live server and the fake network printer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fake_printer import AgentThread, FakePrinter, KioskHall
from tests.support import LiveServer, wait_until

pytestmark = pytest.mark.e2e
EVALUATE_ALERTS = True  # the `server` evaluates alerts (conftest.py)


def active(hall: KioskHall) -> list[str]:
    found: list[dict[str, Any]] = hall.remote.get(
        "/api/v1/alerts", branch_id=hall.branch_id, active="true"
    )
    return sorted(a["kind"] for a in found if a["subject"]["device_id"] == hall.kiosk_id)


def test_near_end_paper_raises_an_alert_before_it_runs_out(
    server: LiveServer, tmp_path: Path
) -> None:
    hall = KioskHall(server)
    with FakePrinter("near_end") as printer:
        agent = AgentThread(hall.settings(server.url, printer, tmp_path)).start()  # probes: 0.5 s
        try:
            wait_until(lambda: active(hall) == ["paper_low"], 20, "paper_low raised")
            printer.state = "paper_out"
            wait_until(lambda: active(hall) == ["printer_fault"], 20, "paper out: a fault")
            printer.state = "online"  # refilled
            wait_until(lambda: active(hall) == [], 20, "both cleared")
        finally:
            agent.stop()
