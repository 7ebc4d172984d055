"""The wire format of opening hours: weekday keys and `HH:MM` intervals (`24:00` ends the day)."""

from __future__ import annotations

from datetime import time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(text: str) -> time | None:
    """`"08:30"` → time(8, 30); `"24:00"` → None, meaning the end of the day."""
    hours, minutes = text.split(":")
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return None
    return time(h, m)


def validate_opening_hours(hours: dict[str, list[list[str]]]) -> None:
    """Raise ValueError on an unknown weekday or a malformed/unordered interval."""
    for day, intervals in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}")
        validate_intervals(day, intervals)


def validate_intervals(day: str, intervals: list[list[str]]) -> None:
    """Raise ValueError on a malformed or unordered interval of one day."""
    for interval in intervals:
        if len(interval) != 2:
            raise ValueError(f"{day}: an interval is [open, close]")
        try:
            opens, closes = parse_hhmm(interval[0]), parse_hhmm(interval[1])
        except ValueError:
            raise ValueError(f"{day}: times are HH:MM, got {interval!r}") from None
        if opens is None or (closes is not None and closes <= opens):
            raise ValueError(f"{day}: {interval[0]}-{interval[1]} does not open before closing")
