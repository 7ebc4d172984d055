"""Branch, service and counter rows → wire models; a branch's opening-hours schedule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from server import protocol as p
from server.core.models import Branch
from server.halls import repository as halls_repo
from server.halls.hours import Schedule
from server.halls.models import Counter, Service
from server.halls.settings import branch_settings


def schedule(branch: Branch) -> Schedule:
    settings = branch_settings(branch)
    return Schedule(
        timezone=branch.timezone,
        opening_hours=settings.opening_hours,
        holidays=frozenset(d.isoformat() for d in settings.holidays),
        cutoff_min=settings.cutoff_min,
        special_days={d.isoformat(): hours for d, hours in settings.special_days.items()},
    )


def bookable(service: Service) -> bool:
    """Whether the service takes appointments (it has places per slot and is offered). The
    hall page links to `/book?branch=` for those only when the hall books publicly."""
    return service.appointment_capacity > 0 and service.active and not service.deleted


def branch_wire(branch: Branch) -> p.Branch:
    return p.Branch(
        id=branch.id,
        name=branch.name,
        timezone=branch.timezone,
        locale=branch.locale,
        region=branch.region,
        region_id=branch.region_id,
    )


def branch_detail(branch: Branch) -> p.BranchDetail:
    return p.BranchDetail(
        **branch_wire(branch).model_dump(),
        settings=branch_settings(branch),
    )


def service_wire(service: Service) -> p.Service:
    return p.Service(
        id=service.id,
        branch_id=service.branch_id,
        code=service.code,
        prefix=service.prefix,
        name=dict(service.name),
        start_number=service.start_number,
        end_number=service.end_number,
        target_wait_min=service.target_wait_min,
        service_min=service.service_min,
        daily_quota=service.daily_quota,
        max_service_min=service.max_service_min,
        active=service.active,
        priority=service.priority,
        appointment_capacity=service.appointment_capacity,
    )


def counter_wire(counter: Counter, service_ids: list[int]) -> p.Counter:
    return p.Counter(
        id=counter.id,
        branch_id=counter.branch_id,
        number=counter.number,
        name=counter.name,
        service_ids=service_ids,
        state=counter.state,
        pause_reason=counter.pause_reason,
        clerk_id=counter.clerk_id,
        ticket_id=counter.ticket_id,
        priority_interleave=counter.priority_interleave,
    )


def counters_wire(session: Session, counters: Sequence[Counter]) -> list[p.Counter]:
    ids = halls_repo.counter_service_ids(session, [c.id for c in counters])
    return [counter_wire(c, ids[c.id]) for c in counters]


def counter_ref(counter: Counter) -> dict[str, Any]:
    return {"id": counter.id, "number": counter.number, "name": counter.name}
