"""Webhook use cases: create, list, change, delete, the delivery log, a test message — and the
outbox: a delivery row for every matching webhook, written in the event's own transaction.

Who may: an admin any webhook; a manager the webhooks of the halls they manage and of the
regions they manage (a region below theirs included; a hall's manager none of a region's). A
webhook with neither `branch_id` nor `region_id` receives every hall's events and is an admin's.
A webhook only ever receives the events of its own hall, or of the halls of its region's subtree
at the time of the event (`write_outbox` matches on the event's branch)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server import protocol as p
from server.core import repository as core_repo
from server.core import tree
from server.core.context import Ctx, Principal
from server.core.errors import Forbidden, NotFound, ValidationFailed
from server.core.events import before_numbering, event_types, on_stored
from server.core.installation import current as installation_id
from server.core.models import Branch, Region
from server.core.trail import changes
from server.core.unit_of_work import UnitOfWork
from server.core.writer import after_commit
from server.webhooks import domain, wake
from server.webhooks import repository as repo
from server.webhooks.models import Webhook, WebhookDelivery
from server.webhooks.sealing import Sealer, Unsealable

MANAGERS = ("admin", "manager")
SUBSCRIPTIONS = "webhooks.subscriptions"
_sealers: dict[str, Sealer] = {}


def sealer(ctx: Ctx, session: Session) -> Sealer:
    """The sealer of this installation's webhook secrets (HALLQ_SECRET_KEY, else derived from
    the installation id)."""
    master = ctx.settings.secret_key or f"installation:{installation_id(session) or ''}"
    found = _sealers.get(master)
    if found is None:
        found = _sealers[master] = Sealer(master)
    return found


def _subscriptions(uow: UnitOfWork) -> list[repo.Subscription]:
    """The active webhooks, read once per transaction."""
    session = uow.session
    return core_repo.memo(session, SUBSCRIPTIONS, lambda: repo.subscriptions(session))


@before_numbering
def _read_subscriptions(uow: UnitOfWork) -> None:
    """Read them before the events take their seqs (server/core/events.py)."""
    _subscriptions(uow)


@on_stored
def write_outbox(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """One delivery per (event, webhook of its hall or of every hall, subscribed to its type)."""
    session = uow.session
    subs = _subscriptions(uow)
    if not subs:
        return
    out = [
        {
            "webhook_id": sub.id,
            "branch_id": row["branch_id"],
            "seq": row["seq"],
            "event_type": row["type"],
            "data": None,
            "created_at": uow.now,
            "attempts": 0,
            "last_status": None,
            "last_error": None,
            "delivered_at": None,
            "next_attempt_at": uow.now,
        }
        for row in rows
        for sub in subs
        if row["type"] in sub.events and sub.covers(row["branch_id"])
    ]
    if out:
        repo.insert_deliveries(session, out)
        after_commit(session, wake.all_dispatchers)


def _changed(uow: UnitOfWork) -> None:
    core_repo.forget(uow.session, SUBSCRIPTIONS)


def wire(hook: Webhook, secret: str | None = None) -> p.Webhook:
    return p.Webhook(id=hook.id, url=hook.url, events=list(hook.events), branch_id=hook.branch_id,
                     region_id=hook.region_id, format=hook.format, active=hook.active,
                     created_at=hook.created_at, secret=secret)  # fmt: skip


def delivery_wire(d: WebhookDelivery) -> p.WebhookDelivery:
    return p.WebhookDelivery(id=d.id, event_type=d.event_type, attempts=d.attempts,
                             last_status=d.last_status, delivered_at=d.delivered_at,
                             next_attempt_at=d.next_attempt_at, seq=d.seq,
                             created_at=d.created_at, last_error=d.last_error)  # fmt: skip


def _check_events(events: list[str]) -> list[str]:
    known = event_types()
    unknown = sorted({e for e in events if e not in known})
    if unknown:
        raise ValidationFailed(f"unknown event types: {', '.join(unknown)}")
    return list(dict.fromkeys(events))


def _check_url(ctx: Ctx, url: str) -> str:
    try:
        return domain.check_url(url, ctx.settings.webhook_allow)
    except domain.BadTarget as e:
        raise ValidationFailed(f"url: {e}") from None


def _may_manage(principal: Principal, branch_id: int | None, region_id: int | None) -> None:
    principal.require(MANAGERS, "managing webhooks")
    if region_id is not None:
        principal.require_region(region_id)
    elif branch_id is not None:
        principal.require_branch(branch_id)
    elif not principal.is_admin:
        raise Forbidden("only an admin manages a webhook of every hall; give branch_id")


def _webhook(ctx: Ctx, session: Session, webhook_id: int) -> Webhook:
    ctx.principal.require(MANAGERS, "managing webhooks")
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound(f"webhook {webhook_id} does not exist")
    _may_manage(ctx.principal, hook.branch_id, hook.region_id)
    return hook


def create(ctx: Ctx, uow: UnitOfWork, body: p.WebhookCreate) -> p.Webhook:
    if body.region_id is not None and body.branch_id is not None:
        raise ValidationFailed("give branch_id or region_id, not both")
    _may_manage(ctx.principal, body.branch_id, body.region_id)
    if body.branch_id is not None and uow.session.get(Branch, body.branch_id) is None:
        raise ValidationFailed(f"branch {body.branch_id} does not exist")
    if body.region_id is not None and uow.session.get(Region, body.region_id) is None:
        raise ValidationFailed(f"region {body.region_id} does not exist")
    url = _check_url(ctx, body.url)
    events = _check_events(body.events)
    secret = body.secret
    if secret is None and body.format == "json":
        secret = "whsec_" + secrets.token_urlsafe(24)
    hook = Webhook(branch_id=body.branch_id, region_id=body.region_id, url=url,
                   format=body.format, events=events, active=True,
                   secret_sealed=sealer(ctx, uow.session).seal(secret or ""),
                   created_by=ctx.principal.user_id, created_at=uow.now)  # fmt: skip
    uow.session.add(hook)
    uow.session.flush()
    _changed(uow)
    uow.audit("webhook.created", f"webhook:{hook.id}", {"new": _audited(hook)},
              branch_id=hook.branch_id)  # fmt: skip
    return wire(hook, secret)


def _audited(hook: Webhook) -> dict[str, Any]:
    """What the audit trail records of a webhook: never its secret."""
    return wire(hook).model_dump(mode="json", exclude={"secret", "created_at"})


def list_webhooks(ctx: Ctx) -> list[p.Webhook]:
    ctx.principal.require(MANAGERS, "listing webhooks")
    with ctx.db.read() as session:
        principal = ctx.principal
        found = repo.webhooks(session, principal.visible_branches(), sorted(principal.region_ids))
        return [wire(h) for h in found]


def patch(ctx: Ctx, uow: UnitOfWork, webhook_id: int, body: p.WebhookPatch) -> p.Webhook:
    hook = _webhook(ctx, uow.session, webhook_id)
    before = _audited(hook)
    if body.url is not None:
        hook.url = _check_url(ctx, body.url)
    if body.events is not None:
        hook.events = _check_events(body.events)
    if body.secret is not None:
        hook.secret_sealed = sealer(ctx, uow.session).seal(body.secret)
    if body.format is not None:
        if body.format == "json" and not _has_secret(ctx, uow, hook):
            raise ValidationFailed("a json webhook needs a secret: give one")
        hook.format = body.format
    if body.active is not None:
        if hook.active and not body.active:
            repo.give_up(uow.session, hook.id, "the webhook was switched off")
        hook.active = body.active
    uow.session.flush()
    _changed(uow)
    data = changes(before, _audited(hook))
    if body.secret is not None:
        data["secret_changed"] = True  # the fact, never the value
    uow.audit("webhook.updated", f"webhook:{hook.id}", data, branch_id=hook.branch_id)
    return wire(hook)


def _has_secret(ctx: Ctx, uow: UnitOfWork, hook: Webhook) -> bool:
    try:
        return bool(sealer(ctx, uow.session).open(hook.secret_sealed))
    except Unsealable:
        return False


def delete(ctx: Ctx, uow: UnitOfWork, webhook_id: int) -> p.Webhook:
    hook = _webhook(ctx, uow.session, webhook_id)
    shown = wire(hook)
    uow.audit("webhook.deleted", f"webhook:{hook.id}", {"old": _audited(hook)},
              branch_id=hook.branch_id)  # fmt: skip
    repo.delete_deliveries(uow.session, hook.id)
    uow.session.delete(hook)
    uow.session.flush()
    _changed(uow)
    return shown


def deliveries(ctx: Ctx, webhook_id: int, limit: int, offset: int) -> list[p.WebhookDelivery]:
    with ctx.db.read() as session:
        hook = _webhook(ctx, session, webhook_id)
        return [delivery_wire(d) for d in repo.deliveries(session, hook.id, limit, offset)]


def send_test(ctx: Ctx, uow: UnitOfWork, webhook_id: int) -> p.WebhookDelivery:
    """A `webhook.test` message through the outbox, like any delivery (logged, retried)."""
    hook = _webhook(ctx, uow.session, webhook_id)
    if hook.region_id is not None:  # sent as from the region's first hall, in its language
        halls = tree.branches_in(uow.session, tree.load(uow.session).subtree([hook.region_id]))
        branch_id = halls[0] if halls else None
    else:
        branch_id = hook.branch_id or uow.session.scalar(select(func.min(Branch.id)))
    if branch_id is None:
        raise ValidationFailed("there is no hall yet (in the webhook's region)")
    row = WebhookDelivery(webhook_id=hook.id, branch_id=branch_id, seq=0,
                          event_type=domain.TEST_EVENT, data={"test": True},
                          created_at=uow.now, attempts=0, next_attempt_at=uow.now)  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    after_commit(uow.session, wake.all_dispatchers)
    return delivery_wire(row)
