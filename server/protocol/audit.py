"""Wire models of the audit trail (API.md "Audit")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

Actor = Literal["user", "device", "customer", "system"]


class AuditEntry(BaseModel):
    """One audit record: `id, ts, actor, kind, subject, data, hash` as stored and chained, and
    names for reading it (the ticket's number, the counter, where a transfer went)."""

    id: int
    ts: datetime
    actor: Actor
    """Who acted: a user, a device, the customer (a public rating, cancel or ticket) or the
    server itself (e.g. a print job that expired, a purge)."""
    kind: str
    """What happened: a stream event type ("ticket.called") or a change ("service.updated",
    "user.created", "auth.login_failed", "audit.purged" …)."""
    subject: str
    """What it happened to: "ticket:12", "service:4", "user:7", "device:3", "branch:1" …"""
    data: dict[str, Any]
    """Its facts: a change's {"old": …, "new": …}; a stream event's {"seq", "ticket_id",
    "counter_id", "event"}. Never a password or token."""
    hash: str
    """SHA-256 over the previous record's hash and this record's canonical form."""
    branch_id: int | None
    actor_name: str | None
    user_id: int | None
    username: str | None
    device_id: int | None
    device_name: str | None
    type: str
    """= kind (the name the Audit tab used before the trail)."""
    seq: int | None = None
    ticket_id: int | None = None
    number: str | None = None
    counter_id: int | None = None
    counter_number: int | None = None
    detail: str | None = None
    to_service_id: int | None = None
    """A transfer: the queue (service) the ticket went to, its name by locale, and the counter
    when it was sent to one."""
    to_service_name: dict[str, str] | None = None
    to_counter_number: int | None = None


class AuditVerify(BaseModel):
    """`ok` with the number of records checked and the head hash; or the first bad record:
    {"id", "reason": "changed" | "gap" | "after_head" | "missing" | "head" | "base", …}."""

    ok: bool
    records: int
    head: str
    first_bad: dict[str, Any] | None = None
