"""Webhook queries: the subscriptions an event matches, the outbox (claim, record), the log.

Nothing here commits: the dispatcher runs these as jobs of the writer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from server.core import tree
from server.core.models import Base, Branch, TicketEvent
from server.core.prepared import Prepared
from server.webhooks.models import Webhook, WebhookDelivery

_DELIVERY = Base.metadata.tables["webhook_delivery"]
_INSERT = Prepared(insert(_DELIVERY))


@dataclass(frozen=True)
class Subscription:
    id: int
    branch_id: int | None
    events: frozenset[str]
    region_id: int | None = None
    halls: frozenset[int] = frozenset()  # a region's: the halls of its subtree now

    def covers(self, branch_id: int) -> bool:
        """Whether an event of `branch_id` is for this webhook: its hall, a hall of its
        region's subtree, or any hall when it names neither."""
        if self.region_id is not None:
            return branch_id in self.halls
        return self.branch_id is None or self.branch_id == branch_id


_HOOKS = Base.metadata.tables["webhook"]
# Run in every transaction that stores events: the driver's cursor, as the ticket path does
# (server/core/prepared.py); 88 µs through SQLAlchemy, a few µs this way.
_SUBSCRIPTIONS = Prepared(
    select(_HOOKS.c.id, _HOOKS.c.branch_id, _HOOKS.c.events, _HOOKS.c.region_id).where(
        _HOOKS.c.active == bindparam("on")
    )
)


def subscriptions(session: Session) -> list[Subscription]:
    """The active webhooks. A region's gets the halls of its subtree as they are in this
    transaction (the tree is read only when some webhook names a region)."""
    cursor = _SUBSCRIPTIONS.execute(session, {"on": True})
    rows = cursor.fetchall()
    cursor.close()
    regions = {int(r[3]) for r in rows if r[3] is not None}
    halls: dict[int, frozenset[int]] = {}
    if regions:
        regions_tree = tree.load(session)
        for region_id in regions:
            subtree = regions_tree.subtree([region_id])
            halls[region_id] = frozenset(tree.branches_in(session, subtree))
    out = []
    for id_, branch_id, events, region_id in rows:
        kinds = json.loads(events) if isinstance(events, str) else events  # SQLite: JSON text
        region = None if region_id is None else int(region_id)
        out.append(
            Subscription(
                int(id_),
                branch_id,
                frozenset(kinds or ()),
                region,
                halls.get(region, frozenset()) if region else frozenset(),
            )
        )
    return out


def insert_deliveries(session: Session, rows: list[dict[str, Any]]) -> None:
    _INSERT.execute_many(session, rows)


def webhooks(
    session: Session, branch_ids: Sequence[int] | None, region_ids: Sequence[int] = ()
) -> list[Webhook]:
    """All webhooks (`branch_ids` None), or those of these halls and of these regions."""
    query = select(Webhook).order_by(Webhook.id)
    if branch_ids is not None:
        query = query.where(
            or_(Webhook.branch_id.in_(branch_ids), Webhook.region_id.in_(list(region_ids)))
        )
    return list(session.scalars(query))


def reseal(session: Session, webhook_id: int, old: str, new: str) -> None:
    """Store a secret sealed anew, unless it was changed meanwhile."""
    session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id, Webhook.secret_sealed == old)
        .values(secret_sealed=new)
    )


def region_has_webhooks(session: Session, region_id: int) -> bool:
    found = select(Webhook.id).where(Webhook.region_id == region_id).limit(1)
    return session.scalar(found) is not None


def deliveries(session: Session, webhook_id: int, limit: int, offset: int) -> list[WebhookDelivery]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def give_up(session: Session, webhook_id: int, why: str) -> None:
    """Stop the deliveries of a webhook still to be sent (it was switched off)."""
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.next_attempt_at.is_not(None)
        )
        .values(next_attempt_at=None, last_error=why)
    )


