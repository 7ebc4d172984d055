"""Wake the dispatchers of this process when a commit stored deliveries (from any thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable

_lock = threading.Lock()
_dispatchers: list[Callable[[], None]] = []


def register(poke: Callable[[], None]) -> None:
    with _lock:
        _dispatchers.append(poke)


def unregister(poke: Callable[[], None]) -> None:
    with _lock:
        if poke in _dispatchers:
            _dispatchers.remove(poke)


def all_dispatchers() -> None:
    with _lock:
        pokes = list(_dispatchers)
    for poke in pokes:
        poke()
