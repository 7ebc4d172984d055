"""Where a branch sits in the region tree: `region_id`, or the old free-text `region` name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core import repository as core_repo
from server.core import tree
from server.core.context import Ctx
from server.core.errors import Conflict, Forbidden, NotFound
from server.core.models import Branch, Region
from server.core.unit_of_work import UnitOfWork


def place(ctx: Ctx, uow: UnitOfWork, branch: Branch, fields: dict[str, Any]) -> None:
    """Move `branch` to the region `fields` names (`region_id` wins over `region`); nothing
    when neither is given or the region stays the same. Only an admin, or a manager of the
    target region, moves a hall; only an admin takes a hall out of every region or creates a
    region by naming it (docs/decisions.md, "Regions")."""
    if "region_id" in fields:
        target = _by_id(uow, fields["region_id"])
    elif "region" in fields:
        target = _by_name(ctx, uow, (fields["region"] or "").strip())
    else:
        return
    if (target.id if target else None) == branch.region_id and branch.id is not None:
        return
    who = ctx.principal
    if not who.is_admin and (target is None or not who.may_see_region(target.id)):
        raise Forbidden("only an admin or a manager of the new region moves a hall there")
    branch.region_id = target.id if target else None
    branch.region = target.name if target else None
    ctx.forget_principals(uow.session)  # the hall enters or leaves region managers' scopes
    core_repo.forget_figures(uow.session)  # … and of region webhooks (outbox)


def _by_id(uow: UnitOfWork, region_id: int | None) -> Region | None:
    if region_id is None:
        return None
    region = uow.session.get(Region, region_id)
    if region is None:
        raise NotFound(f"region {region_id} does not exist")
    return region


def _by_name(ctx: Ctx, uow: UnitOfWork, name: str) -> Region | None:
    """The region of that name; an admin naming a new one creates it at the top."""
    if not name:
        return None
    found = list(uow.session.scalars(select(Region).where(Region.name == name).limit(2)))
    if len(found) > 1:
        raise Conflict(f"several regions are named {name!r}: give region_id")
    if found:
        return found[0]
    if not ctx.principal.is_admin:
        raise Forbidden(f"no region is named {name!r}; an admin creates regions")
    region = Region(name=name, parent_id=None, settings={})
    uow.session.add(region)
    uow.session.flush()
    return region


def region_path(session: Session, region_id: int | None) -> list[str]:
    """The names from the top region down to `region_id` (what `hallq export` writes: ids
    differ between installations, names do not)."""
    if region_id is None:
        return []
    links = tree.load(session)
    chain = [region_id, *links.ancestors(region_id)]
    names = dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(chain))).all())
    return [names[r] for r in reversed(chain) if r in names]


def place_by_path(uow: UnitOfWork, branch: Branch, names: list[str]) -> None:
    """Put the branch in the region at the end of `names` (top first), creating the regions
    of the path that do not exist yet (`hallq import`, an admin's command)."""
    parent: int | None = None
    region: Region | None = None
    for name in names:
        region = uow.session.scalars(
            select(Region).where(Region.name == name, Region.parent_id == parent)
            if parent is not None
            else select(Region).where(Region.name == name, Region.parent_id.is_(None))
        ).first()
        if region is None:
            region = Region(name=name, parent_id=parent, settings={})
            uow.session.add(region)
            uow.session.flush()
        parent = region.id
    branch.region_id = region.id if region else None
    branch.region = region.name if region else None
