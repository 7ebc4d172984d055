"""Which devices this process saw, for their heartbeats: a request with a device's token, or an
event stream a device holds open. Kept in memory and cheap to record (a dict write on the
event loop); the alerts' task writes the sightings to the database every few seconds
(server/alerts/heartbeats.py), so a busy kiosk costs no write per request.

A process writes a device only when its last write would be `REFRESH_S` old by the next flush:
a TV holding its stream open in every worker was rewritten by each of them at every flush
(every `alerts_interval_s`, 2 s), 500 rows per worker at 500 halls, for a last-seen time that
only has to stay well inside `device_offline_s` (10 s at the least). With flushes 2 s apart a
device is written every 4 s; with flushes `REFRESH_S` or more apart, at every one (as before).
A device back after being away (unseen for `device_offline_s`) is written at once, and so is
every device when the clock has stepped back."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

REFRESH_S = 5.0
"""The age a device's stored sighting may reach before the process writes it again, while it
sees the device: half the smallest `device_offline_s` (10 s)."""


class SeenDevices:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[int, datetime] = {}
        self._streams: Counter[int] = Counter()
        self._taken: dict[int, datetime] = {}  # when each device's sighting was last taken

    def request(self, device_id: int, at: datetime) -> None:
        with self._lock:
            before = self._seen.get(device_id)
            if before is None or at > before:
                self._seen[device_id] = at

    def stream_opened(self, device_id: int) -> None:
        with self._lock:
            self._streams[device_id] += 1

    def stream_closed(self, device_id: int, at: datetime) -> None:
        with self._lock:
            self._streams[device_id] -= 1
            if self._streams[device_id] <= 0:
                del self._streams[device_id]
            self._seen[device_id] = at  # seen until the moment it went away

    def streaming(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._streams)

    def take(self, now: datetime, every_s: float = 0.0) -> dict[int, datetime]:
        """The sightings to write now, with the next flush `every_s` away: every device with an
        open stream counts as seen `now`; a device whose last write will not be `REFRESH_S` old
        by the next flush waits (a request's sighting is kept for a later take, an open stream
        is seen again then)."""
        with self._lock:
            sightings = self._seen
            for device_id in self._streams:
                sightings[device_id] = now
            taken: dict[int, datetime] = {}
            self._seen = {}
            for device_id, at in sightings.items():
                last = self._taken.get(device_id)
                if last is None or _due(last, now, every_s):
                    taken[device_id] = at
                    self._taken[device_id] = now
                elif device_id not in self._streams:
                    self._seen[device_id] = at
            self._taken = {d: t for d, t in self._taken.items() if not _due(t, now, every_s)}
            return taken

    def untake(self, sightings: dict[int, datetime]) -> None:
        """Sightings `take` gave that could not be written: taken again at the next flush."""
        with self._lock:
            for device_id, at in sightings.items():
                self._taken.pop(device_id, None)
                before = self._seen.get(device_id)
                if before is None or at > before:
                    self._seen[device_id] = at


def _due(last: datetime, now: datetime, every_s: float) -> bool:
    """Whether a device last written at `last` is written at this flush: it would be
    `REFRESH_S` old by the next one, or the clock stepped back past it."""
    return last > now or (now - last).total_seconds() + every_s >= REFRESH_S
