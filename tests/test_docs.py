"""The README's settings table lists every HALLQ_ setting of server/settings.py, with its default.

To regenerate the table after adding a setting: `.venv/bin/python -m tests.test_docs` prints it.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic.fields import FieldInfo

from server.core.settings import Settings
from tests.support import ROOT

README = ROOT / "README.md"
OPERATIONS = ROOT / "docs" / "operations.md"


def env_name(field: str) -> str:
    return f"HALLQ_{field.upper()}"


def default_text(info: FieldInfo) -> str:
    default: Any = info.get_default(call_default_factory=True)
    return "(unset)" if default is None else f"`{default}`"


def settings_table() -> str:
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name)}` | {default_text(info)} | {description} |")
    return "\n".join(rows)


def readme_rows() -> dict[str, str]:
    """Table rows of the README keyed by the HALLQ_ variable in their first cell."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`(HALLQ_[A-Z0-9_]+)`\s*\|(.*)$", line)
        if match:
            rows[match.group(1)] = line
    return rows


def test_every_setting_is_in_the_readme_table() -> None:
    rows = readme_rows()
    missing = [env_name(n) for n in Settings.model_fields if env_name(n) not in rows]
    assert not missing, (
        f"README.md's settings table lacks {missing}; regenerate it with "
        f"`.venv/bin/python -m tests.test_docs`:\n{settings_table()}"
    )


def test_the_readme_table_is_current() -> None:
    """Defaults and descriptions as in the code, and no row for a setting that is gone."""
    rows = readme_rows()
    expected = {
        line.split("|")[1].strip().strip("`"): line for line in settings_table().splitlines()[2:]
    }
    stale = sorted(set(rows) - set(expected))
    assert not stale, f"README.md documents settings that no longer exist: {stale}"
    for name, line in expected.items():
        assert rows.get(name) == line, f"README row of {name} differs; expected:\n{line}"


def test_the_readme_keeps_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "## Two commands" in text
    assert "make run" in text and "make test" in text


def test_operations_guide_exists_and_covers_its_topics() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    for topic in (
        "HALLQ_BUS_URL=redis://",
        "--workers",
        "Upgrade",
        "pg_dump",
        "pg_restore",
        "hallq backup",
        "hallq db upgrade",
        "proxy_set_header Upgrade",
    ):
        assert topic in text, topic


if __name__ == "__main__":
    print(settings_table())
