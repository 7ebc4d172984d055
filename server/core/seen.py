"""Which devices this process saw, for their heartbeats: a request with a device's token, or an
event stream a device holds open. Kept in memory and cheap to record (a dict write on the
event loop); the alerts' task writes the sightings to the database every few seconds
(server/alerts/heartbeats.py), so a busy kiosk costs no write per request."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime


class SeenDevices:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[int, datetime] = {}
        self._streams: Counter[int] = Counter()

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
        """The sightings since the last call: every device with an open stream counts as
        seen `now`."""
        with self._lock:
            taken = self._seen
            self._seen = {}
            for device_id in self._streams:
                taken[device_id] = now
            return taken
