"""Calendar periods of the statistics rollup (day, month, year), and how a date range is
covered by them, pure.

A month is stored merged from its days and a year from its months, so that a year of a hall
reads one row per group instead of 365."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

LEVELS = ("year", "month", "day")  # largest first
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    level: str  # day | month | year
    first: date

    @classmethod
    def of(cls, level: str, day: date) -> Period:
        """The period of `level` that holds `day`."""
        if level == "year":
            return cls(level, day.replace(month=1, day=1))
        if level == "month":
            return cls(level, day.replace(day=1))
        return cls("day", day)

    @property
    def last(self) -> date:
        if self.level == "year":
            return self.first.replace(month=12, day=31)
        if self.level == "month":
            after = (self.first.replace(day=28) + timedelta(days=4)).replace(day=1)
            return after - ONE_DAY
        return self.first

    @property
    def parent(self) -> Period | None:
        if self.level == "day":
            return Period.of("month", self.first)
        if self.level == "month":
            return Period.of("year", self.first)
        return None

    def children(self) -> list[Period]:
        """The days of a month, the months of a year."""
        if self.level == "month":
            return [Period("day", d) for d in days(self.first, self.last)]
        if self.level == "year":
            return [Period("month", self.first.replace(month=m)) for m in range(1, 13)]
        return []


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def cover(
    first: date, last: date, ready: Collection[Period], levels: Sequence[str] = LEVELS
) -> tuple[list[Period], list[date]]:
    """The ready periods, largest first, that cover first..last without overlap, and the
    days that none covers."""
    periods: list[Period] = []
    rest: list[date] = []
    day = first
    while day <= last:
        for level in levels:
            period = Period.of(level, day)
            if period.first == day and period.last <= last and period in ready:
                periods.append(period)
                day = period.last + ONE_DAY
                break
        else:
            rest.append(day)
            day += ONE_DAY
    return periods, rest


def missing(
    first: date, last: date, ready: Collection[Period], levels: Sequence[str] = LEVELS
) -> list[Period]:
    """What to build, in order (days, months, years: each is merged from the one before), so
    that `cover` reads the largest periods inside first..last. A built year or month is not
    looked into."""
    wanted: dict[str, list[Period]] = {"day": [], "month": [], "year": []}
    for year in _overlapping("year", first, last):
        if _whole(year, first, last) and "year" in levels:
            if year in ready:
                continue
            wanted["year"].append(year)
        for month in _overlapping("month", max(first, year.first), min(last, year.last)):
            if _whole(month, first, last) and "month" in levels:
                if month in ready:
                    continue
                wanted["month"].append(month)
            for day in days(max(first, month.first), min(last, month.last)):
                if Period("day", day) not in ready:
                    wanted["day"].append(Period("day", day))
    return [*wanted["day"], *wanted["month"], *wanted["year"]]


def _whole(period: Period, first: date, last: date) -> bool:
    return first <= period.first and period.last <= last


def _overlapping(level: str, first: date, last: date) -> Iterator[Period]:
    period = Period.of(level, first)
    while period.first <= last:
        yield period
        period = Period.of(level, period.last + ONE_DAY)
