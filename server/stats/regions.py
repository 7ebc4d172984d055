"""Statistics of a region: its whole subtree's halls, and `group_by=region` (its children)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core import tree
from server.core.context import Ctx
from server.core.models import Branch, Region
from server.stats.figures import Figures

Key = int | str | None


def subtree_halls(ctx: Ctx, session: Session, region_id: int) -> list[Branch]:
    """Every hall under the region, for a caller who manages it or an ancestor (else 403)."""
    ids = tree.region_branches(session, ctx.principal, region_id)
    return list(session.scalars(select(Branch).where(Branch.id.in_(ids)).order_by(Branch.id)))


def child_of(session: Session, region_id: int | None) -> dict[int | None, int | None]:
    """Region → the direct child of `region_id` it lies under (the top regions when None);
    the region itself maps to itself, regions outside map to nothing."""
    regions = tree.load(session)
    tops = regions.children.get(region_id, [])
    result: dict[int | None, int | None] = {}
    for top in tops:
        for below in regions.subtree([top]):
            result[below] = top
    if region_id is not None:
        result[region_id] = region_id  # halls placed in the region itself
    return result


def by_region(
    session: Session, per_branch: Mapping[Key, Figures], region_id: int | None
) -> dict[Key, Figures]:
    """Figures per hall merged into the direct children of `region_id` (halls in the region
    itself under its own id; halls in no region under None)."""
    child = child_of(session, region_id)
    ids = [int(k) for k in per_branch if k is not None]
    rows = session.execute(select(Branch.id, Branch.region_id).where(Branch.id.in_(ids)))
    region_of = {int(b): r for b, r in rows}
    result: dict[Key, Figures] = defaultdict(Figures)
    for key, figures in per_branch.items():
        region = region_of.get(int(key)) if key is not None else None
        result[child.get(region)].merge(figures)
    return result


def names(session: Session) -> dict[int, str]:
    return {int(i): n for i, n in session.execute(select(Region.id, Region.name))}
