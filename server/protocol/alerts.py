"""Wire models of alerts (API.md, Alerts) and of the devices' heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

AlertKind = Literal[
    "wait_over_target", "queue_long", "no_open_counter", "service_over_limit", "long_pause",
    "called_not_started", "printer_fault", "paper_low", "device_offline", "complaint_overdue",
]  # fmt: skip
ALERT_KINDS: tuple[str, ...] = AlertKind.__args__  # type: ignore[attr-defined]
ALERT_EVENT_TYPES = ("alert.raised", "alert.cleared", "alert.acknowledged")


class AlertSubject(BaseModel):
    """What the alert is about: one or two of these ids."""

    service_id: int | None = None
    counter_id: int | None = None
    device_id: int | None = None
    ticket_id: int | None = None
    complaint_id: int | None = None


class Alert(BaseModel):
    id: int
    branch_id: int
    kind: str
    subject: AlertSubject
    # Facts for the pages to word in their language: numbers, names, minutes, thresholds.
    detail: dict[str, Any]
    raised_at: datetime
    cleared_at: datetime | None
    acked_at: datetime | None = None
    acked_by: int | None = None
    acked_by_name: str | None = None


DeviceState = Literal["online", "offline", "never_seen", "revoked"]


class DeviceHeartbeat(BaseModel):
    """A device as the monitor shows it: when it was last seen and whether it counts as on."""

    device_id: int
    branch_id: int
    kind: str
    name: str
    last_seen_at: datetime | None
    state: DeviceState
    streaming: bool  # an event stream of this process is open (other workers are not asked)
    printer_online: bool | None = None
    printer_paper: str | None = None
    printer_detail: str | None = None
