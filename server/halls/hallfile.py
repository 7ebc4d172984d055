"""hall.toml: a hall's services, counters, hours and settings, for import and export.

`hallq import` runs in a process of its own, beside a running server or not; it still writes
through its own database writer (`run.write`), like every mutation. Beside a server on SQLite
its commit comes from another connection: the server's writer notices (`PRAGMA data_version`)
and reads its kept rows again, as it must, since the import changed them. The import records
`config.updated` like any change of set-up: pages reload it, and the alerts read the hall again
(server/alerts/watch.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.models import Branch
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.models import Counter, Service
from server.halls.placement import place, place_by_path
from server.halls.placement import region_path as path_of
from server.halls.service import config_changed
from server.halls.views import branch_detail, service_wire

SERVICE_FIELDS = (
    "code", "prefix", "name", "start_number", "end_number", "target_wait_min", "service_min",
    "daily_quota", "max_service_min", "active", "priority", "appointment_capacity",
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
        place = {"region_path": path_of(session, branch.region_id)} if branch.region_id else {}
        doc: dict[str, Any] = {
            "branch": {k: v for k, v in detail.items() if k not in ("id", "region_id")} | place,
            "services": services,
            "counters": [
                {"number": c.number, "name": c.name, "services": [by_id[i] for i in ids[c.id]]}
                | ({"priority_interleave": c.priority_interleave} if c.priority_interleave else {})
                for c in counters
            ],
        }
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")


class HallFileError(ValueError):
    """A hall.toml that cannot be imported; the message is one line, naming the place."""


class _CounterDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int
    name: str = ""
    services: list[str] = []
    priority_interleave: int | None = None


class _HallDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    branch: dict[str, Any] = {}
    services: list[dict[str, Any]] = []
    counters: list[_CounterDoc] = []


def _one_line(path: Path, exc: ValidationError, prefix: str = "") -> HallFileError:
    problems = "; ".join(
        f"{prefix}{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in exc.errors()
    )
    return HallFileError(f"{path}: {problems}")


HallPlan = tuple[p.BranchPatch, list[p.ServiceCreate], list[dict[str, Any]], list[str] | None]
RegionPath = TypeAdapter(list[Annotated[str, Field(min_length=1, max_length=100)]])
MAX_DEPTH = 20


def read_hall(path: Path, branch_id: int) -> HallPlan:
    """The checked content of a hall.toml, or HallFileError: nothing is written before the
    whole file is known good."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HallFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise HallFileError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise HallFileError(f"{path}: {exc.strerror or exc}") from None
    where = ""
    try:
        doc = _HallDoc.model_validate(tomllib.loads(text))
        where = "branch."
        fields = {k: v for k, v in doc.branch.items() if k not in ("id", "region_path")}
        if "region_path" in doc.branch:
            where = "branch.region_path."
            names = RegionPath.validate_python(doc.branch["region_path"])
            if len(names) > MAX_DEPTH:
                raise HallFileError(f"{path}: branch.region_path: at most {MAX_DEPTH} regions")
            fields["region_path"] = names
            where = "branch."
        patch = p.BranchPatch.model_validate(
            {k: v for k, v in fields.items() if k != "region_path"}
        )
        patch_path = fields.get("region_path")
        services = []
        for index, service in enumerate(doc.services):
            where = f"services[{index}]."
            services.append(p.ServiceCreate.model_validate({**service, "branch_id": branch_id}))
        counters = []
        for index, counter in enumerate(doc.counters):
            where = f"counters[{index}]."
            p.CounterCreate(branch_id=branch_id, number=counter.number, name=counter.name,
                            priority_interleave=counter.priority_interleave)  # fmt: skip
            counters.append(counter.model_dump())
    except tomllib.TOMLDecodeError as exc:
        raise HallFileError(f"{path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        raise _one_line(path, exc, where) from None
    return patch, services, counters, patch_path


def import_hall(ctx: Ctx, branch_id: int, path: Path) -> tuple[int, int]:
    """Create or update services (by code) and counters (by number) in one transaction;
    returns their counts. HallFileError (nothing written) for a file that cannot be imported."""
    patch, services_doc, counters_doc, region_path = read_hall(path, branch_id)

    def run(uow: UnitOfWork) -> None:
        _import(uow, branch_id, patch, services_doc, counters_doc)
        branch = uow.lock_branch(branch_id)
        if region_path is not None:
            place_by_path(uow, branch, region_path)
        else:
            place(ctx, uow, branch, patch.model_dump(exclude_unset=True))
        config_changed(uow, branch_id, "branch", branch_id)
        ctx.forget_principals(uow.session)

    write(ctx, run)
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
    for name in ("name", "timezone", "locale"):
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
            raise HallFileError(f"counter {create.number}: unknown service codes {unknown}")
        halls_repo.set_counter_services(
            uow.session,
            counter.id,
            [existing[code].id for code in counter_doc.get("services", [])],
        )
    uow.audit(
        "hall.imported", f"branch:{branch_id}",
        {"services": sorted(existing), "counters": sorted(counters) + [
            c["number"] for c in counters_doc if c["number"] not in counters]},
        branch_id=branch_id,
    )  # fmt: skip
