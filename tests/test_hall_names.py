"""The hall's per-language name and marquee (settings `hall_names`, `marquees`): optional,
one text per known locale, bounded like the `name` and `marquee` they stand in for."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server import protocol as p

pytestmark = pytest.mark.unit


def test_they_default_to_nothing_so_the_name_and_marquee_still_show() -> None:
    settings = p.BranchSettings()
    assert settings.hall_names == {} and settings.marquees == {}


def test_one_text_per_known_language() -> None:
    names = {"zh-TW": "服務大廳", "en": "Service hall"}
    settings = p.BranchSettings.model_validate({"hall_names": names, "marquees": {"en": "Hi"}})
    assert settings.model_dump(mode="json")["hall_names"] == names
    with pytest.raises(ValidationError):
        p.BranchSettings.model_validate({"hall_names": {"fr": "Salle"}})


@pytest.mark.parametrize(("field", "most"), [("hall_names", 200), ("marquees", 2000)])
def test_bounded_like_the_name_and_the_marquee(field: str, most: int) -> None:
    p.BranchSettings.model_validate({field: {"en": "x" * most}})
    with pytest.raises(ValidationError):
        p.BranchSettings.model_validate({field: {"en": "x" * (most + 1)}})
