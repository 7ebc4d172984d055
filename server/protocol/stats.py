"""Wire models of statistics."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# ---- statistics and audit (manager) ---------------------------------------------------------

StatsGroup = Literal["service", "counter", "clerk", "hour", "day", "branch", "region"]


class WaitFigures(BaseModel):
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None


class ServiceFigures(BaseModel):
    mean: float | None
    median: float | None
    p90: float | None


class RatingFigures(BaseModel):
    mean: float | None
    count: int
    low: int = 0  # scores of 1 or 2


class AppointmentFigures(BaseModel):
    """`booked`: every booking for a slot in the range; the others: what became of them."""

    booked: int = 0
    checked_in: int = 0
    missed: int = 0
    cancelled: int = 0


class StatsSummary(BaseModel):
    """Seconds; `called` counts the waits measured (a transferred ticket waits once per queue)."""

    issued: int
    served: int
    no_show: int
    cancelled: int  # by the customer or staff
    day_closed: int = 0  # left over at the end of the business day (closed out)
    waiting_now: int
    called: int
    wait_s: WaitFigures
    service_s: ServiceFigures
    sla_pct: float | None
    over_limit: int = 0  # services longer than their service's max_service_min
    rating: RatingFigures
    appointments: AppointmentFigures = Field(default_factory=AppointmentFigures)


class StatsRow(StatsSummary):
    key: int | str | None  # service/counter/clerk/branch id, hour 0-23, day "YYYY-MM-DD"
    label: str


class StatsBucket(BaseModel):
    """Waits with from_s ≤ wait < to_s (to_s null: no upper bound)."""

    from_s: int
    to_s: int | None
    count: int


class EstimateFigures(BaseModel):
    """How far estimates given at issue were from the waits that followed (null: no ticket)."""

    mae_s: float | None  # mean absolute error
    p90_abs_s: float | None  # 90th percentile of the absolute error
    within_5min_pct: float | None  # share within ±5 minutes of the wait
    within_20pct_pct: float | None  # share within ±20 % of the wait


class EstimateGroup(BaseModel):
    tickets: int
    hallq: EstimateFigures
    naive: EstimateFigures


class EstimateService(EstimateGroup):
    service_id: int


class EstimateHour(EstimateGroup):
    hour: int  # hour of issue, 0–23, in the hall's timezone


class EstimateAccuracy(EstimateGroup):
    """hallq's estimates and the naive ones (people ahead × mean service time ÷ open counters)
    against the waits that followed, over the called tickets of the range."""

    by_service: list[EstimateService]
    by_hour: list[EstimateHour]
