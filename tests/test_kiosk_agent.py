"""The kiosk agent against a real server (LiveServer) and the fake network printer: every job
printed exactly once across dropped connections and restarts, paper out reported, the button
box driven through a pty."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiosk.store import PrintedStore
from tests.fake_printer import (
    AgentThread,
    FakePrinter,
    KioskHall,
    all_done,
    numbers,
)
from tests.support import ROOT, LiveServer, wait_until
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"^[A-Z]{1,3}\d{3}$")


# ---- tests --------------------------------------------------------------------------------


def test_each_job_prints_exactly_once_across_dropped_connections(
    server: LiveServer, tmp_path: Path
) -> None:
    hall = KioskHall(server)
    proxy = TcpProxy(server.port)  # closed: the server is unreachable when the agent starts
    with FakePrinter() as printer:
        agent = AgentThread(hall.settings(proxy.url, printer, tmp_path)).start()
        try:
            hall.issue()  # queued while the agent cannot reach the server
            time.sleep(0.5)
            proxy.open()
            wait_until(lambda: numbers(printer.tickets()) == ["A001"], 20, "A001 printed")
            wait_until(lambda: all_done(hall, 1), 20, "A001 reported")

            proxy.cut()  # connection lost: two tickets are issued meanwhile
            hall.issue()
            hall.issue()
            proxy.open()
            wait_until(lambda: len(printer.tickets()) == 3 and all_done(hall, 3), 30, "3 jobs")

            # The printer takes the ticket, then the link to the server dies before the result
            # is reported: the job is still pending on the server, the agent must not print it
            # again when it comes back — only report it.
            before = len(printer.data())
            assert agent.agent is not None
            failures = agent.agent.unreported_results
            printer.on_data = lambda: proxy.cut() if len(printer.data()) > before + 200 else None
            hall.issue()
            wait_until(lambda: len(printer.tickets()) == 4, 20, "A004 printed")
            printer.on_data = None
            lost = agent.agent
            wait_until(lambda: lost.unreported_results > failures, 20, "a result not reported")
            assert [j["state"] for j in hall.jobs()][3] == "pending"
            proxy.open()
            wait_until(lambda: all_done(hall, 4), 30, "A004 reported")
        finally:
            agent.stop()
            proxy.cut()
        assert agent.error is None
        assert numbers(printer.tickets()) == ["A001", "A002", "A003", "A004"]
        assert [j["state"] for j in hall.jobs()] == ["printed"] * 4


def test_the_printed_qr_code_comes_from_the_kiosks_own_job(
    server: LiveServer, tmp_path: Path
) -> None:
    """Events carry no public_id (API.md, "Limits and privacy"): the agent prints the job it
    fetched as its own, with the QR code of the ticket's mobile page."""
    hall = KioskHall(server)
    with FakePrinter() as printer:
        agent = AgentThread(hall.settings(server.url, printer, tmp_path)).start()
        try:
            tickets = [hall.issue()]  # maybe before the agent follows the stream
            wait_until(lambda: all_done(hall, 1), 20, "A001 printed")
            tickets.append(hall.issue())  # announced by print.requested
            wait_until(lambda: all_done(hall, 2), 20, "A002 printed")
        finally:
            agent.stop()
    assert [printed.qr_codes for printed in printer.tickets()] == [
        [f"{server.url}/t/{ticket['public_id']}"] for ticket in tickets
    ]


def test_restart_prints_what_is_pending_and_nothing_twice(
    server: LiveServer, tmp_path: Path
) -> None:
    hall = KioskHall(server)
    with FakePrinter() as printer:
        agent = AgentThread(hall.settings(server.url, printer, tmp_path)).start()
        hall.issue()
        wait_until(lambda: all_done(hall, 1), 20, "A001 printed")
        agent.stop()

        hall.issue()  # A002: pending while the agent is down
        hall.issue()  # A003: the agent "crashed" while printing it (marked, never sent)
        interrupted = hall.jobs()[2]["id"]
        [store_file] = tmp_path.glob("printed-*.json")
        PrintedStore(store_file).mark(interrupted, "printing")

        agent = AgentThread(hall.settings(server.url, printer, tmp_path)).start()
        try:
            wait_until(lambda: all_done(hall, 3), 20, "jobs settled after restart")
        finally:
            agent.stop()
        assert numbers(printer.tickets()) == ["A001", "A002"]
        jobs = hall.jobs()
        assert [j["state"] for j in jobs] == ["printed", "printed", "failed"]
        assert jobs[2]["error"].startswith("interrupted")


