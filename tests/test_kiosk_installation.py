"""The kiosk agent's memory of printed jobs belongs to one database: another database behind
the same address (a new one, or a restored backup) starts clean — no new job skipped as
"already printed", no old result reported for it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.databases import ADMIN_PASSWORD, Templates
from tests.fake_printer import AgentThread, FakePrinter, KioskHall, all_done, numbers
from tests.support import LiveServer, free_port, live_env, wait_until

pytestmark = pytest.mark.e2e


def serve(url: str, port: int) -> LiveServer:
    """`hallq serve` on `url` (a Kind.HALL copy: its admin exists, with a cheap hash)."""
    env = live_env(url) | {"HALLQ_ADMIN_PASSWORD": ADMIN_PASSWORD,
                           "HALLQ_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    return LiveServer(env, port=port).start()


def installation(server: LiveServer) -> str:
    return str(httpx.get(f"{server.url}/healthz").json()["installation"])


def print_one(hall: KioskHall, server: LiveServer, printer: FakePrinter, state: Path,
              count: int) -> None:  # fmt: skip
    """Issue a ticket with the agent running; wait until its job (the `count`th) is done."""
    agent = AgentThread(hall.settings(server.url, printer, state)).start()
    try:
        hall.issue()
        wait_until(lambda: all_done(hall, count), 20, f"job {count} done")
    finally:
        agent.stop()
    assert agent.error is None


def test_a_new_database_on_the_same_address_starts_clean(
    tmp_path: Path, templates: Templates
) -> None:
    port, state = free_port(), tmp_path / "agent"
    with FakePrinter() as printer:
        first = serve(templates.sqlite(tmp_path / "one.db"), port)
        try:
            old = KioskHall(first)
            print_one(old, first, printer, state, 1)
            one = installation(first)
        finally:
            first.stop()
        second = serve(templates.sqlite(tmp_path / "two.db"), port)
        try:
            new = KioskHall(second)  # the same ids again: kiosk, ticket and job
            assert (new.kiosk_id, new.branch_id) == (old.kiosk_id, old.branch_id)
            print_one(new, second, printer, state, 1)
            assert installation(second) != one
            assert [j["state"] for j in new.jobs()] == ["printed"]
        finally:
            second.stop()
    assert numbers(printer.tickets()) == ["A001", "A001"]  # printed in each database
    assert len(list(state.glob("printed-*.json"))) == 2


def test_a_restored_backup_prints_the_jobs_that_reuse_old_ids(
    tmp_path: Path, templates: Templates
) -> None:
    port, state = free_port(), tmp_path / "agent"
    db = tmp_path / "hallq.db"
    url = templates.sqlite(db)
    with FakePrinter() as printer:
        server = serve(url, port)
        try:
            hall = KioskHall(server)
            print_one(hall, server, printer, state, 1)  # A001, job 1
            before = installation(server)
        finally:
            server.stop()
        backup = tmp_path / "backup.db"
        with sqlite3.connect(db) as source, sqlite3.connect(backup) as copy:
            source.backup(copy)
        server = serve(url, port)
        try:
            print_one(hall, server, printer, state, 2)  # A002, job 2
        finally:
            server.stop()
        for leftover in tmp_path.glob("hallq.db*"):
            leftover.unlink()
        backup.rename(db)  # restored: jobs after the backup never happened
        server = serve(url, port)
        try:
            assert installation(server) == before  # a copy of the same database
            print_one(hall, server, printer, state, 2)  # another A002, job 2 again
            assert [j["state"] for j in hall.jobs()] == ["printed", "printed"]
        finally:
            server.stop()
    assert numbers(printer.tickets()) == ["A001", "A002", "A002"]
