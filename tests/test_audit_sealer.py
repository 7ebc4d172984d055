"""The events' way into the audit chain (server/audit/sealer.py): on SQLite after their commit,
in batches, before any reading of the trail and every second in the server; on PostgreSQL in
their own transaction. Either way the chain holds every event once, verifies, and says who
acted; a crash between a commit and its seal loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from server import protocol as p
from server.app import create_app
from server.audit import repository as repo
from server.audit import sealer, trail
from server.audit import service as audit
from server.audit.models import AuditHead, AuditRecord
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.models import TicketEvent
from server.core.run import write
from server.core.settings import Settings
from server.halls import service as halls
from server.tickets import service as tickets
from tests.conftest import Api
from tests.support import Clock, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


@pytest.fixture
def ctx(settings: Settings, clock: Clock) -> Iterator[Ctx]:
    context = Ctx(Database(settings.database_url), settings, clock, None,
                  Principal(kind="admin", user_id=1, username="admin"))  # fmt: skip
    yield context
    context.db.dispose()


def issue(ctx: Ctx, n: int) -> list[int]:
    """`n` tickets through the use case, as a request would, with no server (no sealer)."""
    body = p.ServiceCreate(branch_id=1, code="a", prefix="A", name={"en": "A"})
    service = write(ctx, lambda uow: halls.create_service(ctx, uow, body))
    made = p.TicketCreate(service_id=service.id)
    return [write(ctx, lambda uow: tickets.issue(ctx, uow, made)).id for _ in range(n)]


def chained_events(ctx: Ctx) -> list[dict[str, Any]]:
    """The event records in the chain, read straight from the table (no settle)."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(AuditRecord.kind, AuditRecord.subject, AuditRecord.actor,
                   AuditRecord.actor_name, AuditRecord.data)
            .where(AuditRecord.subject.like("ticket:%"))
            .order_by(AuditRecord.id)
        ).all()  # fmt: skip
    return [dict(r._mapping) for r in rows]


def stored_events(ctx: Ctx) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(TicketEvent)) or 0)


def test_each_event_is_chained_once_with_who_acted(ctx: Ctx) -> None:
    ids = issue(ctx, 3)
    if ctx.db.is_sqlite:
        assert chained_events(ctx) == []  # not in the issue's transaction
        assert sealer.settle(ctx) == stored_events(ctx)
    else:
        assert sealer.settle(ctx) == 0  # PostgreSQL chained them as they were committed
    records = chained_events(ctx)
    assert [(r["kind"], r["subject"]) for r in records] == [
        ("ticket.issued", f"ticket:{i}") for i in ids
    ]
    assert {(r["actor"], r["actor_name"]) for r in records} == {("user", "admin")}
    assert '"number":"A001"' in records[0]["data"] and '"seq":' in records[0]["data"]
    assert sealer.settle(ctx) == 0  # nothing twice
    with ctx.db.read() as session:
        verdict = audit.check(session)
        assert verdict.ok, verdict.first_bad
        if ctx.db.is_sqlite:
            head = session.execute(select(AuditHead.sealed_event_id)).scalar_one()
            assert head == session.scalar(select(func.max(TicketEvent.id)))


def test_a_long_backlog_is_sealed_in_batches(
    ctx: Ctx, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setattr(trail, "SEAL_BATCH", 4)
    jobs: list[int] = []
    seal = trail.seal

    def counted(session: Any, limit: int | None = None) -> int:
        jobs.append(1)
        return seal(session, limit)

    monkeypatch.setattr(trail, "seal", counted)
    issue(ctx, 9)
    pending = stored_events(ctx) if backend == "sqlite" else 0  # PostgreSQL: none pending
    assert sealer.settle(ctx) == pending
    assert len(jobs) == -(-pending // 4)  # writer jobs of at most SEAL_BATCH events
    assert len(chained_events(ctx)) == 9
    with ctx.db.read() as session:
        assert audit.check(session).ok


def test_events_committed_before_a_crash_are_chained_when_the_server_starts(
    settings: Settings, clock: Clock, ctx: Ctx
) -> None:
    ids = issue(ctx, 2)  # committed; this process "dies" before any seal
    with TestClient(create_app(settings, clock=clock)):
        # the server's sealer, at its start (not a reader's settle)
        wait_until(lambda: len(chained_events(ctx)) == 2, 10, "the sealer at the server's start")
    assert [r["subject"] for r in chained_events(ctx)] == [f"ticket:{i}" for i in ids]


def test_the_trail_read_through_the_api_holds_the_last_event(api: Api) -> None:
    """The reader settles first: a record is listed as soon as its change is answered."""
    service = api.service("A")
    ticket = api.issue(service["id"])
    found = api.get("/api/v1/audit", subject=f"ticket:{ticket['id']}")
    assert [r["kind"] for r in found] == ["ticket.issued"]
    assert api.get("/api/v1/audit/verify")["ok"] is True


def test_a_record_forged_after_the_head_is_named_by_verify_even_with_events_pending(
    api: Api, settings: Settings, backend: str
) -> None:
    """A forged record that takes the next id blocks the seal (the id is taken): verify still
    answers, and names it."""
    service = api.service("A")
    db = Database(settings.database_url)
    try:
        with db.read() as session:
            head = repo.head(session)
        forged = head.last_id + 1000 if backend != "sqlite" else head.last_id + 1
        with db.writer.begin() as connection:
            connection.execute(
                text("INSERT INTO audit_record (id, ts, kind, actor, subject, data, hash) VALUES "
                     "(:i, '2026-12-07 08:00:00', 'x', 'system', 's', '{}', :h)"),
                {"i": forged, "h": "0" * 64},
            )  # fmt: skip
    finally:
        db.dispose()
    api.issue(service["id"])  # an event to seal, whose record would take the forged id
    verdict = api.get("/api/v1/audit/verify")
    assert verdict["ok"] is False
    assert verdict["first_bad"]["reason"] == "after_head"
