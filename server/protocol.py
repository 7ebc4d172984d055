"""Wire models of API v1 — the only server module that clients may import.

Requests forbid unknown fields, so a typo is a 422 `validation_error`, not silently ignored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Locale = Literal["zh-CN", "zh-TW", "en"]
LOCALES: tuple[Locale, ...] = ("zh-CN", "zh-TW", "en")
Role = Literal["admin", "manager", "clerk"]
DeviceKind = Literal["kiosk", "display"]
TicketStateName = Literal["waiting", "called", "serving", "parked", "done", "no_show", "cancelled"]
Priority = Literal["normal", "priority", "appointment"]
Channel = Literal["kiosk", "web", "counter", "api", "appointment"]
CounterState = Literal["closed", "open", "paused"]
QueuePosition = Literal["original", "front", "back"]
Names = dict[Locale, Annotated[str, Field(min_length=1, max_length=200)]]
Id = Annotated[int, Field(ge=1, le=2**62)]
EVENT_TYPES = (
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.completed",
    "ticket.no_show", "ticket.requeued", "ticket.transferred", "ticket.parked",
    "ticket.cancelled", "counter.updated", "print.requested", "print.completed",
    "print.failed", "printer.status",
)  # fmt: skip


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    error: str
    detail: str


# ---- auth and users ---------------------------------------------------------------------


class LoginRequest(Request):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    branch_ids: list[int]
    active: bool = True


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut


class UserCreate(Request):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    branch_ids: list[Id] = Field(default_factory=list, max_length=1000)


class UserPatch(Request):
    password: str | None = Field(None, min_length=8, max_length=200)
    role: Role | None = None
    branch_ids: list[Id] | None = Field(None, max_length=1000)
    active: bool | None = None


class DeviceCreate(Request):
    kind: DeviceKind
    name: str = Field(min_length=1, max_length=100)
    branch_id: Id


class DeviceOut(BaseModel):
    id: int
    kind: DeviceKind
    name: str
    branch_id: int
    token: str | None = None
    revoked: bool = False


# ---- branches, services, counters ---------------------------------------------------------

HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]


class BranchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opening_hours: dict[str, list[Annotated[list[HHMM], Field(min_length=2, max_length=2)]]] = (
        Field(default_factory=dict)
    )
    holidays: list[date] = Field(default_factory=list)
    cutoff_min: int = Field(0, ge=0, le=24 * 60)
    public_issue: bool = False
    marquee: str = Field("", max_length=2000)
    ticket_footer: str = Field("", max_length=2000)
    voice_templates: dict[Locale, str] = Field(default_factory=dict)
    priority_interleave: int = Field(0, ge=0, le=100)
    priority_boost_min: int | None = Field(None, ge=0, le=24 * 60)
    # Pages and agents (added to API.md's list; all optional):
    offer_priority: bool = False  # the kiosk offers a priority ticket (elderly, disabled, pregnant)
    kiosk_idle_s: int = Field(8, ge=2, le=600)  # kiosk returns to its idle screen after this
    display_recent: int = Field(8, ge=1, le=30)  # calls listed on the TV page
    media_url: str = Field("", max_length=2000)  # image or video shown on the TV page
    server_speech: bool = False  # the TV page plays announcements synthesised by the server
    announce_repeat: int = Field(1, ge=1, le=5)
    rating_timeout_s: int = Field(30, ge=5, le=600)  # the rating screen goes idle after this
    pause_alert_min: int = Field(30, ge=1, le=24 * 60)  # monitor alert: counter paused longer

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        from server.domain.hours import validate_opening_hours

        validate_opening_hours(value)
        return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}") from None
    return value


class BranchCreate(Request):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field("Asia/Shanghai", max_length=64)
    locale: Locale = "zh-CN"
    region: str | None = Field(None, max_length=100)
    settings: BranchSettings | None = None
    _tz = field_validator("timezone")(_check_timezone)


class BranchPatch(Request):
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = Field(None, max_length=64)
    locale: Locale | None = None
    region: str | None = Field(None, max_length=100)
    settings: BranchSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)


class Branch(BaseModel):
    id: int
    name: str
    timezone: str
    locale: Locale
    region: str | None


class BranchDetail(Branch):
    settings: BranchSettings


class _ServiceFields(Request):
    start_number: int = Field(1, ge=0, le=99999)
    end_number: int = Field(999, ge=0, le=99999)
    target_wait_min: int = Field(15, ge=0, le=24 * 60)
    service_min: float = Field(5.0, gt=0, le=24 * 60)
    daily_quota: int | None = Field(None, ge=1, le=1_000_000)
    active: bool = True


class ServiceCreate(_ServiceFields):
    branch_id: Id = 1
    code: str = Field(min_length=1, max_length=32)
    prefix: str = Field(pattern=r"^[A-Z]{1,3}$")
    name: Names

    @model_validator(mode="after")
    def _range(self) -> ServiceCreate:
        if self.end_number < self.start_number:
            raise ValueError("end_number must not be below start_number")
        return self


class ServicePatch(Request):
    code: str | None = Field(None, min_length=1, max_length=32)
    prefix: str | None = Field(None, pattern=r"^[A-Z]{1,3}$")
    name: Names | None = None
    start_number: int | None = Field(None, ge=0, le=99999)
    end_number: int | None = Field(None, ge=0, le=99999)
    target_wait_min: int | None = Field(None, ge=0, le=24 * 60)
    service_min: float | None = Field(None, gt=0, le=24 * 60)
    daily_quota: int | None = Field(None, ge=1, le=1_000_000)
    active: bool | None = None


class Service(BaseModel):
    id: int
    branch_id: int
    code: str
    prefix: str
    name: dict[str, str]
    start_number: int
    end_number: int
    target_wait_min: int
    service_min: float
    daily_quota: int | None
    active: bool


class CounterCreate(Request):
    branch_id: Id = 1
    number: int = Field(ge=1, le=9999)
    name: str = Field("", max_length=100)
    service_ids: list[Id] = Field(default_factory=list, max_length=100)
    priority_interleave: int | None = Field(None, ge=0, le=100)


class CounterPatch(Request):
    number: int | None = Field(None, ge=1, le=9999)
    name: str | None = Field(None, max_length=100)
    service_ids: list[Id] | None = Field(None, max_length=100)
    priority_interleave: int | None = Field(None, ge=0, le=100)


class Counter(BaseModel):
    id: int
    branch_id: int
    number: int
    name: str
    service_ids: list[int]
    state: CounterState
    pause_reason: str | None
    clerk_id: int | None
    ticket_id: int | None
    priority_interleave: int | None = None


# ---- tickets ------------------------------------------------------------------------------


class TicketCreate(Request):
    service_id: Id
    priority: Priority = "normal"
    channel: Channel | None = None
    kiosk_id: Id | None = None
    locale: Locale | None = None


class Ticket(BaseModel):
    id: int
    public_id: str
    branch_id: int
    service_id: int
    number: str
    business_date: date
    state: TicketStateName
    priority: Priority
    channel: str
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    counter_id: int | None
    clerk_id: int | None
    calls: int
    position: int | None
    estimated_wait_s: int | None
    outcome: str | None
    rating: int | None
    locale: str | None = None


class PublicTicket(BaseModel):
    number: str
    state: TicketStateName
    position: int | None
    estimated_wait_s: int | None
    service: dict[str, str]
    counter: dict[str, Any] | None
    issued_at: datetime | None = None
    branch: str | None = None
    rated: bool = False  # the mobile page offers a rating once the ticket is done and not rated


class CounterRef(BaseModel):
    id: int
    number: int
    name: str


# ---- counter actions ----------------------------------------------------------------------


class PauseRequest(Request):
    reason: str = Field("", max_length=200)


class CallNextRequest(Request):
    complete_current: bool = False


class CallRequest(Request):
    ticket_id: Id
    complete_current: bool = False


class CompleteRequest(Request):
    outcome: str | None = Field(None, max_length=200)


class TransferRequest(Request):
    service_id: Id | None = None
    counter_id: Id | None = None
    position: QueuePosition = "original"

    @model_validator(mode="after")
    def _one_target(self) -> TransferRequest:
        if (self.service_id is None) == (self.counter_id is None):
            raise ValueError("give exactly one of service_id and counter_id")
        return self


class ResumeRequest(Request):
    ticket_id: Id
    complete_current: bool = False


class RequeueRequest(Request):
    position: QueuePosition = "back"


class CounterActionResult(BaseModel):
    counter: Counter
    ticket: Ticket | None


# ---- queue view and events ----------------------------------------------------------------


class QueueService(BaseModel):
    id: int
    code: str
    prefix: str
    name: dict[str, str]
    waiting: int
    estimated_wait_s: int
    open: bool = True  # a ticket can be issued now
    closed_reason: Literal["closed", "cutoff", "holiday", "quota_reached"] | None = None
    target_wait_min: int = 15


class QueueTicketRef(BaseModel):
    id: int
    number: str
    state: TicketStateName


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


class Event(BaseModel):
    seq: int
    type: str
    ts: datetime
    data: dict[str, Any]


class Me(BaseModel):
    """Who a token belongs to: a user (id, username, role, branch_ids) or a device."""

    kind: Literal["user", "device"]
    id: int
    username: str | None = None
    role: str
    branch_ids: list[int]
    name: str | None = None


# ---- printing -----------------------------------------------------------------------------

PrintJobState = Literal["pending", "printed", "failed"]
Paper = Literal["ok", "near_end", "out"]


class PrintJob(BaseModel):
    """Everything a kiosk agent needs to render the ticket, in the ticket's language."""

    id: int
    branch_id: int
    kiosk_id: int
    ticket_id: int
    state: PrintJobState
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    locale: Locale
    ticket: Ticket
    branch_name: str
    service_name: dict[str, str]
    footer: str
    public_url: str


