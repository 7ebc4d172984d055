"""Estimated wait: people ahead × recent mean service time ÷ open counters serving the service."""

from __future__ import annotations

from collections.abc import Sequence

RECENT_WINDOW = 20  # last N finished tickets of the service feed the mean


def mean_service_s(recent_durations_s: Sequence[float], *, configured_min: float) -> float:
    """Mean of recent service durations, falling back to the configured service minutes."""
    usable = [d for d in recent_durations_s if d > 0]
    if not usable:
        return configured_min * 60.0
    return sum(usable) / len(usable)


def estimated_wait_s(position: int, *, mean_s: float, open_counters: int) -> int:
    """Seconds until a ticket with `position` people ahead is called (0 when next)."""
    return round(position * mean_s / max(1, open_counters))
