"""Wire models of the published results (公开评议结果): a hall's satisfaction and waits within
target this month, per service and (when the hall says so) per counter; never a clerk."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

PublishResults = Literal[False, "service", "counter"]
"""The branch setting `publish_results`: off, per service, or per service and per counter."""


class PublishedRating(BaseModel):
    mean: float | None  # 1–5
    count: int


class PublishedFigures(BaseModel):
    served: int
    rating: PublishedRating
    satisfied_pct: float | None  # share of ratings of 3–5 (not a low rating)
    sla_pct: float | None  # share of waits within the service's target


class PublishedService(PublishedFigures):
    id: int
    code: str
    name: dict[str, str]


class PublishedCounter(PublishedFigures):
    id: int
    number: int
    name: str


class PublishedResults(BaseModel):
    branch_id: int
    name: str
    names: dict[str, str]  # the hall's name per locale (settings.hall_names)
    locale: str
    month: str  # YYYY-MM
    date_from: date  # the month's first day
    date_to: date  # its last day, or today in the current month
    mode: Literal["service", "counter"]
    computed_at: datetime
    total: PublishedFigures
    services: list[PublishedService]
    counters: list[PublishedCounter] | None  # only when `mode` is "counter"
