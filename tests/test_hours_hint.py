"""The opening-hours hint of the configuration page says what the hours do (issue 13, item 22):
an empty day is closed, but seven empty days are open around the clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from server.halls.hours import Schedule
from tests.support import ROOT

pytestmark = pytest.mark.unit

SUNDAY_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # a Sunday, 03:00 in UTC
TUESDAY_10AM = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def hints() -> dict[str, str]:
    text = (ROOT / "server/web/static/admin/i18n.js").read_text(encoding="utf-8")
    return dict(
        zip(("zh-CN", "zh-TW", "en"), re.findall(r'hoursHint: "([^"]*)"', text), strict=True)
    )


def test_seven_empty_days_are_open_around_the_clock() -> None:
    assert Schedule("UTC").issuing_closed(SUNDAY_3AM) is None
    assert Schedule("UTC", {"mon": [], "tue": []}).issuing_closed(SUNDAY_3AM) is None


def test_once_a_day_has_hours_an_empty_day_is_closed() -> None:
    hours = {"mon": [["08:30", "17:00"]]}
    closed = Schedule("UTC", hours).issuing_closed(TUESDAY_10AM)
    assert closed is not None and closed[0] == "closed"


def test_the_hint_says_both_in_every_language() -> None:
    said = hints()
    assert "留空为当天休息" in said["zh-CN"] and "24 小时开放" in said["zh-CN"]
    assert "留空為當天休息" in said["zh-TW"] and "24 小時開放" in said["zh-TW"]
    assert "empty day is closed" in said["en"] and "open 24 hours" in said["en"]
