"""Devices' heartbeats: when each kiosk or display device (kiosk agent, display agent, TV page,
rating screen) was last seen, written from each process's sightings (server/core/seen.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

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


def record_seen(uow: UnitOfWork, sightings: dict[int, datetime]) -> int:
    """Move each device's last-seen time forward (never back); how many rows changed."""
    changed = 0
    for device_id, at in sorted(sightings.items()):
        row = uow.session.get(DeviceSeen, device_id)
        if row is None:
            if uow.session.get(Device, device_id) is None:
                continue
            uow.session.add(DeviceSeen(device_id=device_id, last_seen_at=at))
        elif row.last_seen_at < at:
            row.last_seen_at = at
        else:
            continue
        changed += 1
    return changed


def flush_seen(ctx: Ctx, seen: SeenDevices) -> int:
    """Write this process's sightings since the last flush (one small write, if any)."""
    sightings = seen.take(ctx.clock())
    if not sightings:
        return 0
    try:
        return write(ctx, partial(record_seen, sightings=sightings))
    except Exception:
        for device_id, at in sightings.items():  # tried again at the next flush
            seen.request(device_id, at)
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
