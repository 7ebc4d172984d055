"""The clerk appraisal's row, pure: the statistics' figures of one clerk, their transfers and
complaints, as API.md's "Clerk appraisal" object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.stats.figures import Figures, mean_s, percentile, round_s


@dataclass(frozen=True)
class Complaints:
    total: int = 0
    upheld: int = 0


def appraisal_row(
    clerk_id: int, username: str, figures: Figures, transferred: int, complaints: Complaints
) -> dict[str, Any]:
    """Waits and SLA count where the clerk called the ticket; served, no-shows, service times,
    overruns and ratings where the clerk finished it; transfers where the clerk made them."""
    f = figures  # only the figures the row shows: no wait percentiles (half the histogram work)
    return {
        "clerk_id": clerk_id,
        "username": username,
        "served": figures.served,
        "no_show": figures.no_show,
        "transferred": transferred,
        "wait_s": {"mean": mean_s(f.wait_sum_ms, f.called)},
        "service_s": {
            "mean": mean_s(f.service_sum_ms, f.service_n),
            "median": round_s(percentile(f.service_hist, 0.5)),
            "p90": round_s(percentile(f.service_hist, 0.9)),
        },
        "over_limit": figures.over_limit,
        "sla_pct": round(100 * f.within / f.called, 1) if f.called else None,
        "rating": {
            "mean": round(f.rating_sum / f.rating_n, 2) if f.rating_n else None,
            "count": f.rating_n,
            "low": f.rating_low,
        },
        "complaints": {"total": complaints.total, "upheld": complaints.upheld},
        "open_s": round(figures.open_ms / 1000, 1),
        "paused_s": round(figures.paused_ms / 1000, 1),
        "idle_s": round(figures.idle_ms / 1000, 1),
    }
