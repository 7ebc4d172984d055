"""Opening hours, holidays, issuing cut-off and the business date, in the branch's timezone.

A branch with no opening hours configured at all is open around the clock (a sensible default
for a fresh install); once any weekday has hours, days without an entry are closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.protocol.hours import WEEKDAYS, parse_hhmm


@dataclass(frozen=True)
class Schedule:
    timezone: str
    opening_hours: dict[str, list[list[str]]] = field(default_factory=dict)
    holidays: frozenset[str] = frozenset()
    cutoff_min: int = 0

    def local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def business_date(self, now: datetime) -> date:
        """The calendar date at the branch: tickets are numbered per business date."""
        return self.local(now).date()

    def issuing_refusal(self, now: datetime) -> str | None:
        """Why a ticket cannot be issued now (a sentence), or None when issuing is open."""
        closed = self.issuing_closed(now)
        return closed[1] if closed else None

    def issuing_closed(self, now: datetime) -> tuple[str, str] | None:
        """(code, sentence) when issuing is closed now: code `holiday`, `closed` or `cutoff`."""
        local = self.local(now)
        if local.date().isoformat() in self.holidays:
            return "holiday", "the hall is closed today (holiday)"
        if not any(self.opening_hours.values()):
            return None
        intervals = self.opening_hours.get(WEEKDAYS[local.weekday()], [])
        if not intervals:
            return "closed", "the hall is closed today"
        for opens_text, closes_text in intervals:
            opens = datetime.combine(local.date(), parse_hhmm(opens_text) or time(0), local.tzinfo)
            closes_t = parse_hhmm(closes_text)
            closes = (
                datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
                if closes_t is None
                else datetime.combine(local.date(), closes_t, local.tzinfo)
            )
            if opens <= local < closes:
                if local >= closes - timedelta(minutes=self.cutoff_min):
                    return "cutoff", (
                        f"ticket issuing stopped {self.cutoff_min} min before closing "
                        f"at {closes_text}"
                    )
                return None
        return "closed", "the hall is not open at this time"
