"""Wire models of a hall's public information (API.md, "Opening days and public information"):
what anyone may read without a login — the hours, the days that differ, the notice, and each
service's queue and commitments (公示). Nothing personal, no ticket, no clerk."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

Intervals = list[list[str]]


class PublicService(BaseModel):
    id: int
    code: str
    name: dict[str, str]
    open_now: bool  # a ticket can be taken now
    waiting: int
    estimated_wait_s: int | None  # None: no counter serving it is open
    target_wait_min: int
    max_service_min: int | None  # the time limit of one service (限时办结); None: none
    bookable: bool  # booked online (the booking page `/book?branch=`)
    prefix: str = ""
    closed_reason: str | None = None  # closed, cutoff, holiday, quota_reached


class PublicBranch(BaseModel):
    id: int
    name: str
    timezone: str
    open_now: bool  # inside today's opening hours (serving goes on after the cut-off)
    hours_today: Intervals  # [] closed today
    opening_hours: dict[str, Intervals]  # per weekday, as the branch's settings say
    special_days: dict[str, Intervals]  # the next 30 days that differ ([] closed)
    cutoff_min: int
    notice: dict[str, str]  # per locale
    services: list[PublicService]
    # more than API.md names (allowed: fields may be added)
    names: dict[str, str] = {}  # the hall's name per locale
    locale: str = "zh-CN"
    business_date: date | None = None
    holidays: list[str] = []  # the holidays of the next 30 days
    opens_at: datetime | None = None  # while issuing is closed: when it opens next
    public_issue: bool = False  # a ticket can be taken on the hall's page