def short_ttl(hall: KioskHall, seconds: int = 5) -> None:
    hall.remote.client.patch(
        f"/api/v1/branches/{hall.branch_id}",
        json={"settings": {"print_job_ttl_s": seconds}},
        headers=hall.remote.admin,
    ).raise_for_status()


def expired(hall: KioskHall, count: int) -> bool:
    jobs = hall.jobs()
    return len(jobs) == count and all(j["error"] == "expired" for j in jobs)


def test_an_agent_started_after_the_ttl_prints_nothing_stale(
    server: LiveServer, tmp_path: Path
) -> None:
    hall = KioskHall(server)
    short_ttl(hall)
    for _ in range(3):
        hall.issue()  # the printer's agent is down: nobody prints them
    wait_until(lambda: expired(hall, 3), 20, "the three jobs expired")
    with FakePrinter() as printer:
        agent = AgentThread(hall.settings(server.url, printer, tmp_path)).start()
        try:
            wait_until(lambda: hall.kiosk()["printer"] is not None, 20, "agent running")
            hall.issue()  # a fresh one prints: the agent works, and skipped only the stale
            wait_until(lambda: all_done(hall, 4), 20, "A004 printed")
        finally:
            agent.stop()
        assert agent.error is None
        assert numbers(printer.tickets()) == ["A004"]
    assert [j["state"] for j in hall.jobs()] == ["failed", "failed", "failed", "printed"]


def test_a_reconnecting_agent_does_not_print_replayed_stale_jobs(
    server: LiveServer, tmp_path: Path
) -> None:
    hall = KioskHall(server)
    short_ttl(hall)
    proxy = TcpProxy(server.port)
    proxy.open()
    with FakePrinter() as printer:
        agent = AgentThread(hall.settings(proxy.url, printer, tmp_path)).start()
        try:
            hall.issue()
            wait_until(lambda: all_done(hall, 1), 20, "A001 printed")
            proxy.cut()  # the stream resumes with `since`; A002 expires meanwhile
            hall.issue()
            wait_until(lambda: hall.jobs()[1]["error"] == "expired", 20, "A002 expired")
            # The agent's stream backs off up to 10 s while the server is cut off: A003 must
            # not expire (5 s) before the agent is back, or the test would race the backoff.
            short_ttl(hall, 120)
            proxy.open()
            hall.issue()
            wait_until(lambda: all_done(hall, 3) and hall.jobs()[2]["state"] == "printed", 60,
                       "A003 printed after the reconnect")  # fmt: skip
        finally:
            agent.stop()
            proxy.cut()
        assert agent.error is None
        assert numbers(printer.tickets()) == ["A001", "A003"]


def test_paper_out_fails_the_job_and_managers_see_it(server: LiveServer, tmp_path: Path) -> None:
    from websockets.sync.client import connect

    hall = KioskHall(server)
    token = server.login()["Authorization"].split()[1]
    ws_url = f"ws://127.0.0.1:{server.port}/api/v1/branches/{hall.branch_id}/events?token={token}"
    with FakePrinter("paper_out") as printer, connect(ws_url) as ws:
        assert json.loads(ws.recv(10))["type"] == "snapshot"
        agent = AgentThread(hall.settings(server.url, printer, tmp_path)).start()
        try:
            ticket = hall.issue()
            seen: dict[str, dict[str, Any]] = {}
            while "print.failed" not in seen or "printer.status" not in seen:
                event = json.loads(ws.recv(20))
                seen.setdefault(event["type"], event["data"])
            assert seen["print.failed"]["job"]["ticket"]["number"] == ticket["number"]
            assert seen["print.failed"]["job"]["error"] == "paper_out"
            assert seen["printer.status"]["paper"] == "out"
            kiosk = hall.kiosk()
            assert kiosk["printer"]["paper"] == "out" and kiosk["printer"]["detail"] == "paper_out"
            assert printer.tickets() == []

            printer.state = "online"  # paper loaded: the next probe reports it
            wait_until(lambda: hall.kiosk()["printer"]["paper"] == "ok", 20, "paper ok again")
            hall.issue()
            wait_until(lambda: numbers(printer.tickets()) == ["A002"], 20, "A002 printed")
        finally:
            agent.stop()


