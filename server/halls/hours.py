"""Opening hours, holidays, issuing cut-off and the business date, in the branch's timezone.

A branch with no opening hours configured at all is open around the clock (a sensible default
for a fresh install); once any weekday has hours, days without an entry are closed.

A day's hours are sessions (`08:30-12:00, 13:30-17:00`: a lunch break between them). The
cut-off applies to each session before its own close, so issuing stops at 11:40 and opens again
at 13:30; `opens_at` answers when issuing opens next, for the kiosk to say so.

`hours_of(day)` is the one answer to "the hours of this date" that everything uses (issuing and
its cut-off, the kiosk, `open_now`, the alerts' opening hours, the public page): a special day
(`special_days`, the hours of one date: an extra working day, a shortened or extended day, an
extra closed day) overrides the holidays and the weekday's hours.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    special_days: Mapping[str, list[list[str]]] = field(default_factory=dict)

    @property
    def around_the_clock(self) -> bool:
        """No weekday hours configured: open every day all day (bar holidays, special days)."""
        return not any(self.opening_hours.values())

    def hours_of(self, day: date) -> list[list[str]] | None:
        """The opening intervals of `day`: a special day's, else [] on a holiday, else the
        weekday's; None when the hall keeps no hours at all (open around the clock)."""
        key = day.isoformat()
        special = self.special_days.get(key)
        if special is not None:
            return [list(i) for i in special]
        if key in self.holidays:
            return []
        if self.around_the_clock:
            return None
        return [list(i) for i in self.opening_hours.get(WEEKDAYS[day.weekday()], [])]

    def open_now(self, now: datetime) -> bool:
        """The hall is inside one of today's sessions (the cut-off aside: serving goes on)."""
        local = self.local(now)
        sessions = self._sessions(local.date(), local.tzinfo, every_day=True)
        return any(opens <= local < closes for opens, closes in sessions)

    def local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def business_date(self, now: datetime) -> date:
        """The calendar date at the branch: tickets are numbered per business date."""
        return self.local(now).date()

    def special_days_ahead(self, today: date, days: int) -> dict[str, list[list[str]]]:
        """The special days from `today` on, `days` days of them (the public page's list)."""
        last = (today + timedelta(days=days - 1)).isoformat()
        return {
            key: [list(i) for i in hours]
            for key, hours in sorted(self.special_days.items())
            if today.isoformat() <= key <= last
        }

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
        intervals = self.hours_of(local.date())
        if intervals is None:
            return None
        sessions = self._sessions(local.date(), local.tzinfo)
        if not sessions:
            key = local.date().isoformat()
            if key in self.holidays and key not in self.special_days:
                return "holiday", "the hall is closed today (holiday)"
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
            for opens, closes in self._sessions(day, local.tzinfo, every_day=True):
                if opens > local and opens < closes - cutoff:  # a session shorter than the
                    return opens  # cut-off never issues
        return None

    def sessions_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The hours of one date (open, close; local time): none on a holiday, the whole day
        when no hours are configured at all. Whatever decides a date's hours (holidays, special
        days) is in `hours_of`, so that appointments' slots follow it."""
        return self._sessions(day, ZoneInfo(self.timezone), every_day=True)

    def _sessions(
        self, day: date, zone: tzinfo | None, *, every_day: bool = False
    ) -> list[tuple[datetime, datetime]]:
        """The day's sessions (open, close) in local time, touching ones joined. With no hours
        configured at all, `every_day` gives the whole day (open around the clock)."""
        intervals = self.hours_of(day)
        if intervals is None:
            intervals = [["00:00", "24:00"]] if every_day else []
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
