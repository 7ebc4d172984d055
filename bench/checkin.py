"""Check-in to printed ticket, end to end: a booked customer's code is checked in at a kiosk
(`POST /api/v1/appointments/check-in` with the kiosk's token and kiosk_id) against a real
`hallq serve`, and the kiosk agent prints the ticket on the fake network printer of the tests
(tests/fake_printer.py). One sample = from sending the check-in to the printer holding the
ticket's cut; one check-in at a time, 100 of them. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bench import hall, procs
from bench.load import percentile

CUT = b"\x1dV"
WAIT_S = 20.0


@dataclass
class CheckinResult:
    backend: str
    ms: list[float] = field(default_factory=list)
    missed: int = 0

    def lines(self) -> list[str]:
        if not self.ms:
            return [f"  {self.backend}: no sample"]
        return [
            f"  {self.backend}: {len(self.ms)} check-ins  p50 {percentile(self.ms, 50):6.1f} ms  "
            f"p99 {percentile(self.ms, 99):6.1f} ms  max {max(self.ms):6.1f} ms"
            + (f"  missed {self.missed}" if self.missed else "")
        ]


def _post(client: httpx.Client, path: str, token: str, body: Any = None) -> Any:
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    if r.status_code >= 300:
        raise RuntimeError(f"{path}: {r.status_code} {r.text}")
    return r.json()


def _next_slot() -> str:
    """The next half hour in the hall's zone: its check-in window (30 min early) is open now."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=30 - now.minute % 30)
    return start.isoformat()


def run(db_url: str, backend: str, samples: int, work: Path, say: Any) -> CheckinResult:
    from tests.fake_printer import AgentThread, FakePrinter  # the tests' twins, not shipped
    from tests.support import wait_until

    result = CheckinResult(backend)
    server = procs.hallq_server(db_url, work, f"checkin-{backend}").start()
    try:
        setup = hall.setup(server.url, server.port)
        with httpx.Client(base_url=server.url, timeout=30) as client, FakePrinter() as printer:
            admin = {"Authorization": f"Bearer {setup.admin}"}
            client.patch(
                "/api/v1/branches/1", headers=admin, json={"settings": {"public_booking": True}}
            ).raise_for_status()
            client.patch(
                f"/api/v1/services/{setup.service_id}",
                headers=admin,
                json={"appointment_capacity": samples},
            ).raise_for_status()
            body = {"branch_id": 1, "service_id": setup.service_id, "start": _next_slot()}
            codes = [_post(client, "/api/v1/public/appointments", setup.admin, body)["code"]
                     for _ in range(samples)]  # fmt: skip
            kiosk = _post(client, "/api/v1/devices", setup.admin,
                          {"kind": "kiosk", "name": "bench kiosk", "branch_id": 1})  # fmt: skip
            from kiosk.settings import KioskSettings

            settings = KioskSettings(server=server.url, token=kiosk["token"], printer=printer.url,
                                     state_dir=work / f"kiosk-{backend}", status_interval=5.0,
                                     probe_timeout=1.0, _env_file=None)  # type: ignore[call-arg]  # fmt: skip
            cuts = threading.Condition()
            seen = [0]

            def on_data() -> None:
                with cuts:
                    seen[0] = printer.data().count(CUT)
                    cuts.notify_all()

            printer.on_data = on_data
            agent = AgentThread(settings).start()
            try:
                ready = "/api/v1/kiosks?branch_id=1"
                wait_until(lambda: any(k["id"] == kiosk["id"] and k["printer"] is not None
                                       for k in client.get(ready, headers=admin).json()),
                           30, "kiosk agent online")  # fmt: skip
                for code in codes:
                    with cuts:
                        before = seen[0]
                    began = time.perf_counter()
                    _post(client, "/api/v1/appointments/check-in", kiosk["token"],
                          {"code": code, "kiosk_id": kiosk["id"]})  # fmt: skip
                    with cuts:
                        printed = cuts.wait_for(lambda b=before: seen[0] > b, WAIT_S)
                    if printed:
                        result.ms.append((time.perf_counter() - began) * 1000)
                    else:
                        result.missed += 1
            finally:
                agent.stop()
            assert len(printer.tickets()) == samples - result.missed
    finally:
        server.stop()
    for line in result.lines():
        say(line)
    return result


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only checkin`: SQLite, then PostgreSQL when reachable."""
    samples = 30 if cfg.quick else 100
    say = print
    say("9. appointment check-in to printed ticket (kiosk agent, fake network printer)")
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    if cfg.pg:
        backends.append(("PostgreSQL", procs.postgres_database))
    for name, pg in backends:
        with (
            contextlib.nullcontext(f"sqlite:///{work / 'checkin.db'}")
            if pg is None
            else pg() as url
        ):
            procs.migrate(url, work)
            report.checkin.append(run(url, name, samples, work, say))
