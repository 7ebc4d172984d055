"""The events' way into the audit chain (server/audit/sealer.py): after their commit, in
batches, before any reading of the trail and every second in the server. The chain holds every
event once, verifies, and says who acted; a crash between a commit and its seal loses nothing;
on PostgreSQL, an event committed after a later id was sealed is sealed too."""

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
from server.audit.models import AuditHead, AuditRecord, AuditSealed
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.models import Branch, TicketEvent
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
    assert chained_events(ctx) == []  # not in the issue's transaction
    assert sealer.settle(ctx) == stored_events(ctx)
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
        else:
            marks = session.execute(select(AuditSealed.branch_id, AuditSealed.seq)).all()
            assert marks == [(1, session.scalar(select(Branch.last_seq).where(Branch.id == 1)))]


def test_a_long_backlog_is_sealed_in_batches(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trail, "SEAL_BATCH", 4)
    jobs: list[int] = []
    seal = trail.seal

    def counted(session: Any, limit: int | None = None, *, wait: bool = True) -> int:
        jobs.append(1)
        return seal(session, limit, wait=wait)

    monkeypatch.setattr(trail, "seal", counted)
    issue(ctx, 9)
    pending = stored_events(ctx)
    assert sealer.settle(ctx) == pending
    assert len(jobs) == -(-pending // 4)  # writer jobs of at most SEAL_BATCH events
    assert len(chained_events(ctx)) == 9
    with ctx.db.read() as session:
        assert audit.check(session).ok


@pytest.mark.parametrize("backend", ["postgres"])
def test_an_event_committed_after_a_later_id_was_sealed_is_sealed_by_the_next_seal(
    ctx: Ctx,
) -> None:
    """PostgreSQL's ids are not in commit order: hall 1's event takes an id, hall 2's a later
    one and commits first, and a seal runs between the two commits (an id watermark, as on
    SQLite, would pass hall 1's event by for good)."""
    other = write(ctx, lambda uow: halls.create_branch(ctx, uow, p.BranchCreate(name="Two")))
    sealer.settle(ctx)  # what making the hall stored

    def begin(branch_id: int) -> tuple[Any, int]:
        """A transaction that numbered and stored an event of the hall, not committed."""
        connection = ctx.db.writer.connect()
        transaction = connection.begin()
        seq = connection.execute(
            text("UPDATE branch SET last_seq = last_seq + 1 WHERE id = :b RETURNING last_seq"),
            {"b": branch_id},
        ).scalar_one()
        event_id = connection.execute(
            text("INSERT INTO ticket_event (branch_id, seq, type, ts, data) VALUES "
                 "(:b, :s, 'counter.paused', now(), '{}') RETURNING id"),
            {"b": branch_id, "s": seq},
        ).scalar_one()  # fmt: skip
        return (connection, transaction), int(event_id)

    (first, first_tx), first_id = begin(1)
    (second, second_tx), second_id = begin(other.id)
    assert second_id > first_id
    second_tx.commit()
    assert sealer.settle(ctx) == 1  # hall 2's; hall 1's is not committed yet
    first_tx.commit()
    assert sealer.settle(ctx) == 1  # hall 1's, after hall 2's later id
    assert sealer.settle(ctx) == 0
    (third, third_tx), _ = begin(1)
    third_tx.commit()
    (holder, holder_tx), _ = begin(other.id)
    holder.execute(text("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE"))  # another's seal
    assert sealer.settle(ctx, wait=False) == 0  # the server's round leaves it to that one
    holder_tx.commit()
    assert sealer.settle(ctx, wait=False) == 2
    for connection in (first, second, third, holder):
        connection.close()
    with ctx.db.read() as session:
        subjects = session.scalars(
            select(AuditRecord.subject).order_by(AuditRecord.id.desc()).limit(4)
        ).all()
        assert subjects[2:] == ["branch:1", f"branch:{other.id}"]  # newest first
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
    api: Api, settings: Settings
) -> None:
    """A forged record that takes the next id blocks the seal (the id is taken): verify still
    answers, and names it."""
    service = api.service("A")
    db = Database(settings.database_url)
    try:
        with db.read() as session:
            head = repo.head(session)
        forged = head.last_id + 1
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
