"""The counters' changes that time at the counter is computed from (server/stats/counter_time)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from server.core.models import TicketEvent
from server.halls.events import CounterUpdated
from server.stats import repository as repo_stats
from server.stats.counter_time import CounterChange
from server.stats.repository import ms_between

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def counter_changes(
    session: Session, branch_id: int, since: datetime, until: datetime
) -> list[CounterChange]:
    """The hall's `counter.updated` changes in [since, until), by counter, then by time; each
    change's time in whole milliseconds since EPOCH (no date-time object per row; always from
    the same instant, so that a time rounds the same way whatever range is asked)."""
    data = TicketEvent.data
    query = (
        select(
            TicketEvent.counter_id,
            ms_between(TicketEvent.ts, literal(EPOCH, TicketEvent.ts.type)),
            data["state"].as_string(),
            data["clerk_id"].as_integer(),
            data["ticket_id"].as_integer(),
        )
        .where(
            TicketEvent.branch_id == branch_id,
            TicketEvent.type == CounterUpdated.type,
            TicketEvent.ts >= since,
            TicketEvent.ts < until,
            TicketEvent.counter_id.is_not(None),
        )
        .order_by(TicketEvent.counter_id, TicketEvent.ts, TicketEvent.seq)
    )
    return [CounterChange(*row) for row in repo_stats.rows(session, query)]