def test_printer_offline_at_start_is_reported_and_retried(
    server: LiveServer, tmp_path: Path
) -> None:
    hall = KioskHall(server)
    printer = FakePrinter()  # not listening yet
    agent = AgentThread(hall.settings(server.url, printer, tmp_path)).start()
    try:
        wait_until(lambda: hall.kiosk()["printer"] is not None, 20, "a status report")
        status = hall.kiosk()["printer"]
        assert status["online"] is False and status["detail"].startswith("unreachable")
        printer.start()
        wait_until(lambda: hall.kiosk()["printer"]["online"], 20, "printer online")
        hall.issue()
        wait_until(lambda: numbers(printer.tickets()) == ["A001"], 20, "A001 printed")
    finally:
        agent.stop()
        printer.stop()


@pytest.mark.skipif(sys.platform == "win32", reason="pty")
def test_button_box_keys_through_a_pty(server: LiveServer, tmp_path: Path) -> None:
    import pty

    hall = KioskHall(server, prefixes="AB")
    with FakePrinter() as printer:
        master, slave = pty.openpty()
        cmd = [sys.executable, "-m", "server.cli", "kiosk", "--server", server.url,
               "--token", hall.token, "--printer", printer.url, "--keys", "A,B",
               "--state-dir", str(tmp_path), "--status-interval", "5"]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALLQ_")}
        proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                                env=env, close_fds=True)  # fmt: skip
        os.close(slave)
        output = bytearray()

        def read_until(text: str) -> bool:
            while select.select([master], [], [], 0.05)[0]:
                try:
                    output.extend(os.read(master, 4096))
                except OSError:
                    break
            return text.encode() in output

        try:
            wait_until(lambda: read_until("button box ready"), 30, "button box ready")
            os.write(master, b"2")  # key 2 = service B: no Enter, single keypress
            wait_until(lambda: numbers(printer.tickets()) == ["B001"], 20, "B001 printed")
            os.write(master, b"1x9")  # unknown keys are ignored
            wait_until(lambda: numbers(printer.tickets()) == ["B001", "A001"], 20, "A001")
            assert read_until("ticket A001 issued")
            wait_until(lambda: all_done(hall, 2), 20, "both reported")
            # a scanner on the same input types an appointment's code and Enter: checked in
            remote = hall.remote
            remote.client.patch(
                f"/api/v1/branches/{hall.branch_id}",
                headers=remote.admin,
                json={"settings": {"public_booking": True}},
            ).raise_for_status()
            remote.client.patch(
                f"/api/v1/services/{hall.services['A']}",
                headers=remote.admin,
                json={"appointment_capacity": 1},
            ).raise_for_status()
            now = datetime.now(ZoneInfo("Asia/Shanghai"))
            start = now.replace(second=0, microsecond=0) + timedelta(minutes=30 - now.minute % 30)
            booked = remote.post(
                "/api/v1/public/appointments",
                {
                    "branch_id": hall.branch_id,
                    "service_id": hall.services["A"],
                    "start": start.isoformat(),
                },
                status=201,
            )
            os.write(master, booked["code"].lower().encode() + b"\r")
            wait_until(lambda: numbers(printer.tickets()) == ["B001", "A001", "A002"], 20, "A002")
            assert read_until("appointment checked in: ticket A002")
        finally:
            proc.terminate()
            proc.wait(10)
            os.close(master)
        issued = hall.remote.get("/api/v1/tickets", branch_id=hall.branch_id)
        assert [t["number"] for t in issued] == ["B001", "A001", "A002"]
        assert issued[2]["priority"] == "appointment"


def test_a_refused_token_stops_the_agent_with_a_clear_error(server: LiveServer) -> None:
    from typer.testing import CliRunner

    from server.cli import app

    runner = CliRunner()
    bad = ["kiosk", "--server", server.url, "--token", "not-a-token", "--printer", "dummy:"]
    result = runner.invoke(app, bad)
    assert result.exit_code == 1 and "error:" in result.output
    result = runner.invoke(app, [*bad[:-1], "tcp://", "--profile", "nope"])
    assert result.exit_code == 2 and "printer URL" in result.output
    result = runner.invoke(app, ["kiosk", "--printer", "dummy:", "--profile", "nope"])
    assert result.exit_code == 2 and "unknown printer profile" in result.output