class PrintResult(Request):
    ok: bool
    error: str | None = Field(None, max_length=500)


class PrinterStatusReport(Request):
    online: bool
    paper: Paper = "ok"
    detail: str | None = Field(None, max_length=500)


class PrinterStatus(BaseModel):
    online: bool
    paper: Paper
    detail: str | None
    reported_at: datetime


class Kiosk(BaseModel):
    id: int
    branch_id: int
    name: str
    printer: PrinterStatus | None
    pending_jobs: int


class ReprintRequest(Request):
    kiosk_id: Id


class RatingRequest(Request):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)


class Health(BaseModel):
    status: str
    database: str
    bus: str
    version: str


# ---- statistics and audit (manager) ---------------------------------------------------------

StatsGroup = Literal["service", "counter", "clerk", "hour", "day", "branch"]


class WaitFigures(BaseModel):
    mean: float | None
    median: float | None
    p90: float | None
    max: float | None


class ServiceFigures(BaseModel):
    mean: float | None
    median: float | None
    p90: float | None


class RatingFigures(BaseModel):
    mean: float | None
    count: int


class StatsSummary(BaseModel):
    """Seconds; `called` counts the waits measured (a transferred ticket waits once per queue)."""

    issued: int
    served: int
    no_show: int
    cancelled: int
    waiting_now: int
    called: int
    wait_s: WaitFigures
    service_s: ServiceFigures
    sla_pct: float | None
    rating: RatingFigures


class StatsRow(StatsSummary):
    key: int | str | None  # service/counter/clerk/branch id, hour 0-23, day "YYYY-MM-DD"
    label: str


class AuditEntry(BaseModel):
    """One `ticket_event` row: who (user or device) did what, when, at which counter."""

    id: int
    seq: int
    branch_id: int
    ts: datetime
    type: str
    ticket_id: int | None
    number: str | None
    counter_id: int | None
    counter_number: int | None
    user_id: int | None
    username: str | None
    device_id: int | None
    device_name: str | None
    detail: str | None


class StatsBucket(BaseModel):
    """Waits with from_s ≤ wait < to_s (to_s null: no upper bound)."""

    from_s: int
    to_s: int | None
    count: int
