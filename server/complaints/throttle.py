"""Complaints per client address: a sliding window in this process's memory, like the login
throttle (server/auth/throttle.py). The per-ticket limit is counted in the database instead
(server/complaints/service.py), under the branch's lock."""

from __future__ import annotations

import threading
import time
from collections import deque

from server.core.errors import RateLimited

PER_CLIENT = 5
"""Complaints one client address may send within `WINDOW_S` (a hall's shared Wi-Fi counts
as one address: five in ten minutes is still far above what one hall receives)."""
WINDOW_S = 600.0
MAX_CLIENTS = 100_000
MESSAGE = "too many complaints from this address; please try again later"


class ClientLimit:
    def __init__(
        self, limit: int = PER_CLIENT, window_s: float = WINDOW_S, message: str = MESSAGE
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.message = message
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, address: str, now: float | None = None) -> None:
        """Count one request (a complaint, a booking) from `address`, or raise RateLimited
        when its window is full."""
        at = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) >= MAX_CLIENTS:
                self._seen.clear()
            times = self._seen.setdefault(address, deque())
            while times and times[0] <= at - self.window_s:
                times.popleft()
            if len(times) >= self.limit:
                wait = int(times[0] + self.window_s - at) + 1
                raise RateLimited(self.message, retry_after_s=wait)
            times.append(at)
