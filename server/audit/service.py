"""Use cases of the trail: read it (manager), verify it (admin), purge what is past its
retention, and the head to anchor outside the database."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import protocol as p
from server.audit import repository as repo
from server.audit import views
from server.audit.domain import PURGED, Head, Stored, Verdict, verify
from server.audit.models import AuditRecord
from server.audit.sealer import settle
from server.core.context import Ctx
from server.core.errors import ValidationFailed
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.stats import service as stats

log = logging.getLogger(__name__)
PURGE_BATCH = 50_000
"""At most this many records per purge: one write job stays short (SQLite's one writer)."""


@dataclass(frozen=True)
class Query:
    branch_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    kind: str | None = None
    actor: str | None = None
    subject: str | None = None
    user_id: int | None = None
    ticket_id: int | None = None


def entries(ctx: Ctx, q: Query, *, limit: int = 1000, offset: int = 0) -> list[p.AuditEntry]:
    """The records the caller may see (managers: their halls'; admins without a hall: all,
    the installation's own too), newest first, with names to read them by."""
    if q.ticket_id is not None and q.subject is not None:
        raise ValidationFailed("give ticket_id or subject, not both")
    settle(ctx)
    with ctx.db.read() as s:
        selection = stats.Selection(q.branch_id, None, q.date_from, q.date_to)
        dated = q.date_from is not None or q.date_to is not None
        scope = stats.resolve(ctx, s, selection)
        since, until = scope.utc_window() if dated and scope.branches else (None, None)
        everything = ctx.principal.is_admin and q.branch_id is None
        subject = f"ticket:{q.ticket_id}" if q.ticket_id is not None else q.subject
        found = repo.records(
            s, repo.Filter(None if everything else scope.branch_ids, since, until, q.kind,
                           q.actor, subject, q.user_id), limit, offset,
        )  # fmt: skip
        return views.present(s, scope, found)


def check(session: Session) -> Verdict:
    """Verify the whole stored chain against its head."""
    head = repo.head(session)
    verdict = verify(repo.chain(session, head.last_id), head)
    if verdict.ok:
        after = session.scalar(
            select(AuditRecord.id).where(AuditRecord.id > head.last_id).order_by(AuditRecord.id)
        )
        if after is not None and repo.head(session).last_id == head.last_id:
            return Verdict(False, verdict.records, head.last_hash,
                           {"id": after, "reason": "after_head"})  # fmt: skip
    return verdict


def settled(ctx: Ctx) -> None:
    """`settle` before a verify: a chain that cannot take the pending events (a record forged
    after its head holds the next id) is still verified, and named there."""
    try:
        settle(ctx)
    except Exception:
        log.exception("the stored events could not be chained before the verify")


def verify_chain(ctx: Ctx) -> p.AuditVerify:
    ctx.principal.require(("admin",), "verifying the audit trail")
    settled(ctx)
    with ctx.db.read() as session:
        verdict = check(session)
    return p.AuditVerify(
        ok=verdict.ok, records=verdict.records, head=verdict.head, first_bad=verdict.first_bad
    )


def head_of(ctx: Ctx) -> Head:
    settle(ctx)
    with ctx.db.read() as session:
        return repo.head(session)


def day_head(session: Session, until: datetime) -> tuple[int, str] | None:
    """(id, hash) of the last record before `until`: what a day's report prints."""
    found = repo.last_before(session, until, 2**62)
    return None if found is None else (found.id, found.hash)


def purge(ctx: Ctx, years: int) -> int:
    """Delete the records older than `years` years; the chain then starts at the record it
    cut at, and a record `audit.purged` carrying that record's id and hash is appended, so
    `verify` still proves the rest. Returns how many records went (at most PURGE_BATCH: the
    hourly housekeeping takes the rest in later runs)."""

    def run(uow: UnitOfWork) -> int:
        before = uow.now - timedelta(days=365 * years + years // 4)
        head = repo.lock_head(uow.session)
        up_to = min(head.last_id, head.base_id + PURGE_BATCH)
        last: Stored | None = repo.last_before(uow.session, before, up_to)
        if last is None or last.id <= head.base_id:
            return 0
        gone = repo.cut(uow.session, last)
        uow.audit(PURGED, "audit", {"cut_id": last.id, "cut_hash": last.hash, "records": gone,
                                    "before": before.isoformat(), "years": years},
                  as_="system")  # fmt: skip
        return gone

    return write(ctx, run)


def anchor_text(head: Head, at: datetime) -> str:
    """One line to keep outside the database (a file, a mail, a webhook)."""
    return json.dumps(
        {"ts": at.isoformat(), "records_to": head.last_id, "head": head.last_hash},
        separators=(",", ":"),
    )
