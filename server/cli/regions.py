"""`hallq region …`: the region tree, through the same service functions as the API."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from server import protocol as p
from server.cli.common import app, existing, fail, prepared, settings_for
from server.core.errors import DomainError
from server.core.run import write
from server.regions import service as regions

region_app = typer.Typer(help="Regions (branch companies, head office).", no_args_is_help=True)
app.add_typer(region_app, name="region")


@region_app.command("add")
def region_add(
    name: str,
    parent: Annotated[int | None, typer.Option(help="Parent region id")] = None,
) -> None:
    """Create a region, at the top or under --parent."""
    try:
        body = p.RegionCreate(name=name, parent_id=parent)
    except ValidationError as exc:
        raise fail("; ".join(e["msg"] for e in exc.errors())) from None
    try:
        with prepared(settings_for(must_exist=False)) as ctx:
            region = write(ctx, lambda uow: regions.create_region(ctx, uow, body))
    except DomainError as exc:
        raise fail(exc.detail) from None
    under = f" under region {region.parent_id}" if region.parent_id else ""
    typer.echo(f"created region {region.name!r} (id {region.id}){under}")


@region_app.command("list")
def region_list() -> None:
    """List the regions as a tree: id, name."""
    with existing() as ctx:
        found = regions.list_regions(ctx)
    children: dict[int | None, list[p.Region]] = {}
    for region in found:
        children.setdefault(region.parent_id, []).append(region)

    def show(parent: int | None, depth: int) -> None:
        for region in children.get(parent, []):
            typer.echo(f"{region.id:>5}  {'  ' * depth}{region.name}")
            show(region.id, depth + 1)

    show(None, 0)
