"""Opening hours, holidays, issuing cut-off and the business date, in the branch's timezone.

A branch with no opening hours configured at all is open around the clock (a sensible default
for a fresh install); once any weekday has hours, days without an entry are closed.

A day's hours are sessions (`08:30-12:00, 13:30-17:00`: a lunch break between them). The
cut-off applies to each session before its own close, so issuing stops at 11:40 and opens again
at 13:30; `opens_at` answers when issuing opens next, for the kiosk to say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from server.protocol.hours import WEEKDAYS, parse_hhmm

LOOK_AHEAD_DAYS = 400  # past a year of holidays: a hall closed longer than that "never" opens


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
        if closed is None:
            return None
        opens = self.opens_at(now)
        if opens is None:
            return closed[1]
        return f"{closed[1]}; issuing opens again at {opens.strftime('%Y-%m-%d %H:%M')}"

    def issuing_closed(self, now: datetime) -> tuple[str, str] | None:
        """(code, sentence) when issuing is closed now: code `holiday`, `closed` or `cutoff`."""
        local = self.local(now)
        if local.date().isoformat() in self.holidays:
            return "holiday", "the hall is closed today (holiday)"
        if not any(self.opening_hours.values()):
            return None
        sessions = self._sessions(local.date(), local.tzinfo)
        if not sessions:
            return "closed", "the hall is closed today"
        for opens, closes in sessions:
            if opens <= local < closes:
                if local >= closes - timedelta(minutes=self.cutoff_min):
                    at = closes.strftime("%H:%M") if closes.date() == local.date() else "24:00"
                    return "cutoff", (
                        f"ticket issuing stopped {self.cutoff_min} min before closing at {at}"
                    )
                return None
        return "closed", "the hall is not open at this time"

    def opens_at(self, now: datetime) -> datetime | None:
        """When issuing opens next (local time), while it is closed now; None when it is open
        now, or when no session opens for issuing within LOOK_AHEAD_DAYS."""
        if self.issuing_closed(now) is None:
            return None
        local = self.local(now)
        cutoff = timedelta(minutes=self.cutoff_min)
        for offset in range(LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            if day.isoformat() in self.holidays:
                continue
            for opens, closes in self._sessions(day, local.tzinfo, every_day=True):
                if opens > local and opens < closes - cutoff:  # a session shorter than the
                    return opens  # cut-off never issues
        return None

    def sessions_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The hours of one date (open, close; local time): none on a holiday, the whole day
        when no hours are configured at all. Whatever decides a date's hours (holidays, special
        days) belongs here, so that appointments' slots follow it."""
        if day.isoformat() in self.holidays:
            return []
        return self._sessions(day, ZoneInfo(self.timezone), every_day=True)

    def _sessions(
        self, day: date, zone: tzinfo | None, *, every_day: bool = False
    ) -> list[tuple[datetime, datetime]]:
        """The day's sessions (open, close) in local time, touching ones joined. With no hours
        configured at all, `every_day` gives the whole day (open around the clock)."""
        if every_day and not any(self.opening_hours.values()):
            intervals = [["00:00", "24:00"]]
        else:
            intervals = self.opening_hours.get(WEEKDAYS[day.weekday()], [])
        sessions: list[tuple[datetime, datetime]] = []
        for opens_text, closes_text in sorted(intervals):
            opens = datetime.combine(day, parse_hhmm(opens_text) or time(0), zone)
            closes_t = parse_hhmm(closes_text)
            closes = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if closes_t is None
                else datetime.combine(day, closes_t, zone)
            )
            if sessions and opens <= sessions[-1][1]:  # 08:00-12:00 and 12:00-17:00: one
                sessions[-1] = (sessions[-1][0], max(closes, sessions[-1][1]))
            else:
                sessions.append((opens, closes))
        return sessions
