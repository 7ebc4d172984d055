"""Devices' heartbeats: when each kiosk or display device (kiosk agent, display agent, TV page,
rating screen) was last seen, written from each process's sightings (server/core/seen.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import ColumnElement, Integer, any_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute

from server import protocol as p
from server.alerts.conditions import devices
from server.alerts.models import DeviceSeen
from server.auth.models import Device
from server.core.context import Ctx
from server.core.errors import NotFound
from server.core.models import Branch
from server.core.run import write
from server.core.seen import SeenDevices
from server.core.unit_of_work import UnitOfWork
from server.halls.settings import branch_settings


def _among(
    uow: UnitOfWork, column: InstrumentedAttribute[int], ids: Iterable[int]
) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `= ANY` of one array parameter: the same statement
    whatever the ids, not a list of hundreds rendered into the SQL and parsed anew at every
    flush (a quarter of the evaluator's time at 500 halls)."""
    if uow.db.is_sqlite:
        return column.in_(list(ids))
    return column == any_(bindparam(None, list(ids), type_=postgresql.ARRAY(Integer)))


def record_seen(uow: UnitOfWork, sightings: dict[int, datetime]) -> int:
    """Move each device's last-seen time forward (never back); how many rows changed.

    A few statements whatever the number of devices: every open stream is a sighting (at most
    every `seen.REFRESH_S`), and one statement per device (a hall TV in each of 500 halls, in
    each worker, every few seconds) was most of what a process did when idle
    (docs/benchmarks.md, scale-out).
    A device first seen by two processes at once is inserted by one; the other's row is then
    moved forward like any other (no duplicate key)."""
    if not sightings:
        return 0
    session = uow.session
    stored = set(session.scalars(
        select(DeviceSeen.device_id).where(_among(uow, DeviceSeen.device_id, sightings))
    ))  # fmt: skip
    fresh = sorted(set(sightings) - stored)
    known = (
        set(session.scalars(select(Device.id).where(_among(uow, Device.id, fresh))))
        if fresh
        else set()
    )
    changed = 0
    if known:
        dialect = sqlite if uow.db.is_sqlite else postgresql
        rows = [{"device_id": d, "last_seen_at": sightings[d]} for d in sorted(known)]
        insert = dialect.insert(DeviceSeen).values(rows).on_conflict_do_nothing()
        changed += len(session.scalars(insert.returning(DeviceSeen.device_id)).all())
    at_times: dict[datetime, list[int]] = defaultdict(list)
    for device_id in sorted(stored | known):  # rows just inserted are not newer than theirs
        at_times[sightings[device_id]].append(device_id)
    for at, ids in at_times.items():  # open streams share one time: usually one statement
        moved = session.execute(
            update(DeviceSeen)
            .where(_among(uow, DeviceSeen.device_id, ids), DeviceSeen.last_seen_at < at)
            .values(last_seen_at=at)
            .execution_options(synchronize_session=False)
        )
        changed += int(moved.rowcount)  # type: ignore[attr-defined]
    return changed


def flush_seen(ctx: Ctx, seen: SeenDevices, every_s: float = 0.0) -> int:
    """Write this process's sightings due now, the next flush `every_s` away (one small write,
    if any)."""
    sightings = seen.take(ctx.clock(), every_s)
    if not sightings:
        return 0
    try:
        return write(ctx, partial(record_seen, sightings=sightings))
    except Exception:
        seen.untake(sightings)  # tried again at the next flush
        raise


def heartbeats(ctx: Ctx, branch_id: int, streaming: frozenset[int]) -> list[p.DeviceHeartbeat]:
    """The branch's devices with their last-seen time and state, for the monitor."""
    ctx.principal.require(("admin", "manager"), "device heartbeats")
    ctx.principal.require_branch(branch_id)
    now = ctx.clock()
    with ctx.db.read() as session:
        branch = session.get(Branch, branch_id)
        if branch is None:
            raise NotFound(f"branch {branch_id} does not exist")
        limit = timedelta(seconds=branch_settings(branch).device_offline_s)
        out = []
        for device, seen_at in devices(session, branch_id):
            live = device.id in streaming
            state: p.DeviceState
            if live or (seen_at is not None and now - seen_at <= limit):
                state = "online"
            elif seen_at is None:
                state = "never_seen"
            else:
                state = "offline"
            out.append(
                p.DeviceHeartbeat(
                    device_id=device.id,
                    branch_id=device.branch_id,
                    kind=device.kind,
                    name=device.name,
                    last_seen_at=seen_at,
                    state=state,
                    streaming=live,
                    printer_online=device.printer_online,
                    printer_paper=device.printer_paper,
                    printer_detail=device.printer_detail,
                )
            )
        return out
