"""Seqs are taken at the commit, and issuing takes no queue lock (PostgreSQL).

Transactions are held open by hand at chosen points, two at a time: an issue goes through
while a call-next of the same hall has not committed, and a transaction that took its seqs
keeps the next one waiting until it commits, so seq order stays commit order
(docs/decisions.md, "A per-branch sequence taken at the commit").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from server import protocol as p
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.settings import Settings
from server.counters import service as counters
from server.tickets import service as tickets
from tests.conftest import Api
from tests.support import Clock, wait_until

pytestmark = pytest.mark.integration
JOIN_S = 60.0


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def ctx(settings: Settings, clock: Clock) -> Iterator[Ctx]:
    """On the `api`'s clock: with the real one, from 16:00 UTC the hall's business day is the
    next, and the ticket the `api` issued today is not in that day's queue."""
    import server.app  # noqa: F401  (every domain's serializers, handlers and sinks)

    db = Database(settings.database_url)
    try:
        yield Ctx(db, settings, clock, None,
                  Principal(kind="admin", user_id=1, username="admin"))  # fmt: skip
    finally:
        db.dispose()


class Open:
    """One use case run in a transaction that stays open until `commit()`."""

    def __init__(self, ctx: Ctx, action: Callable[[Any], Any], *, numbered: bool) -> None:
        self.session: Session = ctx.db._write_sessions()
        self.session.begin()
        self.uow = ctx.uow(self.session)
        self.result = action(self.uow)
        if numbered:
            self.uow.commit()  # its events take their seqs: the branch row is locked now

    def commit(self) -> None:
        self.uow.commit()  # nothing left to number when it was `numbered`
        self.session.commit()
        self.session.close()


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # handed to the test
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def issue(ctx: Ctx, service_id: int) -> Callable[[], p.Ticket]:
    def run() -> p.Ticket:
        tx = Open(ctx, lambda uow: tickets.issue(ctx, uow, p.TicketCreate(service_id=service_id)),
                  numbered=False)  # fmt: skip
        tx.commit()
        result: p.Ticket = tx.result
        return result

    return run


def seqs_of(ctx: Ctx, ticket_id: int) -> list[int]:
    with ctx.db.read() as session:
        found = session.execute(
            text("SELECT seq FROM ticket_event WHERE ticket_id = :t ORDER BY seq"),
            {"t": ticket_id},
        )
        return [int(s) for (s,) in found]


def all_seqs(ctx: Ctx) -> list[int]:
    with ctx.db.read() as session:
        return [int(s) for (s,) in session.execute(
            text("SELECT seq FROM ticket_event WHERE branch_id = 1 ORDER BY seq"))]  # fmt: skip


def wait_for_lock(ctx: Ctx, statement: str) -> None:
    """Until some connection waits for a lock on `statement` (its text's start)."""

    def waiting() -> int:
        with ctx.db.read() as session:
            return int(session.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                     "AND query LIKE :q"), {"q": statement + "%"},
            ).scalar_one())  # fmt: skip

    wait_until(waiting, JOIN_S, f"a lock wait on {statement!r}")


def test_an_issue_commits_while_a_call_of_the_hall_is_open(api: Api, ctx: Ctx) -> None:
    a, b = api.service("A"), api.service("B")
    counter = api.counter(1, [a["id"]])
    api.act(counter["id"], "open")
    waiting = api.issue(a["id"])
    request = p.CallNextRequest()
    call = Open(ctx, lambda uow: counters.call_next(ctx, uow, counter["id"], request),
                numbered=False)  # fmt: skip
    assert call.result.ticket.id == waiting["id"]  # the call holds the hall's queue lock
    thread, out = in_thread(issue(ctx, b["id"]))
    thread.join(JOIN_S)  # a deadlock guard, not a measurement
    assert not thread.is_alive(), "the issue waited for the open call"
    (issued,) = out
    assert isinstance(issued, p.Ticket) and issued.number == "B001"
    call.commit()
    # the issue committed first, so its seq comes first; the call's follow, none missing
    assert seqs_of(ctx, issued.id)[0] < seqs_of(ctx, waiting["id"])[-1]
    seqs = all_seqs(ctx)
    assert seqs == list(range(1, len(seqs) + 1))


def test_seqs_taken_first_commit_first(api: Api, ctx: Ctx) -> None:
    a, b = api.service("A"), api.service("B")
    first = Open(ctx, lambda uow: tickets.issue(ctx, uow, p.TicketCreate(service_id=a["id"])),
                 numbered=True)  # fmt: skip
    # another service's issue takes its own number, then waits for the branch row at its commit
    thread, out = in_thread(issue(ctx, b["id"]))
    wait_for_lock(ctx, "UPDATE branch SET last_seq")
    assert not out
    first.commit()
    thread.join(JOIN_S)
    assert not thread.is_alive()
    (second,) = out
    assert isinstance(second, p.Ticket)
    assert seqs_of(ctx, second.id) == [seqs_of(ctx, first.result.id)[-1] + 1]
    seqs = all_seqs(ctx)
    assert seqs == list(range(1, len(seqs) + 1))


def test_one_service_takes_turns_at_its_numbering_row(api: Api, ctx: Ctx) -> None:
    a = api.service("A")
    api.issue(a["id"])  # the day's numbering row exists (the first is an upsert)
    first = Open(ctx, lambda uow: tickets.issue(ctx, uow, p.TicketCreate(service_id=a["id"])),
                 numbered=False)  # fmt: skip
    thread, out = in_thread(issue(ctx, a["id"]))
    wait_for_lock(ctx, "UPDATE service_day SET issued")
    first.commit()
    thread.join(JOIN_S)
    (second,) = out
    assert isinstance(second, p.Ticket)
    assert (first.result.number, second.number) == ("A002", "A003")
    assert (first.result.position, second.position) == (1, 2)
