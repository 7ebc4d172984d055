"""Wire models of regions (hall → branch company → headquarters) and the HQ live board."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from server.protocol.common import Id, Request


class RegionSettings(Request):
    # The board flags a hall not inspected (巡视) within this many days.
    inspection_days: int = Field(7, ge=1, le=366)


class Region(BaseModel):
    id: int
    name: str
    parent_id: int | None
    settings: RegionSettings = Field(default_factory=RegionSettings)


class RegionCreate(Request):
    name: str = Field(min_length=1, max_length=100)
    parent_id: Id | None = None
    settings: RegionSettings | None = None


class RegionPatch(Request):
    name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: Id | None = None
    settings: RegionSettings | None = None


class OverviewTile(BaseModel):
    """One hall on the board: API.md's fields, then the state the tile is coloured by."""

    branch_id: int
    name: str
    region_id: int | None
    open_now: bool
    waiting: int
    open_counters: int
    longest_wait_s: int | None
    served_today: int
    sla_pct_today: float | None
    rating_today: float | None
    active_alerts: int
    # "closed" | "ok" | "busy" (someone waits past the target) | "alert" (active alerts)
    state: str = "ok"
    last_seq: int = 0
    # 巡视: the last inspection's date, and whether it is older than the region's setting
    last_inspected: date | None = None
    inspection_days: int = 7
    inspection_overdue: bool = False


class ChecklistItem(Request):
    item: str = Field(min_length=1, max_length=200)
    ok: bool


class InspectionCreate(Request):
    branch_id: Id
    date: date
    # 0..100; omitted: the share of checklist items that are ok
    score: int | None = Field(None, ge=0, le=100)
    checklist: list[ChecklistItem] = Field(default_factory=list, max_length=100)
    findings: str = Field("", max_length=4000)
    actions: str = Field("", max_length=4000)  # follow-up actions (整改措施)


class Inspection(BaseModel):
    id: int
    branch_id: int
    inspector_id: int | None
    inspector: str
    date: date
    score: int
    checklist: list[ChecklistItem]
    findings: str
    actions: str
    created_at: datetime
