"""Display numbers: prefix + the n-th number of the day inside the service's range, wrapping.

The identity of a ticket is its id; the display number may repeat after the range wraps
(a range of 1..999 wraps at the 1000th ticket of the day). `daily_seq` — the count of tickets
issued for (branch, service, business date) — is unique and gap-free and backed by a unique
constraint in the database.
"""

from __future__ import annotations


def number_for(daily_seq: int, *, prefix: str, start: int, end: int) -> str:
    """Display number of the `daily_seq`-th ticket of the day (1-based): `A012`."""
    if daily_seq < 1:
        raise ValueError("daily_seq starts at 1")
    span = end - start + 1
    value = start + (daily_seq - 1) % span
    width = max(3, len(str(end)))
    return f"{prefix}{value:0{width}d}"
