"""Audit records as the API shows them: the stored fields, and names to read them by (the
ticket's number, the counter, where a transfer went, a short detail)."""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy.orm import Session

from server import protocol as p
from server.audit.domain import Stored
from server.stats import repository as repo_stats
from server.stats.figures import Scope
from server.stats.service import Labels


def present(session: Session, scope: Scope, rows: list[Stored]) -> list[p.AuditEntry]:
    labels = Labels.load(session, scope, None)
    datas = [_data(r) for r in rows]
    unnumbered = {
        d["ticket_id"] for d in datas
        if isinstance(d.get("ticket_id"), int) and not _text(_event(d), "number")
    }  # fmt: skip
    numbers = repo_stats.ticket_numbers(session, unnumbered)
    return [_entry(r, d, labels, numbers) for r, d in zip(rows, datas, strict=True)]


def _data(r: Stored) -> dict[str, Any]:
    try:
        found = json.loads(r.data)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _event(data: dict[str, Any]) -> dict[str, Any]:
    event = data.get("event")
    return cast(dict[str, Any], event) if isinstance(event, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _entry(
    r: Stored, data: dict[str, Any], labels: Labels, numbers: dict[int, str]
) -> p.AuditEntry:
    event = _event(data)
    ticket_id, counter_id = _int(data.get("ticket_id")), _int(data.get("counter_id"))
    counter = labels.counters.get(counter_id) if counter_id is not None else None
    number = None  # a counter's row has its counter's "number" in the data: not a ticket's
    if ticket_id is not None:
        number = _text(event, "number") or numbers.get(ticket_id)
    actor = cast(p.audit.Actor, r.actor if r.actor in ("user", "device", "customer") else "system")
    username = r.actor_name if actor == "user" else None
    if actor == "user" and r.user_id is not None:
        username = username or labels.users.get(r.user_id)
    entry = p.AuditEntry(
        id=r.id, ts=r.ts, actor=actor, kind=r.kind, subject=r.subject, data=data, hash=r.hash,
        branch_id=r.branch_id, actor_name=r.actor_name, user_id=r.user_id, username=username,
        device_id=r.device_id, device_name=r.actor_name if actor == "device" else None,
        type=r.kind, seq=_int(data.get("seq")), ticket_id=ticket_id, number=number,
        counter_id=counter_id, counter_number=counter[1] if counter else None,
        detail=_detail(r.kind, event) if "event" in data else _change(data),
    )  # fmt: skip
    if r.kind == "ticket.transferred":
        service_id = _int(event.get("service_id"))
        service = labels.services.get(service_id) if service_id is not None else None
        to_counter = event.get("to_counter")
        entry.to_service_id = service_id
        entry.to_service_name = service[1] if service else None
        entry.to_counter_number = to_counter.get("number") if isinstance(to_counter, dict) else None
    return entry


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return None if value is None else str(value)


def _change(data: dict[str, Any]) -> str | None:
    """A change: the fields it changed, "name: old → new" (short values only)."""
    old, new = data.get("old"), data.get("new")
    if not isinstance(new, dict):
        return None
    old = old if isinstance(old, dict) else {}
    parts = []
    for key, value in new.items():
        before, after = _short(old.get(key)), _short(value)
        parts.append(f"{key}: {before} → {after}" if key in old else f"{key}: {after}")
    return "; ".join(parts)[:500] or None


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _detail(type_: str, data: dict[str, Any]) -> str | None:
    """A short description of a stream event: the new state and its reason or outcome."""
    if type_.startswith("print.") and isinstance(data.get("job"), dict):
        job = data["job"]
        return " ".join(str(x) for x in (job.get("state"), job.get("error")) if x)
    parts = [data.get("state"), data.get("pause_reason"), data.get("outcome")]
    if type_ == "ticket.rated" and data.get("rating") is not None:
        parts.append(f"★{data['rating']}")
    if type_ == "printer.status":
        parts = [
            "online" if data.get("online") else "offline",
            data.get("paper"),
            data.get("detail"),
        ]
    text = " · ".join(str(x) for x in parts if x)
    return text or None
