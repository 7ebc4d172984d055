"""The published results' rules, pure: which month may be asked for, and the figures of one
row (a service, a counter or the hall) from the statistics' figures. Nothing here names a
clerk."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from server.core.errors import ValidationFailed
from server.stats.figures import Figures

MONTHS_BACK = 12
"""The current month and the twelve before it may be asked for: enough to compare with last
year's month, and few enough that the public cannot make the server compute its whole past."""
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_span(month: str | None, today: date) -> tuple[date, date]:
    """The first and last business date of `month` ("YYYY-MM"; None: this month), cut at
    `today`; a month in the future, more than MONTHS_BACK back or not a month → 422."""
    if month is None:
        year, number = today.year, today.month
    else:
        found = _MONTH.match(month)
        if found is None or not 1 <= int(found.group(2)) <= 12:
            raise ValidationFailed(f"{month!r} is not a month (YYYY-MM)")
        year, number = int(found.group(1)), int(found.group(2))
    back = (today.year * 12 + today.month) - (year * 12 + number)
    if back < 0:
        raise ValidationFailed("that month has not begun")
    if back > MONTHS_BACK:
        raise ValidationFailed(f"choose this month or one of the {MONTHS_BACK} before it")
    first = date(year, number, 1)
    last = date(year, number, calendar.monthrange(year, number)[1])
    return first, min(last, today)


def published_figures(f: Figures) -> dict[str, Any]:
    """Served, the mean rating and how many, the share satisfied (rated 3–5: not a low
    rating) and the share of waits within target, rounded as the statistics round them."""
    rated, low = f.rating_n, f.rating_low
    return {
        "served": f.served,
        "rating": {"mean": round(f.rating_sum / rated, 2) if rated else None, "count": rated},
        "satisfied_pct": round(100 * (rated - low) / rated, 1) if rated else None,
        "sla_pct": round(100 * f.within / f.called, 1) if f.called else None,
    }


def shown(f: Figures) -> bool:
    """A row is published once it has something to say this month."""
    return bool(f.served or f.called or f.rating_n)
