"""The event bus carries committed events between server processes: memory:// or redis://."""

from __future__ import annotations

from server.core.bus.base import Bus, Handler
from server.core.bus.memory import MemoryBus


def bus_from_url(url: str) -> Bus:
    """Pick the backend by URL scheme."""
    if url.startswith("memory://"):
        return MemoryBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from server.core.bus.redis import RedisBus

        return RedisBus(url)
    raise ValueError(f"unsupported HALLQ_BUS_URL {url!r}: use memory:// or redis://host:6379/0")


__all__ = ["Bus", "Handler", "MemoryBus", "bus_from_url"]
