"""hall.toml: a hall's services, counters, hours and settings, for import and export.

`hallq import` runs in a process of its own, beside a running server or not; it still writes
through its own database writer (`run.write`), like every mutation. Beside a server on SQLite
its commit comes from another connection: the server's writer notices (`PRAGMA data_version`)
and reads its kept rows again, as it must, since the import changed them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.models import Branch
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.models import Counter, Service
from server.halls.views import branch_detail, service_wire

SERVICE_FIELDS = (
    "code", "prefix", "name", "start_number", "end_number", "target_wait_min", "service_min",
    "daily_quota", "active",
)  # fmt: skip


def export_hall(ctx: Ctx, branch_id: int, path: Path) -> None:
    with ctx.db.read() as session:
        branch = core_repo.get_or_404(session, Branch, branch_id, "branch")
        detail = branch_detail(branch).model_dump(mode="json", exclude_none=True)
        by_id = {s.id: s.code for s in halls_repo.services(session, branch_id)}
        services = [
            {k: v for k, v in service_wire(s).model_dump(mode="json").items()
             if k in SERVICE_FIELDS and v is not None}
            for s in halls_repo.services(session, branch_id)
        ]  # fmt: skip
        counters = halls_repo.counters(session, branch_id)
        ids = halls_repo.counter_service_ids(session, [c.id for c in counters])
        doc: dict[str, Any] = {
            "branch": {k: v for k, v in detail.items() if k != "id"},
            "services": services,
            "counters": [
                {"number": c.number, "name": c.name, "services": [by_id[i] for i in ids[c.id]]}
                | ({"priority_interleave": c.priority_interleave} if c.priority_interleave else {})
                for c in counters
            ],
        }
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")


def import_hall(ctx: Ctx, branch_id: int, path: Path) -> tuple[int, int]:
    """Create or update services (by code) and counters (by number); returns their counts."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    branch_doc = doc.get("branch", {})
    patch = p.BranchPatch.model_validate({k: v for k, v in branch_doc.items() if k != "id"})
    services_doc = [p.ServiceCreate.model_validate({**s, "branch_id": branch_id})
                    for s in doc.get("services", [])]  # fmt: skip
    counters_doc = doc.get("counters", [])
    write(ctx, lambda uow: _import(uow, branch_id, patch, services_doc, counters_doc))
    return len(services_doc), len(counters_doc)


def _import(
    uow: UnitOfWork,
    branch_id: int,
    patch: p.BranchPatch,
    services_doc: list[p.ServiceCreate],
    counters_doc: list[dict[str, Any]],
) -> None:
    """The import's one transaction: a counter naming an unknown service undoes it all."""
    branch = uow.lock_branch(branch_id)
    for name in ("name", "timezone", "locale", "region"):
        value = getattr(patch, name)
        if value is not None:
            setattr(branch, name, value)
    if patch.settings is not None:
        branch.settings = patch.settings.model_dump(mode="json")
    existing = {s.code: s for s in halls_repo.services(uow.session, branch_id)}
    for service_doc in services_doc:
        fields = service_doc.model_dump()
        service = existing.get(service_doc.code)
        if service is None:
            service = Service(**fields, deleted=False)
            uow.session.add(service)
        else:
            for key, value in fields.items():
                setattr(service, key, value)
        uow.session.flush()
        existing[service.code] = service
    counters = {c.number: c for c in halls_repo.counters(uow.session, branch_id)}
    for counter_doc in counters_doc:
        create = p.CounterCreate.model_validate(
            {"branch_id": branch_id, "number": counter_doc["number"],
             "name": counter_doc.get("name", ""),
             "priority_interleave": counter_doc.get("priority_interleave")}
        )  # fmt: skip
        counter = counters.get(create.number)
        if counter is None:
            counter = Counter(branch_id=branch_id, number=create.number, state="closed",
                              normals_since_priority=0, deleted=False)  # fmt: skip
            uow.session.add(counter)
        counter.name = create.name or f"{create.number}"
        counter.priority_interleave = create.priority_interleave
        uow.session.flush()
        unknown = [code for code in counter_doc.get("services", []) if code not in existing]
        if unknown:
            raise ValueError(f"counter {create.number}: unknown service codes {unknown}")
        halls_repo.set_counter_services(
            uow.session,
            counter.id,
            [existing[code].id for code in counter_doc.get("services", [])],
        )
