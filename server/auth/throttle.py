"""Login throttling that resists both guessing and lock-out (docs/decisions.md, "Login
throttle").

An attempt is counted in several sliding windows ("buckets") at once, and refused (429) when
any of them is full:

- from a device that has not logged in as this user before: per (username, address) up to
  `max_failures`; per username, from any address, up to `USER_FACTOR` times that; per address,
  for any username, up to `ADDRESS_FACTOR` times that;
- from a *known device* (it holds a cookie that a past successful login as this user set, see
  `known_device_proof`): only per (username, device), up to `max_failures`.

So a guesser gets `max_failures` tries per window and address, and one who spreads over many
addresses (or usernames) is stopped by the wider buckets; but whoever exhausts them does not
lock the clerk out of the browser at their desk, which proves it is a known device.

A password being checked counts as a failure until it is known right, so that of any number of
simultaneous wrong passwords at most the bucket's limit are checked (API.md, "Limits").
The counts live in this process's memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from server.core.errors import RateLimited

USER_FACTOR = 4  # failures per username, from any unknown device: 4 × the pair's limit
ADDRESS_FACTOR = 10  # failures per address, for any username: many clerks share a hall's address
KNOWN_DEVICE_DAYS = 90
COOKIE_PREFIX = "hallq_known_"

Bucket = tuple[str, ...]


def known_device_cookie(username: str) -> str:
    """The cookie's name: one per username, so a shared counter PC knows each of its clerks."""
    return COOKIE_PREFIX + hashlib.sha256(username.encode()).hexdigest()[:16]


def _mac(password_hash: str, username: str, nonce: str) -> str:
    # Keyed by the user's stored password hash: secret, the same in every process, and a new
    # password forgets every known device.
    message = f"known-device\n{username}\n{nonce}".encode()
    return hmac.new(password_hash.encode(), message, hashlib.sha256).hexdigest()[:32]


def known_device_proof(password_hash: str, username: str) -> str:
    """A new cookie value for a device that just logged in as `username`."""
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_mac(password_hash, username, nonce)}"


def known_device(password_hash: str, username: str, cookie: str | None) -> str | None:
    """The device's id if `cookie` proves an earlier successful login as `username`."""
    if not cookie or cookie.count(".") != 1:
        return None
    nonce, mac = cookie.split(".")
    if hmac.compare_digest(mac, _mac(password_hash, username, nonce)):
        return nonce
    return None


@dataclass(frozen=True)
class Attempt:
    username: str
    address: str
    device: str | None = None  # a known device's id, proven by its cookie


class LoginThrottle:
    def __init__(self, max_failures: int, window_s: float) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[Bucket, deque[float]] = {}
        self._checking: dict[Bucket, int] = {}  # attempts being checked now
        self._lock = threading.Lock()

    def buckets(self, attempt: Attempt) -> list[tuple[Bucket, int]]:
        """Each bucket the attempt counts in, with its limit; the first is the narrowest."""
        limit = self.max_failures
        if attempt.device is not None:
            return [(("device", attempt.username, attempt.device), limit)]
        return [
            (("pair", attempt.username, attempt.address), limit),
            (("user", attempt.username), limit * USER_FACTOR),
            (("address", attempt.address), limit * ADDRESS_FACTOR),
        ]

    def _recent(self, bucket: Bucket) -> int:
        failures = self._failures.get(bucket)
        if failures is None:
            return 0
        now = time.monotonic()
        while failures and failures[0] < now - self.window_s:
            failures.popleft()
        if not failures:  # keep no entry per username ever tried
            del self._failures[bucket]
        return len(failures)

    def check(self, attempt: Attempt) -> None:
        """Admit one attempt, or RateLimited. An admitted attempt ends with `failed`,
        `succeeded` or `abandoned`."""
        buckets = self.buckets(attempt)
        with self._lock:
            for bucket, limit in buckets:
                if self._recent(bucket) + self._checking.get(bucket, 0) >= limit:
                    raise RateLimited("too many failed logins; wait a few minutes and try again")
            for bucket, _ in buckets:
                self._checking[bucket] = self._checking.get(bucket, 0) + 1

    def _done(self, bucket: Bucket) -> None:
        left = self._checking.pop(bucket) - 1
        if left:
            self._checking[bucket] = left

    def failed(self, attempt: Attempt) -> None:
        now = time.monotonic()
        with self._lock:
            for bucket, _ in self.buckets(attempt):
                self._done(bucket)
                self._failures.setdefault(bucket, deque()).append(now)

    def succeeded(self, attempt: Attempt) -> None:
        """Forgets the narrowest bucket's failures only: a success from one device or address
        must not give a guesser elsewhere (or sharing the address) a fresh allowance."""
        with self._lock:
            buckets = self.buckets(attempt)
            for bucket, _ in buckets:
                self._done(bucket)
            self._failures.pop(buckets[0][0], None)

    def abandoned(self, attempt: Attempt) -> None:
        """The attempt ended without an answer on the password (an error)."""
        with self._lock:
            for bucket, _ in self.buckets(attempt):
                self._done(bucket)
