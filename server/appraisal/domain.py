"""The clerk appraisal's row, pure: the statistics' figures of one clerk, their transfers and
complaints, as API.md's "Clerk appraisal" object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.stats.figures import Figures


@dataclass(frozen=True)
class Complaints:
    total: int = 0
    upheld: int = 0


def appraisal_row(
    clerk_id: int, username: str, figures: Figures, transferred: int, complaints: Complaints
) -> dict[str, Any]:
    """Waits and SLA count where the clerk called the ticket; served, no-shows, service times,
    overruns and ratings where the clerk finished it; transfers where the clerk made them."""
    report = figures.report()
    return {
        "clerk_id": clerk_id,
        "username": username,
        "served": figures.served,
        "no_show": figures.no_show,
        "transferred": transferred,
        "wait_s": {"mean": report["wait_s"]["mean"]},  # type: ignore[index]
        "service_s": report["service_s"],
        "over_limit": figures.over_limit,
        "sla_pct": report["sla_pct"],
        "rating": report["rating"],
        "complaints": {"total": complaints.total, "upheld": complaints.upheld},
        "open_s": round(figures.open_ms / 1000, 1),
        "paused_s": round(figures.paused_ms / 1000, 1),
        "idle_s": round(figures.idle_ms / 1000, 1),
    }
