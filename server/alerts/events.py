"""Events of alerts (pure): an alert raised, cleared or acknowledged (API.md, Alerts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class AlertChanged:
    """An alert row changed; the serializer sends the alert as it is now."""

    type: ClassVar[str] = "alert.changed"
    branch_id: int
    alert_id: int


@dataclass(frozen=True)
class AlertRaised(AlertChanged):
    type: ClassVar[str] = "alert.raised"


@dataclass(frozen=True)
class AlertCleared(AlertChanged):
    type: ClassVar[str] = "alert.cleared"


@dataclass(frozen=True)
class AlertAcknowledged(AlertChanged):
    """A manager saw it and says so; recorded (who, when) in the event log and on the row."""

    type: ClassVar[str] = "alert.acknowledged"
