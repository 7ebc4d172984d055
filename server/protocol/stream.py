"""Wire models of the queue view and the event stream."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from server.protocol.common import CounterState, TicketStateName

# ---- queue view and events ----------------------------------------------------------------


class QueueService(BaseModel):
    id: int
    code: str
    prefix: str
    name: dict[str, str]
    waiting: int
    estimated_wait_s: int | None  # None: no counter serving it is open
    open_counters: int = 0  # open counters serving it (0: "no counter open", no estimate)
    open: bool = True  # a ticket can be issued now
    closed_reason: Literal["closed", "cutoff", "holiday", "quota_reached"] | None = None
    target_wait_min: int = 15
    max_service_min: int | None = None  # the time limit of one service (限时办结)


class QueueTicketRef(BaseModel):
    id: int
    number: str
    state: TicketStateName
    service_id: int | None = None
    # when its service began (started, else called): the monitor's time against the limit
    serving_since: datetime | None = None


class QueueCounter(BaseModel):
    id: int
    number: int
    name: str
    state: CounterState
    pause_reason: str | None
    ticket: QueueTicketRef | None
    service_ids: list[int] = Field(default_factory=list)
    clerk_id: int | None = None


class RecentCall(BaseModel):
    ticket_id: int
    number: str
    counter_number: int
    called_at: datetime
    calls: int


class QueueView(BaseModel):
    seq: int
    branch_id: int
    business_date: date
    services: list[QueueService]
    counters: list[QueueCounter]
    recent_calls: list[RecentCall]
    # While the hall does not issue (lunch break, after the cut-off, closed day): when issuing
    # opens next, in the branch's time; null while it issues or when no opening is scheduled.
    opens_at: datetime | None = None
    # Today's opening hours (a special day's, else the weekday's; [] closed today, null: the
    # hall keeps no hours, open around the clock), for the kiosk and the TV to show.
    hours_today: list[list[str]] | None = None


class Event(BaseModel):
    seq: int
    type: str
    ts: datetime
    data: dict[str, Any]
