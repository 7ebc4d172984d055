"""What the scale-out bench's processes used: CPU seconds per part (the instances, this
database's PostgreSQL backends, Redis, the bench itself) and each instance's processes' RSS."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from bench import procs

if TYPE_CHECKING:
    from server.core.engine import Database

PARTS = ("servers", "postgres", "redis", "bench")
Snapshot = dict[str, dict[int, float]]


ROLES = (("server.workers", "supervisor"), ("spawn_main", "worker"),
         ("resource_tracker", "resource tracker"), ("server.cli", "server"))  # fmt: skip


def rss_parts(pid: int) -> str:
    """Each process of an instance and its RSS: "supervisor 27, worker 150, …"."""
    parts = []
    for each in procs.tree_pids(pid):
        with contextlib.suppress(OSError, RuntimeError):
            cmd = Path(f"/proc/{each}/cmdline").read_bytes()
            role = next((name for key, name in ROLES if key.encode() in cmd), "other")
            parts.append(f"{role} {procs.rss_mb(each):.0f}")
    return ", ".join(parts)


def cpu_snapshot(servers: list[procs.Proc], db: Database) -> Snapshot:
    """CPU seconds so far of each process that serves the load: the instances' workers, this
    database's PostgreSQL backends, Redis, and this process."""
    groups: dict[str, list[int]] = {
        "servers": [p for s in servers for p in procs.tree_pids(s.pid)],
        "bench": [os.getpid()],
    }
    if not db.is_sqlite:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        with db.read() as session:
            groups["postgres"] = [int(pid) for pid in session.scalars(query)]
        groups["redis"] = procs.pids_named("redis-server")
    snapshot: Snapshot = {}
    for name, pids in groups.items():
        snapshot[name] = {}
        for pid in pids:
            with contextlib.suppress(OSError):
                snapshot[name][pid] = procs.cpu_s(pid)
    return snapshot


def cpu_used(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds each part used in between (a process that appeared counts whole)."""
    return {
        name: sum(cpu - before.get(name, {}).get(pid, 0.0) for pid, cpu in pids.items())
        for name, pids in after.items()
    }


def alerts_leader(db: Database) -> int | None:
    """The pid of the process that evaluates the alerts (its lease's holder is host:pid:…)."""
    from server.core.lease import Lease

    with db.read() as session:
        holder = session.scalar(select(Lease.holder).where(Lease.name == "alerts"))
    return int(holder.split(":")[1]) if holder else None


def cpu_line(used: dict[str, float], per: float, digits: int = 1, names: bool = True) -> str:
    """Each part's CPU seconds × 1000 / `per` ("servers 14.0, postgres 4.2, …"): ms per
    operation, or with `per` 1000, s/s. Without names, every part in order, "–" when absent."""
    if not per:
        return "–"
    if names:
        return ", ".join(f"{n} {used[n] * 1000 / per:.{digits}f}" for n in PARTS if n in used)
    return " · ".join(f"{used[n] * 1000 / per:.{digits}f}" if n in used else "–" for n in PARTS)
