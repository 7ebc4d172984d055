"""Hall configuration: branches, services, counters. Managers edit their own branches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

import server.halls.serializers  # noqa: F401  (registers counter.updated and config.updated)
from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import Conflict, NotFound
from server.core.models import Branch
from server.core.trail import changes
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.events import ConfigUpdated, CounterUpdated
from server.halls.models import Counter, Service
from server.halls.placement import place
from server.halls.views import branch_detail, branch_wire, counter_wire, service_wire

MANAGERS = ("admin", "manager")


def list_branches(ctx: Ctx) -> list[p.Branch]:
    with ctx.db.read() as session:
        return [
            branch_wire(b) for b in halls_repo.branches(session, ctx.principal.visible_branches())
        ]


def get_branch(ctx: Ctx, branch_id: int) -> p.BranchDetail:
    ctx.principal.require_branch(branch_id)
    with ctx.db.read() as session:
        return branch_detail(core_repo.get_or_404(session, Branch, branch_id, "branch"))


def create_branch(ctx: Ctx, uow: UnitOfWork, body: p.BranchCreate) -> p.BranchDetail:
    ctx.principal.require(("admin",), "creating branches")
    settings = (body.settings or p.BranchSettings()).model_dump(mode="json")
    branch = Branch(
        name=body.name, timezone=body.timezone, locale=body.locale, settings=settings, last_seq=0
    )
    place(ctx, uow, branch, body.model_dump(exclude_unset=True, include={"region", "region_id"}))
    uow.session.add(branch)
    uow.session.flush()
    detail = branch_detail(branch)
    uow.audit("branch.created", f"branch:{branch.id}", {"new": _json(detail)}, branch_id=branch.id)
    return detail


def patch_branch(ctx: Ctx, uow: UnitOfWork, branch_id: int, body: p.BranchPatch) -> p.BranchDetail:
    ctx.principal.require(MANAGERS, "changing a branch")
    ctx.principal.require_branch(branch_id)
    branch = uow.lock_branch(branch_id)
    before = _json(branch_detail(branch))
    fields = body.model_dump(exclude_unset=True, mode="json")
    for name in ("name", "timezone", "locale"):
        if fields.get(name) is not None:
            setattr(branch, name, fields[name])
    place(ctx, uow, branch, fields)
    if "settings" in fields and fields["settings"] is not None:
        branch.settings = (body.settings or p.BranchSettings()).model_dump(mode="json")
    config_changed(uow, branch_id, "branch", branch_id)
    detail = branch_detail(branch)
    _changed(uow, "branch.updated", branch_id, branch_id, before, _json(detail))
    return detail


def _json(wire: BaseModel) -> dict[str, Any]:
    return wire.model_dump(mode="json")


def _changed(
    uow: UnitOfWork, kind: str, branch_id: int, id_: int, old: dict[str, Any],
    new: dict[str, Any],
) -> None:  # fmt: skip
    """The audit record of a change ("service.updated" of "service:4"): the fields it changed,
    old and new values."""
    subject = f"{kind.partition('.')[0]}:{id_}"
    uow.audit(kind, subject, changes(old, new), branch_id=branch_id)


def config_changed(uow: UnitOfWork, branch_id: int, what: str, id_: int) -> None:
    """`config.updated`: pages (kiosk, TV, counter, monitor) reload what they show."""
    core_repo.forget_figures(uow.session)  # estimates read the set-up (services, counters)
    uow.publish(ConfigUpdated(branch_id, what, id_))


# ---- services -----------------------------------------------------------------------------


def list_services(ctx: Ctx, branch_id: int | None) -> list[p.Service]:
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
    visible = ctx.principal.visible_branches()
    with ctx.db.read() as session:
        return [
            service_wire(s)
            for s in halls_repo.services(session, branch_id)
            if visible is None or s.branch_id in visible
        ]


def _unique_code(uow: UnitOfWork, branch_id: int, code: str, prefix: str, own: int | None) -> None:
    for other in halls_repo.services(uow.session, branch_id):
        if other.id != own and (other.code == code or other.prefix == prefix):
            raise Conflict(f"code {code!r} or prefix {prefix!r} is already used in this branch")


def create_service(ctx: Ctx, uow: UnitOfWork, body: p.ServiceCreate) -> p.Service:
    ctx.principal.require(MANAGERS, "creating services")
    ctx.principal.require_branch(body.branch_id)
    uow.lock_branch(body.branch_id)
    _unique_code(uow, body.branch_id, body.code, body.prefix, None)
    service = Service(**body.model_dump(), deleted=False)
    uow.session.add(service)
    uow.session.flush()
    config_changed(uow, service.branch_id, "service", service.id)
    wire = service_wire(service)
    uow.audit("service.created", f"service:{service.id}", {"new": _json(wire)},
              branch_id=service.branch_id)  # fmt: skip
    return wire


def _service(ctx: Ctx, uow: UnitOfWork, service_id: int) -> Service:
    ctx.principal.require(MANAGERS, "changing services")
    service = core_repo.get_or_404(uow.session, Service, service_id, "service")
    ctx.principal.require_branch(service.branch_id)
    uow.lock_branch(service.branch_id)
    return service


NULLABLE_SERVICE_FIELDS = frozenset({"daily_quota", "max_service_min"})
"""Fields a PATCH may set to null (no quota, no time limit)."""


def patch_service(ctx: Ctx, uow: UnitOfWork, service_id: int, body: p.ServicePatch) -> p.Service:
    service = _service(ctx, uow, service_id)
    before = _json(service_wire(service))
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is not None or name in NULLABLE_SERVICE_FIELDS:
            setattr(service, name, value)
    if service.end_number < service.start_number:
        raise Conflict("end_number must not be below start_number")
    _unique_code(uow, service.branch_id, service.code, service.prefix, service.id)
    config_changed(uow, service.branch_id, "service", service.id)
    wire = service_wire(service)
    _changed(uow, "service.updated", service.branch_id, service.id, before, _json(wire))
    return wire


def delete_service(ctx: Ctx, uow: UnitOfWork, service_id: int) -> p.Service:
    """Retire a service; its past tickets keep pointing at it (soft delete)."""
    service = _service(ctx, uow, service_id)
    before = _json(service_wire(service))
    service.deleted, service.active = True, False
    config_changed(uow, service.branch_id, "service", service.id)
    wire = service_wire(service)
    _changed(uow, "service.deleted", service.branch_id, service.id, before, _json(wire))
    return wire


# ---- counters -----------------------------------------------------------------------------


def list_counters(ctx: Ctx, branch_id: int | None) -> list[p.Counter]:
    if branch_id is not None:
        ctx.principal.require_branch(branch_id)
    visible = ctx.principal.visible_branches()
    with ctx.db.read() as session:
        rows = [
            c
            for c in halls_repo.counters(session, branch_id)
            if visible is None or c.branch_id in visible
        ]
        ids = halls_repo.counter_service_ids(session, [c.id for c in rows])
        return [counter_wire(c, ids[c.id]) for c in rows]


def _check_services(uow: UnitOfWork, branch_id: int, service_ids: Sequence[int]) -> None:
    if len(set(service_ids)) != len(service_ids):
        raise Conflict("a service is listed twice")
    known = {s.id for s in halls_repo.services(uow.session, branch_id)}
    missing = [sid for sid in service_ids if sid not in known]
    if missing:
        raise NotFound(f"services {missing} do not exist in this branch")


def _unique_number(uow: UnitOfWork, branch_id: int, number: int, own: int | None) -> None:
    if any(c.number == number and c.id != own for c in halls_repo.counters(uow.session, branch_id)):
        raise Conflict(f"counter number {number} is already used in this branch")


def create_counter(ctx: Ctx, uow: UnitOfWork, body: p.CounterCreate) -> p.Counter:
    ctx.principal.require(MANAGERS, "creating counters")
    ctx.principal.require_branch(body.branch_id)
    uow.lock_branch(body.branch_id)
    _unique_number(uow, body.branch_id, body.number, None)
    _check_services(uow, body.branch_id, body.service_ids)
    counter = Counter(
        branch_id=body.branch_id,
        number=body.number,
        name=body.name or str(body.number),
        state="closed",
        priority_interleave=body.priority_interleave,
        normals_since_priority=0,
        deleted=False,
    )
    uow.session.add(counter)
    uow.session.flush()
    halls_repo.set_counter_services(uow.session, counter.id, body.service_ids)
    uow.publish(CounterUpdated(counter.id, counter.branch_id))
    config_changed(uow, counter.branch_id, "counter", counter.id)
    wire = counter_wire(counter, list(body.service_ids))
    uow.audit("counter.created", f"counter:{counter.id}", {"new": _setup(wire)},
              branch_id=counter.branch_id)  # fmt: skip
    return wire


def _counter(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> Counter:
    ctx.principal.require(MANAGERS, "changing counters")
    counter = core_repo.get_or_404(uow.session, Counter, counter_id, "counter")
    ctx.principal.require_branch(counter.branch_id)
    uow.lock_branch(counter.branch_id)
    return counter


def patch_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.CounterPatch) -> p.Counter:
    counter = _counter(ctx, uow, counter_id)
    before = _setup(counter_wire(counter, halls_repo.served_by(uow.session, counter.id)))
    fields = body.model_dump(exclude_unset=True)
    if fields.get("number") is not None:
        _unique_number(uow, counter.branch_id, fields["number"], counter.id)
        counter.number = fields["number"]
    if fields.get("name") is not None:
        counter.name = fields["name"]
    if "priority_interleave" in fields:
        counter.priority_interleave = fields["priority_interleave"]
    if fields.get("service_ids") is not None:
        _check_services(uow, counter.branch_id, fields["service_ids"])
        halls_repo.set_counter_services(uow.session, counter.id, fields["service_ids"])
        uow.session.flush()
    uow.publish(CounterUpdated(counter.id, counter.branch_id))
    config_changed(uow, counter.branch_id, "counter", counter.id)
    wire = counter_wire(counter, halls_repo.served_by(uow.session, counter.id))
    _changed(uow, "counter.changed", counter.branch_id, counter.id, before, _setup(wire))
    return wire


def _setup(wire: p.Counter) -> dict[str, Any]:
    """A counter's configuration (not its state of the moment: that is counter.updated)."""
    return wire.model_dump(mode="json", include={"number", "name", "service_ids",
                                                 "priority_interleave"})  # fmt: skip


def delete_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.Counter:
    counter = _counter(ctx, uow, counter_id)
    if counter.ticket_id is not None:
        raise Conflict(f"counter {counter.number} has a ticket in hand")
    counter.deleted, counter.state, counter.clerk_id = True, "closed", None
    uow.publish(CounterUpdated(counter.id, counter.branch_id))
    config_changed(uow, counter.branch_id, "counter", counter.id)
    wire = counter_wire(counter, halls_repo.served_by(uow.session, counter.id))
    uow.audit("counter.deleted", f"counter:{counter.id}", {"old": _setup(wire)},
              branch_id=counter.branch_id)  # fmt: skip
    return wire
