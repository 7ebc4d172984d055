"""The end-of-day close-out: tickets left `waiting`, `called` or `parked` when their business
day has ended become `cancelled` with the outcome `day_closed` (event `ticket.cancelled`).

A business day ends when the hall's calendar date changes (midnight in its timezone), not at
closing time: customers who took a ticket before the cut-off are still served after closing,
and a clerk may finish the queue late. A ticket `serving` at a counter is left alone (someone
is with the customer; the clerk completes it).

One process of an installation does it (the lease `day_close`, as the alerts' evaluator holds
its own), every EVERY_S and at start-up, so days missed while the server was down are closed
on the first round. Each hall is closed out in its own transaction under the branch's lock,
re-reading every ticket: a ticket called or completed meanwhile is left as it now is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.core.context import Ctx
from server.core.lease import holder_id, release_lease, take_lease
from server.core.periodic import Periodic
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.views import schedule
from server.tickets.models import Ticket as TicketRow
from server.tickets.store import Tickets

log = logging.getLogger(__name__)
LEASE = "day_close"
LEASE_S = 300.0  # a stopped holder's lease is taken over after this
EVERY_S = 60.0
LEFTOVER = ("waiting", "called", "parked")
BATCH = 500  # tickets per transaction: a long-forgotten backlog does not hold the writer


def leftovers(session: Session, now: datetime) -> dict[int, list[int]]:
    """Per branch, the ids of tickets left over from business days that have ended."""
    found: dict[int, list[int]] = {}
    for branch in halls_repo.branches(session, None):
        today = schedule(branch).business_date(now)
        ids = session.scalars(
            select(TicketRow.id)
            .where(
                TicketRow.branch_id == branch.id,
                TicketRow.state.in_(LEFTOVER),
                TicketRow.business_date < today,
            )
            .order_by(TicketRow.id)
        ).all()
        if ids:
            found[branch.id] = list(ids)
    return found


def close_tickets(uow: UnitOfWork, branch_id: int, ticket_ids: list[int]) -> int:
    """Close out those of `ticket_ids` still left over (the branch locked); how many."""
    branch = uow.lock_branch(branch_id)
    today = schedule(branch).business_date(uow.now)
    tickets = uow.repo(Tickets)
    closed = 0
    for ticket_id in ticket_ids:
        row = uow.session.get(TicketRow, ticket_id)
        if row is None:
            continue
        uow.reread(row)
        if row.branch_id != branch_id or row.state not in LEFTOVER or row.business_date >= today:
            continue
        ticket = tickets.track(row)
        ticket.close_day(uow.now)
        tickets.save(ticket)
        closed += 1
    return closed


def close_ended_days(ctx: Ctx) -> int:
    """Close out every hall's tickets of ended business days; how many."""
    with ctx.db.read() as session:
        found = leftovers(session, ctx.clock())
    closed = 0
    for branch_id, ids in found.items():
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            closed += write(ctx, partial(close_tickets, branch_id=branch_id, ticket_ids=batch))
    if closed:
        log.info("end of day: %d leftover tickets closed out", closed)
    return closed


class CloseOut:
    """The server's task: while this process holds the lease, close out ended days at start
    (days missed while down) and every `every_s`. `stop` lets a round under way finish and
    gives the lease up."""

    def __init__(self, ctx: Callable[[], Ctx], every_s: float = EVERY_S) -> None:
        self._ctx = ctx
        self.holder = holder_id()
        self._task = Periodic(ctx, self._round, every_s, "the end-of-day close-out", at_start=True)

    def round(self) -> int | None:
        """One round: None when another process holds the lease."""
        return self._round(self._ctx())

    def _round(self, ctx: Ctx) -> int | None:
        try:
            leader = write(ctx, partial(take_lease, holder=self.holder, ttl_s=LEASE_S, name=LEASE))
        except IntegrityError:  # another process created the lease row first
            return None
        return close_ended_days(ctx) if leader else None

    async def stop(self) -> None:
        await self._task.stop()
        try:
            await asyncio.to_thread(
                write, self._ctx(), partial(release_lease, holder=self.holder, name=LEASE)
            )
        except Exception:
            log.exception("giving up the close-out lease failed")
