"""Wire models of regions (hall → branch company → headquarters) and the HQ live board."""

from __future__ import annotations

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
