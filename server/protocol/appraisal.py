"""Wire models of the quality figures: ratings with their comments, the clerk appraisal."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class RatingOut(BaseModel):
    """A customer's rating of one ticket (API.md, Ratings, complaints and follow-up)."""

    ticket_id: int
    number: str
    branch_id: int
    business_date: date
    service_id: int
    counter_id: int | None
    clerk_id: int | None
    score: int
    comment: str | None
    rated_at: datetime | None


class MeanFigure(BaseModel):
    mean: float | None


class ServiceTimes(BaseModel):
    mean: float | None
    median: float | None
    p90: float | None


class ClerkRating(BaseModel):
    mean: float | None
    count: int
    low: int  # scores of 1 or 2


class ClerkComplaints(BaseModel):
    total: int
    upheld: int


class ClerkAppraisal(BaseModel):
    """One clerk's row (API.md, Clerk appraisal); durations in seconds."""

    clerk_id: int
    username: str
    served: int
    no_show: int
    transferred: int
    wait_s: MeanFigure
    service_s: ServiceTimes
    over_limit: int
    sla_pct: float | None
    rating: ClerkRating
    complaints: ClerkComplaints
    open_s: float
    paused_s: float
    idle_s: float
