"""`hallq export` / `hallq import` carry the front door's settings: special days, the notice
per locale, self_priority, public_issue and display_info; a bad special day is refused with
the place named and nothing written."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.test_cli import HALL_TOML, Hallq

pytestmark = pytest.mark.integration

FRONT_DOOR = """
[branch.settings.special_days]
"2030-10-08" = [["08:30", "12:00"], ["13:30", "17:30"]]
"2030-10-03" = []

[branch.settings.notice]
"zh-CN" = "国庆期间调整办公时间"
en = "Hours change over the holiday"
"""


def with_front_door(text: str) -> str:
    head, _, rest = text.partition("[branch.settings.opening_hours]")
    settings = "public_issue = true\nself_priority = true\ndisplay_info = true\n"
    head = head.replace('marquee = "欢迎 · Welcome"\n', f'marquee = "欢迎 · Welcome"\n{settings}')
    return head + FRONT_DOOR.lstrip() + "\n[branch.settings.opening_hours]" + rest


def test_the_front_door_settings_round_trip(tmp_path: Path) -> None:
    first = Hallq(f"sqlite:///{tmp_path}/first.db")
    second = Hallq(f"sqlite:///{tmp_path}/second.db")
    source = tmp_path / "source.toml"
    source.write_text(with_front_door(HALL_TOML), encoding="utf-8")
    first("import", str(source))
    exported = tmp_path / "hall.toml"
    first("export", str(exported))
    second("import", str(exported))
    again = tmp_path / "again.toml"
    second("export", str(again))
    for path in (exported, again):
        settings = tomllib.loads(path.read_text(encoding="utf-8"))["branch"]["settings"]
        assert settings["special_days"] == {
            "2030-10-08": [["08:30", "12:00"], ["13:30", "17:30"]], "2030-10-03": [],
        }  # fmt: skip
        assert settings["notice"] == {"zh-CN": "国庆期间调整办公时间",
                                      "en": "Hours change over the holiday"}  # fmt: skip
        assert settings["public_issue"] and settings["self_priority"] and settings["display_info"]


def test_a_bad_special_day_is_refused_with_its_place(tmp_path: Path) -> None:
    hallq = Hallq(f"sqlite:///{tmp_path}/hallq.db")
    source = tmp_path / "bad.toml"
    bad = with_front_door(HALL_TOML).replace(
        '"2030-10-03" = []', '"2030-10-03" = [["17:00", "09:00"]]'
    )
    source.write_text(bad, encoding="utf-8")
    out = hallq("import", str(source), code=1)
    assert "special_days" in out and "2030-10-03" in out
