"""Alerts for managers: the list (active or history, filtered), acknowledging one, the export."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from server import protocol as p
from server.alerts.events import AlertAcknowledged
from server.alerts.models import Alert
from server.alerts.views import alert_wire
from server.auth import repository as auth_repo
from server.core import repository as core_repo
from server.core import tree
from server.core.context import Ctx
from server.core.errors import Conflict, NotFound, ValidationFailed
from server.core.models import Branch
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo

ALERT_ROLES = ("admin", "manager")


@dataclass(frozen=True)
class Filter:
    branch_id: int | None = None
    active: bool | None = None
    kind: str | None = None
    date_from: date | None = None  # raised on or after this date (the hall's time zone)
    date_to: date | None = None  # … and on or before this one
    region_id: int | None = None  # the region's whole subtree (instead of `branch_id`)


def _branches(ctx: Ctx, session: Session, selected: Filter) -> list[Branch]:
    """The halls of the selection: one hall, a region's subtree (its managers and those of
    the regions above it; 403 for others, hall managers included) or every visible hall."""
    ctx.principal.require(ALERT_ROLES, "alerts")
    branch_id, region_id = selected.branch_id, selected.region_id
    if branch_id is not None and region_id is not None:
        raise ValidationFailed("give branch_id or region_id, not both")
    if region_id is not None:
        return list(halls_repo.branches(session, tree.region_branches(session, ctx.principal,
                                                                      region_id)))  # fmt: skip
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
        return [core_repo.get_or_404(session, Branch, branch_id, "branch")]
    return list(halls_repo.branches(session, ctx.principal.visible_branches()))


def _in_dates(zone_name: str, ids: list[int], first: date | None,
              last: date | None) -> ColumnElement[bool]:  # fmt: skip
    """Alerts of these halls (all in one time zone) raised within the dates."""
    zone = ZoneInfo(zone_name)
    clauses: list[ColumnElement[bool]] = [Alert.branch_id.in_(ids)]
    if first is not None:
        clauses.append(Alert.raised_at >= datetime.combine(first, time(), zone))
    if last is not None:
        clauses.append(Alert.raised_at < datetime.combine(last + timedelta(days=1), time(), zone))
    return and_(*clauses)


def _query(ctx: Ctx, session: Session, selected: Filter) -> Any:
    if selected.date_from and selected.date_to and selected.date_to < selected.date_from:
        raise ValidationFailed("`to` is before `from`")
    branches = _branches(ctx, session, selected)
    zones: dict[str, list[int]] = {}
    for branch in branches:  # one clause per time zone: a region may hold hundreds of halls
        zones.setdefault(branch.timezone, []).append(branch.id)
    where = or_(*(_in_dates(zone, ids, selected.date_from, selected.date_to)
                  for zone, ids in sorted(zones.items()))) if zones else false()  # fmt: skip
    query = select(Alert).where(where)
    if selected.active is True:
        query = query.where(Alert.cleared_at.is_(None))
    elif selected.active is False:
        query = query.where(Alert.cleared_at.is_not(None))
    if selected.kind is not None:
        query = query.where(Alert.kind == selected.kind)
    return query.order_by(Alert.raised_at.desc(), Alert.id.desc())


def _names(session: Session, alerts: Sequence[Alert]) -> dict[int, str]:
    return auth_repo.usernames(session, (a.acked_by for a in alerts if a.acked_by is not None))


def alerts(ctx: Ctx, selected: Filter, *, limit: int, offset: int) -> list[p.Alert]:
    with ctx.db.read() as session:
        rows = session.scalars(_query(ctx, session, selected).limit(limit).offset(offset)).all()
        names = _names(session, rows)
        return [alert_wire(a, names.get(a.acked_by or 0)) for a in rows]


def acknowledge(ctx: Ctx, uow: UnitOfWork, alert_id: int) -> p.Alert:
    """Say that someone saw the alert and acts on it: recorded (who, when) and published as
    `alert.acknowledged` (the audit trail reads the event log)."""
    ctx.principal.require(ALERT_ROLES, "acknowledging an alert")
    alert = uow.session.get(Alert, alert_id)
    if alert is None or not ctx.principal.may_see(alert.branch_id):
        raise NotFound(f"alert {alert_id} does not exist")
    uow.lock_branch(alert.branch_id)
    uow.reread(alert)
    if alert.acked_at is not None:
        raise Conflict(f"alert {alert_id} is already acknowledged")
    alert.acked_at = uow.now
    alert.acked_by = ctx.principal.user_id
    uow.session.flush()
    uow.publish(AlertAcknowledged(alert.branch_id, alert.id))
    return alert_wire(alert, ctx.principal.username or None)


EXPORT_MAX_ROWS = 100_000


def export_rows(ctx: Ctx, session: Session, selected: Filter) -> Iterator[list[Any]]:
    """One row per alert of the selection, newest first: the history as a file."""
    query = _query(ctx, session, selected).limit(EXPORT_MAX_ROWS)
    rows = session.scalars(query).all()
    names = _names(session, rows)
    branches = {b.id: b for b in halls_repo.branches(session, sorted({a.branch_id for a in rows}))}
    for alert in rows:
        zone = ZoneInfo(branches[alert.branch_id].timezone)

        def local(at: datetime | None, zone: ZoneInfo = zone) -> datetime | None:
            return None if at is None else at.astimezone(zone).replace(tzinfo=None)

        subject = " ".join(f"{k}={v}" for k, v in sorted(alert.subject.items()))
        detail = " ".join(f"{k}={v}" for k, v in sorted(alert.detail.items()) if v is not None)
        yield [
            alert.id, branches[alert.branch_id].name, alert.kind, subject, detail,
            local(alert.raised_at), local(alert.cleared_at), local(alert.acked_at),
            names.get(alert.acked_by or 0, ""),
        ]  # fmt: skip


EXPORT_HEADER = {
    "zh-CN": ["编号", "大厅", "类型", "对象", "详情", "发生时间", "解除时间", "确认时间", "确认人"],
    "zh-TW": ["編號", "大廳", "類型", "對象", "詳情", "發生時間", "解除時間", "確認時間", "確認人"],
    "en": ["id", "hall", "kind", "subject", "detail", "raised", "cleared", "acknowledged",
           "acknowledged by"],
}  # fmt: skip
