"""The branch setting `called_alert_min` of the monitor's "called, not started" alert (issue 13,
item 21): bounded, 5 minutes unless set. The alert itself: tests/test_floor_pages.py."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server import protocol as p

pytestmark = pytest.mark.unit


def test_the_default_is_five_minutes() -> None:
    assert p.BranchSettings().called_alert_min == 5
    assert p.BranchSettings(called_alert_min=36).called_alert_min == 36


@pytest.mark.parametrize("minutes", [0, -1, 24 * 60 + 1, 10**9])
def test_outside_a_minute_to_a_day_is_refused(minutes: int) -> None:
    with pytest.raises(ValidationError):
        p.BranchSettings(called_alert_min=minutes)
