"""The clock: use cases read the time from the one their context carries (`Ctx.clock`), never
from `datetime.now()` themselves, so tests pass a clock they move by hand.

Pure: the standard library only. `utc_now` is the real clock that `create_app`, the `hallq`
commands and the reports use unless they are given another.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""


def utc_now() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)
