"""Which halls an alerts round reads again: those that may have changed since they were read.

Reading all 500 halls of an installation every two seconds, eight queries a hall, was half a
core on an idle machine (docs/benchmarks.md, scale-out); the halls of a round are now read
together (`conditions.halls`), and only those that may have changed. What a reading of a hall
depends on changes in four ways only, and a round checks each for all halls at once:
- **an event**: tickets, counters, set-up (`config.updated`), printers (`printer.status`) and
  complaints change with an event of the hall, and each event moves `branch.last_seq` in the
  same transaction: one query over the branch table finds every hall whose seq moved since its
  reading (a hall's events also wake the evaluator at once, `Evaluator.poke`);
- **time**: the reading says when a condition may start or end by time alone (`next_due`: a
  ticket reaching its target, a pause its limit, a device its silence, a complaint its
  deadline, the hall opening or closing, the business date turning);
- **devices**: sightings are no events. A device newly seen, revoked, seen again while it
  was offline, or (only when a row is edited by hand) seen earlier than read, makes its hall
  read again; one that keeps being seen changes nothing until its due time;
- **anything else** (a row edited behind the server's back): a sweep reads every hall again
  within `sweep_s`, a share of them each round, and all of them at the first round of a lease.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.alerts.conditions import Reading
from server.alerts.models import DeviceSeen
from server.auth.models import Device
from server.core.models import Branch


@dataclass(frozen=True)
class Read:
    """What a hall was at its reading: its seq, its due time, its devices (last seen, offline)."""

    seq: int
    due: datetime | None
    devices: dict[int, tuple[datetime | None, bool]]


class Watch:
    """The evaluator's memory of the halls it read, as long as it holds the lease."""

    def __init__(self, sweep_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sweep_s = sweep_s
        self.halls: dict[int, Read] = {}
        self._monotonic = monotonic
        self._swept_at = 0.0
        self._credit = 0.0
        self._cursor = 0  # the branch id after which the sweep goes on

    def forget(self) -> None:
        """The lease was lost: the next one starts by reading every hall."""
        self.halls.clear()

    def remember(self, branch_id: int, seq: int, reading: Reading) -> None:
        offline = {c.subject["device_id"] for c in reading.conditions if c.kind == "device_offline"}
        devices = {d: (seen, d in offline) for d, seen in reading.seen.items()}
        self.halls[branch_id] = Read(seq, reading.next_due, devices)

    def unread(self, branch_id: int) -> None:
        """Forget the hall's reading: the next round reads it (its changes are being applied;
        should that fail, nothing else may say so)."""
        self.halls.pop(branch_id, None)

    def own_events(self, branch_id: int, before: int, after: int) -> None:
        """The evaluator's alert events took the hall's seq from `before` to `after`: when
        nothing else came between its reading and them, the reading still holds."""
        read = self.halls.get(branch_id)
        if read is not None and read.seq == before:
            self.halls[branch_id] = replace(read, seq=after)

    def due(self, now: datetime) -> set[int]:
        """The halls whose due time has come."""
        return {b for b, read in self.halls.items() if read.due is not None and read.due <= now}

    def next_due(self) -> datetime | None:
        return min((r.due for r in self.halls.values() if r.due is not None), default=None)

    def pick(self, session: Session, now: datetime) -> set[int] | None:
        """The halls a timed round reads: None for all of them (nothing remembered yet)."""
        seqs = dict(session.execute(select(Branch.id, Branch.last_seq)).all())
        for gone in set(self.halls) - set(seqs):
            del self.halls[gone]
        if not self.halls:
            self._swept_at, self._credit = self._monotonic(), 0.0
            return None
        out = {b for b, seq in seqs.items() if b not in self.halls or self.halls[b].seq != seq}
        out |= self.due(now)
        out |= self._devices_changed(session)
        out |= self._sweep(sorted(seqs))
        return out

    def _devices_changed(self, session: Session) -> set[int]:
        rows = session.execute(
            select(Device.branch_id, Device.id, DeviceSeen.last_seen_at)
            .outerjoin(DeviceSeen, DeviceSeen.device_id == Device.id)
            .where(Device.revoked_at.is_(None))
        )
        now_seen: dict[int, dict[int, datetime | None]] = {}
        for branch_id, device_id, seen in rows:
            now_seen.setdefault(branch_id, {})[device_id] = seen
        out = set()
        for branch_id, read in self.halls.items():
            devices = now_seen.get(branch_id, {})
            if devices.keys() != read.devices.keys() or any(
                _matters(read.devices[d], seen) for d, seen in devices.items()
            ):
                out.add(branch_id)
        return out

    def _sweep(self, branch_ids: list[int]) -> set[int]:
        """The next share of the halls in id order, so that each is read within `sweep_s`
        (spread over the rounds: no round reads them all)."""
        at = self._monotonic()
        gained = len(branch_ids) * (at - self._swept_at) / self.sweep_s
        self._credit = min(len(branch_ids), self._credit + gained)
        self._swept_at = at
        count = min(len(branch_ids), math.floor(self._credit))
        self._credit -= count
        if not count:
            return set()
        after = [b for b in branch_ids if b > self._cursor]
        picked = (after + [b for b in branch_ids if b <= self._cursor])[:count]
        self._cursor = picked[-1]
        return set(picked)


def _matters(was: tuple[datetime | None, bool], seen: datetime | None) -> bool:
    """Whether a device's sighting since its hall's reading can change an alert before the
    hall's due time: first seen, seen again while offline, or moved back."""
    seen_then, offline = was
    if seen == seen_then:
        return False
    return seen_then is None or seen is None or offline or seen < seen_then
