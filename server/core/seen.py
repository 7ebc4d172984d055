"""Which devices this process saw, for their heartbeats: a request with a device's token, or an
event stream a device holds open. Kept in memory and cheap to record (a dict write on the
event loop); the alerts' task writes the sightings to the database every few seconds
(server/alerts/heartbeats.py), so a busy kiosk costs no write per request.

A device is written at most once every `REFRESH_S` by a process: a TV holding its stream open
in every worker was rewritten by each of them at every flush (every `alerts_interval_s`, 2 s),
500 rows per worker at 500 halls, for a last-seen time that only has to stay well inside
`device_offline_s` (10 s at the least). A device not written within `REFRESH_S` (one back
after being away: away means unseen for `device_offline_s`) is written at the next flush."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

REFRESH_S = 5.0
"""How often at most a process writes one device's sighting. With the flush every
`alerts_interval_s` (2 s), a stored last-seen time is at most ~7 s old while the device is
seen: inside the smallest `device_offline_s` (10 s)."""


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

    def take(self, now: datetime) -> dict[int, datetime]:
        """The sightings to write now: every device with an open stream counts as seen `now`;
        a device taken within `REFRESH_S` waits (a request's sighting is kept for a later
        take, an open stream is seen again then)."""
        recent = now - timedelta(seconds=REFRESH_S)
        with self._lock:
            sightings = self._seen
            for device_id in self._streams:
                sightings[device_id] = now
            taken: dict[int, datetime] = {}
            self._seen = {}
            for device_id, at in sightings.items():
                last = self._taken.get(device_id)
                if last is None or last <= recent:
                    taken[device_id] = at
                    self._taken[device_id] = now
                elif device_id not in self._streams:
                    self._seen[device_id] = at
            self._taken = {d: t for d, t in self._taken.items() if t > recent}
            return taken

    def untake(self, sightings: dict[int, datetime]) -> None:
        """Sightings `take` gave that could not be written: taken again at the next flush."""
        with self._lock:
            for device_id, at in sightings.items():
                self._taken.pop(device_id, None)
                before = self._seen.get(device_id)
                if before is None or at > before:
                    self._seen[device_id] = at
