"""Appointment figures of the statistics (API.md, Appointments): per group key, `booked` counts
every booking for a slot in the range whatever became of it, and `checked_in`, `missed` and
`cancelled` count outcomes. Read live from the bookings (a hall's day has tens, not thousands)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.appointments.domain import CANCELLED, CHECKED_IN, MISSED
from server.appointments.models import Appointment
from server.core.models import Branch
from server.stats.figures import Scope

Key = int | str | None
OUTCOMES = (CHECKED_IN, MISSED, CANCELLED)


def empty() -> dict[str, int]:
    return {"booked": 0, "checked_in": 0, "missed": 0, "cancelled": 0}


def counts(session: Session, scope: Scope, group: str | None) -> dict[Key, dict[str, int]]:
    """Appointment figures per key of `group` (service, hour, day, branch; None: one key 0).
    Counters and clerks have none: a booking is of a service, not of a desk."""
    result: dict[Key, dict[str, int]] = defaultdict(empty)
    if not scope.branches or group in ("counter", "clerk"):
        return result
    zones = {b.id: ZoneInfo(b.timezone) for b in scope.branches}
    query = select(
        Appointment.branch_id, Appointment.service_id, Appointment.business_date,
        Appointment.start, Appointment.state,
    ).where(
        Appointment.branch_id.in_(scope.branch_ids),
        Appointment.business_date >= scope.date_from, Appointment.business_date <= scope.date_to,
    )  # fmt: skip
    for branch_id, service_id, day, start, state in session.execute(query):
        key: Key
        if group == "service":
            key = service_id
        elif group == "hour":
            key = start.astimezone(zones[branch_id]).hour
        elif group == "day":
            key = day.isoformat()
        elif group == "branch":
            key = branch_id
        else:
            key = 0
        figures = result[key]
        figures["booked"] += 1
        if state in OUTCOMES:
            figures[state] += 1
    return result


def by_region(session: Session, per_branch: Mapping[Key, dict[str, int]],
              child: Mapping[int | None, int | None]) -> dict[Key, dict[str, int]]:  # fmt: skip
    """Per-hall figures merged as the statistics merge halls into regions (`child`: region →
    the row's region, server/stats/regions.child_of)."""
    ids = [int(k) for k in per_branch if k is not None]
    region_of = dict(
        session.execute(select(Branch.id, Branch.region_id).where(Branch.id.in_(ids))).all()
    )
    result: dict[Key, dict[str, int]] = defaultdict(empty)
    for key, figures in per_branch.items():
        row = result[child.get(region_of.get(int(key))) if key is not None else None]
        for name, n in figures.items():
            row[name] += n
    return result
