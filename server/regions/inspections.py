"""Inspections (巡视): a region's manager visits a hall and records a checklist score, the
findings and the follow-up actions; the board flags halls not inspected within the region's
`inspection_days` (7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server import protocol as p
from server.core import tree
from server.core.context import Ctx
from server.core.errors import Forbidden, NotFound, ValidationFailed
from server.core.models import Branch, Region
from server.core.unit_of_work import UnitOfWork
from server.regions.models import Inspection
from server.stats.figures import today_at

MANAGERS = ("admin", "manager")
DEFAULT_DAYS = 7


def inspection_wire(row: Inspection) -> p.Inspection:
    return p.Inspection(
        id=row.id, branch_id=row.branch_id, inspector_id=row.inspector_id,
        inspector=row.inspector_name, date=row.date, score=row.score,
        checklist=[p.ChecklistItem.model_validate(c) for c in row.checklist or []],
        findings=row.findings, actions=row.actions, created_at=row.created_at,
    )  # fmt: skip


def create(ctx: Ctx, uow: UnitOfWork, body: p.InspectionCreate) -> p.Inspection:
    """Record an inspection: by an admin or a manager of a region above the hall (a hall's
    own manager does not inspect itself)."""
    who = ctx.principal
    who.require(MANAGERS, "recording inspections")
    branch = uow.session.get(Branch, body.branch_id)
    if branch is None:
        raise NotFound(f"branch {body.branch_id} does not exist")
    if not who.is_admin and (branch.region_id is None or not who.may_see_region(branch.region_id)):
        raise Forbidden("inspections are recorded by a manager of the hall's region")
    today = today_at(branch.timezone, uow.now)
    if body.date > today or body.date < today - timedelta(days=366):
        raise ValidationFailed("an inspection's date is within the last year, not in the future")
    score = body.score
    if score is None:
        if not body.checklist:
            raise ValidationFailed("give a score or a checklist")
        score = round(100 * sum(c.ok for c in body.checklist) / len(body.checklist))
    row = Inspection(
        branch_id=branch.id, inspector_id=who.user_id, inspector_name=who.username,
        date=body.date, score=score, checklist=[c.model_dump() for c in body.checklist],
        findings=body.findings, actions=body.actions, created_at=uow.now,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    wire = inspection_wire(row)
    uow.audit("inspection.created", f"inspection:{row.id}", {"new": wire.model_dump(mode="json")},
              branch_id=branch.id)  # fmt: skip
    return wire


def listed(
    ctx: Ctx,
    *,
    branch_id: int | None,
    region_id: int | None,
    date_from: date | None,
    date_to: date | None,
    limit: int = 1000,
    offset: int = 0,
) -> list[p.Inspection]:
    """Inspections of a hall, a region's subtree or every hall the caller sees, newest first."""
    who = ctx.principal
    who.require(MANAGERS, "reading inspections")
    if branch_id is not None and region_id is not None:
        raise ValidationFailed("give branch_id or region_id, not both")
    with ctx.db.read() as session:
        ids: Sequence[int] | None
        if branch_id is not None:
            who.require_branch(branch_id)
            ids = [branch_id]
        elif region_id is not None:
            ids = tree.region_branches(session, who, region_id)
        else:
            ids = who.visible_branches()
        query = select(Inspection).order_by(Inspection.date.desc(), Inspection.id.desc())
        if ids is not None:
            query = query.where(Inspection.branch_id.in_(ids))
        if date_from is not None:
            query = query.where(Inspection.date >= date_from)
        if date_to is not None:
            query = query.where(Inspection.date <= date_to)
        rows = session.scalars(query.offset(offset).limit(limit)).all()
        return [inspection_wire(r) for r in rows]


def last_inspected(session: Session, branch_ids: Sequence[int]) -> dict[int, date]:
    query = (
        select(Inspection.branch_id, func.max(Inspection.date))
        .where(Inspection.branch_id.in_(branch_ids))
        .group_by(Inspection.branch_id)
    )
    return {int(b): d for b, d in session.execute(query)}


def inspection_days(session: Session, branches: Sequence[Branch]) -> dict[int, int]:
    """Per branch: the `inspection_days` of its region, or of the nearest region above that
    sets it (7 when none does)."""
    links = tree.load(session)
    settings = {int(i): s or {} for i, s in session.execute(select(Region.id, Region.settings))}
    result: dict[int, int] = {}
    for branch in branches:
        days = DEFAULT_DAYS
        if branch.region_id is not None:
            for region in [branch.region_id, *links.ancestors(branch.region_id)]:
                if "inspection_days" in settings.get(region, {}):
                    days = int(settings[region]["inspection_days"])
                    break
        result[branch.id] = days
    return result


def overdue(last: date | None, days: int, today: date) -> bool:
    return last is None or (today - last).days > days
