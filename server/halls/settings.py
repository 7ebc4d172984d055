"""A branch's settings as the typed `BranchSettings` model, parsed once per stored value.

The branch row keeps its settings as JSON. Every reader takes them through `branch_settings`,
never as a raw dict: one model holds the defaults and the bounds. The parsed model is kept on
the row beside the value it was parsed from; a change of settings assigns a new value (the JSON
column only sees assignments), so the next read parses again.
"""

from __future__ import annotations

from typing import Any

from server import protocol as p
from server.core.models import Branch

_PARSED = "_hallq_settings"


def priority_boost_min(branch: Branch, installation_default: int) -> int:
    """The hall's bounded boost of priority tickets, minutes: its own, else the installation's
    (`HALLQ_PRIORITY_BOOST_MIN`)."""
    configured = branch_settings(branch).priority_boost_min
    return installation_default if configured is None else configured


def branch_settings(branch: Branch) -> p.BranchSettings:
    raw: Any = branch.settings
    kept: tuple[Any, p.BranchSettings] | None = branch.__dict__.get(_PARSED)
    if kept is not None and kept[0] is raw:
        return kept[1]
    parsed = p.BranchSettings.model_validate(raw or {})
    branch.__dict__[_PARSED] = (raw, parsed)
    return parsed
