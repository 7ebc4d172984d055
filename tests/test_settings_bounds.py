"""Hall settings have bounded sizes and safe values: they are served to every display and read
on every issue, so an unbounded value costs every page and every ticket."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from server import protocol as p

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "settings",
    [
        {"voice_templates": {"en": "x" * 5_000_000}},
        {"holidays": [date(2026, 1, 1) + timedelta(days=i) for i in range(200_000)]},
        {"opening_hours": {"mon": [["08:00", "09:00"]] * 50}},
        {"media_url": "javascript:alert(1)"},
        {"media_url": "data:text/html,<script>alert(1)</script>"},
        {"media_url": "//elsewhere.example/x.mp4"},
    ],
    ids=["huge-template", "200k-holidays", "50-intervals", "javascript", "data", "other-host"],
)
def test_an_oversized_or_unsafe_setting_is_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        p.BranchSettings.model_validate(settings)


@pytest.mark.parametrize("url", ["", "https://hall.example/intro.mp4", "/media/poster.png"])
def test_a_web_address_or_a_path_of_the_hall_is_a_media_url(url: str) -> None:
    assert p.BranchSettings(media_url=url).media_url == url
