"""Webhooks: receivers of a hall's events and the log of their deliveries (API.md, "Webhooks")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.protocol.common import Id, Request

WebhookFormat = Literal["json", "wecom", "dingtalk"]
EventType = Annotated[str, Field(min_length=1, max_length=32)]
Url = Annotated[str, Field(min_length=1, max_length=2000)]
Secret = Annotated[str, Field(min_length=8, max_length=200, pattern=r"^[\x21-\x7e]+$")]


class WebhookCreate(Request):
    """`branch_id`: the hall whose events it receives; `region_id`: every hall of the region's
    subtree, halls added later included (not both); neither: every hall (admins only).
    `secret`: generated when not given."""

    url: Url
    events: Annotated[list[EventType], Field(min_length=1, max_length=50)]
    branch_id: Id | None = None
    region_id: Id | None = None
    format: WebhookFormat = "json"
    secret: Secret | None = None


class WebhookPatch(Request):
    """Fields to change; a new `secret` replaces the old one (it is not shown again)."""

    url: Url | None = None
    events: Annotated[list[EventType], Field(min_length=1, max_length=50)] | None = None
    format: WebhookFormat | None = None
    secret: Secret | None = None
    active: bool | None = None


class Webhook(BaseModel):
    id: int
    url: str
    events: list[str]
    branch_id: int | None
    region_id: int | None = None
    format: WebhookFormat
    active: bool
    created_at: datetime
    secret: str | None = None
    """Only in the answer to its creation: it is never shown again."""


class WebhookDelivery(BaseModel):
    id: int
    event_type: str
    attempts: int
    last_status: int | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    seq: int
    created_at: datetime
    last_error: str | None = None
