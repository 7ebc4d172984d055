"""The region tree: which regions and branches lie under a region. Every scope check reads it
(the principal's branches, region statistics, the board), so it lives below the domains."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.core.context import Principal
from server.core.errors import NotFound
from server.core.models import Branch, Region


@dataclass(frozen=True)
class Tree:
    """Parent links of every region: small (a few hundred rows), so walked in Python."""

    parents: dict[int, int | None]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, links: Iterable[tuple[int, int | None]]) -> Tree:
        parents = dict(links)
        children: dict[int | None, list[int]] = {}
        for region_id in sorted(parents):
            children.setdefault(parents[region_id], []).append(region_id)
        return cls(parents, children)

    def subtree(self, roots: Iterable[int]) -> set[int]:
        """The given regions and every region below them (unknown ids are left out)."""
        found: set[int] = set()
        todo = [r for r in roots if r in self.parents]
        while todo:
            region_id = todo.pop()
            if region_id not in found:
                found.add(region_id)
                todo.extend(self.children.get(region_id, ()))
        return found

    def ancestors(self, region_id: int) -> list[int]:
        """The region's parent, grandparent … up to its root (a cycle stops the walk)."""
        chain: list[int] = []
        parent = self.parents.get(region_id)
        while parent is not None and parent not in chain and parent != region_id:
            chain.append(parent)
            parent = self.parents.get(parent)
        return chain

    def would_cycle(self, region_id: int, new_parent: int | None) -> bool:
        """Would hanging `region_id` under `new_parent` make a region its own ancestor?"""
        return new_parent is not None and (
            new_parent == region_id or region_id in self.ancestors(new_parent)
        )


def load(session: Session) -> Tree:
    return Tree.of((int(i), p) for i, p in session.execute(select(Region.id, Region.parent_id)))


def branches_in(session: Session, region_ids: Iterable[int]) -> list[int]:
    """Ids of the branches whose region is one of `region_ids`."""
    ids = sorted(set(region_ids))
    if not ids:
        return []
    query = select(Branch.id).where(Branch.region_id.in_(ids)).order_by(Branch.id)
    return list(session.scalars(query))


def region_branches(session: Session, principal: Principal, region_id: int) -> list[int]:
    """The halls of a region's subtree for `principal`, who must manage the region or one
    above it: 404 for an unknown region, 403 for another region's."""
    if session.get(Region, region_id) is None:
        raise NotFound(f"region {region_id} does not exist")
    principal.require_region(region_id)
    return branches_in(session, load(session).subtree([region_id]))
