"""Regions: list, create, change, delete (admin); the tree is in server/core/tree.py."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server import protocol as p
from server.core import repository as core_repo
from server.core import tree
from server.core.context import Ctx
from server.core.errors import Conflict, NotFound
from server.core.models import Region
from server.core.trail import changes
from server.core.unit_of_work import UnitOfWork
from server.regions import repository as repo
from server.webhooks import repository as webhooks_repo

STAFF = ("admin", "manager", "clerk")


def region_wire(region: Region) -> p.Region:
    return p.Region(
        id=region.id,
        name=region.name,
        parent_id=region.parent_id,
        settings=p.RegionSettings.model_validate(region.settings or {}),
    )


def visible_regions(ctx: Ctx, session: Session) -> list[int] | None:
    """Regions the caller may list: its own subtrees and the regions of its halls (None: all)."""
    who = ctx.principal
    if who.is_admin:
        return None
    own = set(who.region_ids)
    own.update(b.region_id for b in repo.branches(session, sorted(who.branch_ids)) if b.region_id)
    return sorted(own)


def list_regions(ctx: Ctx) -> list[p.Region]:
    ctx.principal.require(STAFF, "listing regions")
    with ctx.db.read() as session:
        return [region_wire(r) for r in repo.regions(session, visible_regions(ctx, session))]


def subtree(session: Session, region_id: int) -> list[p.Region]:
    """The region and every region below it (the board folds and unfolds them)."""
    ids = sorted(tree.load(session).subtree([region_id]))
    return [region_wire(r) for r in repo.regions(session, ids)]


def get_region(ctx: Ctx, region_id: int) -> p.Region:
    ctx.principal.require(STAFF, "reading regions")
    with ctx.db.read() as session:
        region = session.get(Region, region_id)
        if region is None:
            raise NotFound(f"region {region_id} does not exist")
        visible = visible_regions(ctx, session)
        if visible is not None and region_id not in visible:
            ctx.principal.require_region(region_id)
        return region_wire(region)


def _region(uow: UnitOfWork, region_id: int | None, what: str = "region") -> Region:
    region = None if region_id is None else uow.session.get(Region, region_id)
    if region is None:
        raise NotFound(f"{what} {region_id} does not exist")
    return region


def create_region(ctx: Ctx, uow: UnitOfWork, body: p.RegionCreate) -> p.Region:
    ctx.principal.require(("admin",), "creating regions")
    if body.parent_id is not None:
        _region(uow, body.parent_id, "parent region")
    settings = (body.settings or p.RegionSettings()).model_dump(mode="json")
    region = Region(name=body.name, parent_id=body.parent_id, settings=settings)
    uow.session.add(region)
    uow.session.flush()
    wire = region_wire(region)
    uow.audit("region.created", f"region:{region.id}", {"new": wire.model_dump(mode="json")})
    return wire


def patch_region(ctx: Ctx, uow: UnitOfWork, region_id: int, body: p.RegionPatch) -> p.Region:
    """Rename, move (never under itself: 409) or change the settings of a region."""
    ctx.principal.require(("admin",), "changing regions")
    region = _region(uow, region_id)
    before = region_wire(region).model_dump(mode="json")
    fields = body.model_dump(exclude_unset=True)
    if "parent_id" in fields and fields["parent_id"] != region.parent_id:
        parent = fields["parent_id"]
        if parent is not None:
            _region(uow, parent, "parent region")
        if tree.load(uow.session).would_cycle(region.id, parent):
            raise Conflict(f"region {parent} lies under region {region.id}: that makes a cycle")
        region.parent_id = parent
        ctx.forget_principals(uow.session)  # the subtrees of region managers changed
        core_repo.forget_figures(uow.session)  # … and of region webhooks (outbox)
    if fields.get("name") is not None and fields["name"] != region.name:
        region.name = fields["name"]
        repo.rename_branches(uow.session, region.id, region.name)
    if fields.get("settings") is not None:
        region.settings = (body.settings or p.RegionSettings()).model_dump(mode="json")
    uow.session.flush()
    wire = region_wire(region)
    uow.audit(
        "region.updated", f"region:{region.id}", changes(before, wire.model_dump(mode="json"))
    )
    return wire


def delete_region(ctx: Ctx, uow: UnitOfWork, region_id: int) -> p.Region:
    """Delete an empty region (no halls, child regions or webhooks: else 409 `conflict`)."""
    ctx.principal.require(("admin",), "deleting regions")
    region = _region(uow, region_id)
    if repo.has_children(uow.session, region.id):
        raise Conflict(f"region {region.id} has child regions: move or delete them first")
    if repo.has_branches(uow.session, region.id):
        raise Conflict(f"region {region.id} has halls: move them to another region first")
    if webhooks_repo.region_has_webhooks(uow.session, region.id):
        raise Conflict(f"region {region.id} has webhooks: delete them or give them a hall first")
    wire = region_wire(region)
    uow.audit("region.deleted", f"region:{region.id}", {"old": wire.model_dump(mode="json")})
    repo.forget_user_regions(uow.session, region.id)
    uow.session.delete(region)
    uow.session.flush()
    ctx.forget_principals(uow.session)
    return wire