def delete_deliveries(session: Session, webhook_id: int) -> None:
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))


def any_due(session: Session, now: datetime, skip_webhooks: Sequence[int] = ()) -> bool:
    """Whether a delivery is due, not counting those of `skip_webhooks`."""
    due = WebhookDelivery.next_attempt_at
    query = select(WebhookDelivery.id).where(due <= now)
    if skip_webhooks:
        query = query.where(WebhookDelivery.webhook_id.not_in(skip_webhooks))
    return session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class Claimed:
    id: int
    webhook_id: int
    url: str
    format: str
    secret_sealed: str
    branch_id: int
    seq: int
    type: str
    created_at: datetime
    attempts: int
    ts: datetime | None
    data: dict[str, Any]
    locale: str
    hall: str


def claim(
    session: Session,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    skip_webhooks: Sequence[int],
    lock: bool,
) -> list[Claimed]:
    """Take up to `limit` due deliveries (oldest due first), not of `skip_webhooks`, and move
    their next attempt past `lease`: another dispatcher leaves them alone meanwhile, and if this
    one dies they are due again when the lease ends. `lock`: PostgreSQL's FOR UPDATE SKIP
    LOCKED, so that dispatchers of several processes never take the same row."""
    due = WebhookDelivery.next_attempt_at
    query = select(WebhookDelivery.id).where(due <= now).order_by(due).limit(limit)
    if skip_webhooks:
        query = query.where(WebhookDelivery.webhook_id.not_in(skip_webhooks))
    if lock:
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if not ids:
        return []
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .values(next_attempt_at=now + lease)
    )
    event = TicketEvent
    rows = session.execute(
        select(
            WebhookDelivery.id,
            WebhookDelivery.webhook_id,
            Webhook.url,
            Webhook.format,
            Webhook.secret_sealed,
            WebhookDelivery.branch_id,
            WebhookDelivery.seq,
            WebhookDelivery.event_type,
            WebhookDelivery.created_at,
            WebhookDelivery.attempts,
            WebhookDelivery.data.label("own_data"),
            event.ts,
            event.data,
            Branch.locale,
            Branch.name,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(Branch, Branch.id == WebhookDelivery.branch_id)
        .outerjoin(
            event,
            and_(event.branch_id == WebhookDelivery.branch_id, event.seq == WebhookDelivery.seq),
        )
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.id)
    ).all()
    return [
        Claimed(r.id, r.webhook_id, r.url, r.format, r.secret_sealed, r.branch_id, r.seq,
                r.event_type, r.created_at, r.attempts, r.ts,
                r.own_data if r.own_data is not None else (r.data or {}), r.locale, r.name)
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    id: int
    attempts: int
    status: int | None
    error: str | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None


_RECORD = (
    update(_DELIVERY)
    .where(_DELIVERY.c.id == bindparam("did"))
    .values(
        attempts=bindparam("n"),
        last_status=bindparam("st"),
        last_error=bindparam("err"),
        delivered_at=bindparam("at"),
        next_attempt_at=bindparam("nxt"),
    )
)


def record(session: Session, outcomes: Sequence[Outcome]) -> None:
    """Store the attempts' answers (a delivery of a webhook deleted meanwhile is gone: no-op)."""
    session.connection().execute(
        _RECORD,
        [
            {
                "did": o.id,
                "n": o.attempts,
                "st": o.status,
                "err": o.error,
                "at": o.delivered_at,
                "nxt": o.next_attempt_at,
            }
            for o in outcomes
        ],
    )


def purge(session: Session, before: datetime) -> None:
    """Forget deliveries finished (delivered or given up) before `before`."""
    session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.created_at < before
        )
    )


def backlog(session: Session) -> int:
    """Deliveries not yet delivered nor given up: due, in flight or waiting for a retry."""
    count = select(func.count()).select_from(WebhookDelivery)
    return int(session.scalar(count.where(WebhookDelivery.next_attempt_at.is_not(None))) or 0)
