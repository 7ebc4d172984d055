"""Two `hallq serve` processes on one PostgreSQL database and Redis: only one evaluates, each
condition is raised and cleared once, and when the evaluating process is killed (-9) the other
takes over within the lease."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.databases import Kind, Templates
from tests.support import REDIS_URL, Remote, live_env, live_servers, require_service, wait_until

pytestmark = pytest.mark.e2e
TOGGLES = 4


def lease_holder(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(
                conn.execute(
                    text("SELECT holder FROM alert_lease WHERE name = 'alerts'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def printer_alerts(hall: Remote, active: bool) -> list[dict[str, Any]]:
    flag = str(active).lower()
    return list(hall.get("/api/v1/alerts", branch_id=1, active=flag, kind="printer_fault"))


def test_two_processes_raise_and_clear_each_alert_once(templates: Templates) -> None:
    require_service("Redis", 6379)
    env = live_env("", REDIS_URL)
    env |= {"HALLQ_ALERTS_INTERVAL_S": "0.5", "HALLQ_ALERTS_EVALUATE": "true"}
    with templates.postgres(Kind.SCHEMA) as url:
        env["HALLQ_DATABASE_URL"] = url
        with live_servers(env, 2) as servers:
            halls = [Remote(s) for s in servers]
            try:
                kiosk_id, token = halls[0].device("kiosk")
                kiosk = {"Authorization": f"Bearer {token}"}
                status = f"/api/v1/kiosks/{kiosk_id}/printer-status"

                def toggle(hall: Remote, rounds: int, within_s: float = 10) -> None:
                    for _ in range(rounds):
                        hall.post(status, {"online": True, "paper": "out"}, kiosk)
                        wait_until(lambda: printer_alerts(hall, True), within_s, "raised")
                        hall.post(status, {"online": True, "paper": "ok"}, kiosk)
                        wait_until(lambda: not printer_alerts(hall, True), 10, "cleared")

                toggle(halls[1], TOGGLES)
                holder = lease_holder(url)
                leader = next(i for i, s in enumerate(servers)
                              if s.proc and f":{s.proc.pid}:" in holder)  # fmt: skip
                servers[leader].kill()  # the evaluating process dies without a word
                survivor = halls[1 - leader]
                began = time.monotonic()
                toggle(survivor, 1, within_s=30)
                took_over_s = time.monotonic() - began
                assert lease_holder(url) != holder
                assert took_over_s < 10 + 2 * 0.5 + 5  # the lease (10 s) and a round or two

                ended = printer_alerts(survivor, False)
                assert len(ended) == TOGGLES + 1
                log = survivor.get("/api/v1/audit", branch_id=1, limit=10000)
                kinds = Counter(e["type"] for e in log if e["type"].startswith("alert."))
                assert kinds == {"alert.raised": TOGGLES + 1, "alert.cleared": TOGGLES + 1}
            finally:
                for hall in halls:
                    with contextlib.suppress(httpx.HTTPError):
                        hall.close()
