"""Events of a hall's set-up and its desks (pure): what changed, not how it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class CounterUpdated:
    """A desk changed: its state, clerk or ticket in hand, or its set-up."""

    type: ClassVar[str] = "counter.updated"
    counter_id: int
    branch_id: int


@dataclass(frozen=True)
class ConfigUpdated:
    """The hall's set-up changed (`what`: branch, service, counter): pages reload it."""

    type: ClassVar[str] = "config.updated"
    branch_id: int
    what: str
    id: int
