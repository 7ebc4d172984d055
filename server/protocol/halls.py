"""Wire models of a hall's set-up: branches and their settings, services, counters."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from server.protocol.common import CounterState, Id, Locale, Names, Request
from server.protocol.hours import validate_intervals, validate_opening_hours
from server.protocol.results import PublishResults

# ---- branches, services, counters ---------------------------------------------------------

MAX_INTERVALS = 8  # opening intervals per weekday
MAX_HOLIDAYS = 1000  # a few years of public holidays
MAX_SPECIAL_DAYS = 400  # a year of special days, announced ahead
MAX_NOTICE = 2000  # the hall's public notice, per locale
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]


class BranchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opening_hours: dict[
        str, Annotated[list[Annotated[list[HHMM], Field(min_length=2, max_length=2)]],
                       Field(max_length=MAX_INTERVALS)]
    ] = Field(default_factory=dict)  # fmt: skip
    holidays: list[date] = Field(default_factory=list, max_length=MAX_HOLIDAYS)
    cutoff_min: int = Field(0, ge=0, le=24 * 60)
    public_issue: bool = False
    marquee: str = Field("", max_length=2000)
    ticket_footer: str = Field("", max_length=2000)
    voice_templates: dict[Locale, Annotated[str, Field(max_length=500)]] = Field(
        default_factory=dict
    )
    priority_interleave: int = Field(0, ge=0, le=100)
    # Per-locale text of the hall's pages (a locale left out shows `name` / `marquee`):
    hall_names: dict[Locale, Annotated[str, Field(max_length=200)]] = Field(default_factory=dict)
    marquees: dict[Locale, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    priority_boost_min: int | None = Field(None, ge=0, le=24 * 60)
    # Pages and agents (added to API.md's list; all optional):
    offer_priority: bool = False  # the kiosk offers a priority ticket (elderly, disabled, pregnant)
    kiosk_idle_s: int = Field(8, ge=2, le=600)  # kiosk returns to its idle screen after this
    display_recent: int = Field(8, ge=1, le=30)  # calls listed on the TV page
    media_url: str = Field("", max_length=2000)  # image or video shown on the TV page (http(s), /…)
    server_speech: bool = False  # the TV page plays announcements synthesised by the server
    announce_repeat: int = Field(1, ge=1, le=5)
    rating_timeout_s: int = Field(30, ge=5, le=600)  # the rating screen goes idle after this
    pause_alert_min: int = Field(15, ge=1, le=24 * 60)  # alert: counter paused longer
    print_job_ttl_s: int = Field(120, ge=5, le=3600)  # a job not printed by then expires
    # Alert `called_not_started`: a ticket called this long ago and still not started.
    called_alert_min: int = Field(5, ge=1, le=24 * 60)
    complaint_reply_hours: int = Field(48, ge=1, le=24 * 90)  # a complaint's answer is due
    follow_up_due_hours: int = Field(72, ge=1, le=24 * 90)  # a follow-up call is due
    # Alerts (API.md, Alerts): waiting tickets per open counter of a service, and seconds a
    # device may go unseen, before the server raises `queue_long` / `device_offline`.
    queue_alert_per_counter: int = Field(8, ge=1, le=1000)
    device_offline_s: int = Field(120, ge=10, le=24 * 3600)
    # Published results (公开评议结果, docs/decisions.md): off, per service, or per service and
    # per counter, on /results and the TV.
    publish_results: PublishResults = False
    # Appointments (API.md, Appointments): slot length, how far ahead one books, the check-in
    # window around a slot's start, whether the public books without a login, and after how
    # many days the name and phone of a booking are anonymised.
    appointment_slot_min: int = Field(30, ge=5, le=24 * 60)
    appointment_days_ahead: int = Field(7, ge=0, le=366)
    appointment_early_min: int = Field(30, ge=0, le=24 * 60)
    appointment_late_min: int = Field(15, ge=0, le=24 * 60)
    public_booking: bool = False
    appointment_personal_days: int = Field(30, ge=1, le=3650)
    # Opening days and public information (API.md): the hours of one date, overriding the
    # weekday's hours and the holidays ([] closed); the public notice per locale.
    special_days: dict[
        date, Annotated[list[Annotated[list[HHMM], Field(min_length=2, max_length=2)]],
                        Field(max_length=MAX_INTERVALS)]
    ] = Field(default_factory=dict, max_length=MAX_SPECIAL_DAYS)  # fmt: skip
    notice: dict[Locale, Annotated[str, Field(max_length=MAX_NOTICE)]] = Field(default_factory=dict)
    # Kiosks and public callers may take a priority ticket themselves (else staff grant it).
    # `offer_priority` (older name, the kiosk's button) turns it on when it is not set.
    self_priority: bool = False
    # The TV shows the notice and the service commitments (target wait, time limit) in the
    # space of the media when it has none.
    display_info: bool = False

    @model_validator(mode="before")
    @classmethod
    def _older_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("offer_priority") and "self_priority" not in data:
            return {**data, "self_priority": True}
        return data

    @field_validator("special_days")
    @classmethod
    def _special(cls, value: dict[date, list[list[str]]]) -> dict[date, list[list[str]]]:
        for day, intervals in value.items():
            try:
                validate_intervals(day.isoformat(), intervals)
            except ValueError as error:
                raise ValueError(f"special_days {error}") from None
        return value

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        validate_opening_hours(value)
        return value

    @field_validator("media_url")
    @classmethod
    def _media(cls, value: str) -> str:
        """Shown on every TV: a web address or a path of the hall's own server, nothing that
        runs (`javascript:`, `data:`)."""
        url = value.strip()
        own_path = url.startswith("/") and not url.startswith("//")
        if url and not (own_path or url.lower().startswith(("http://", "https://"))):
            raise ValueError("media_url is an http(s):// address or a path starting with /")
        return url


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
    region_id: Id | None = None
    settings: BranchSettings | None = None
    _tz = field_validator("timezone")(_check_timezone)


class BranchPatch(Request):
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = Field(None, max_length=64)
    locale: Locale | None = None
    region: str | None = Field(None, max_length=100)
    region_id: Id | None = None
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
    region_id: int | None = None


class BranchDetail(Branch):
    settings: BranchSettings


class _ServiceFields(Request):
    start_number: int = Field(1, ge=0, le=99999)
    end_number: int = Field(999, ge=0, le=99999)
    target_wait_min: int = Field(15, ge=0, le=24 * 60)
    service_min: float = Field(5.0, gt=0, le=24 * 60)
    daily_quota: int | None = Field(None, ge=1, le=1_000_000)
    max_service_min: int | None = Field(None, ge=1, le=24 * 60)
    active: bool = True
    priority: bool = False  # its tickets are priority tickets (boost, interleave)
    appointment_capacity: int = Field(0, ge=0, le=10_000)  # bookings per slot; 0: not bookable


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
    max_service_min: int | None = Field(None, ge=1, le=24 * 60)
    active: bool | None = None
    priority: bool | None = None
    appointment_capacity: int | None = Field(None, ge=0, le=10_000)


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
    max_service_min: int | None = None
    active: bool
    priority: bool = False
    appointment_capacity: int = 0


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
