"""What the hall TV shows, folded from the snapshot and the events that follow it.

A pure reducer: `apply(state, message)` returns the next `HallState`; nothing is read from the
network or the clock. The TV page has the same rules in JavaScript (display.js); this module is
what the tests hold those rules to, and what a Python display (or a monitor) can use.

Waiting counts follow the events: every `ticket.*` event carries the ticket's `state` after it
and the `from_state` it left (null for `ticket.issued`). A ticket joins its service's line when
it moves into `waiting` and leaves it when it moves out of `waiting`; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

CALL_EVENTS = frozenset({"ticket.called", "ticket.recalled"})
LEAVES_COUNTER = frozenset(
    {
        "ticket.completed",
        "ticket.no_show",
        "ticket.parked",
        "ticket.transferred",
        "ticket.cancelled",
    }
)


@dataclass(frozen=True)
class CounterView:
    id: int
    number: int
    name: str
    state: str  # closed | open | paused
    ticket_id: int | None = None
    ticket_number: str | None = None


@dataclass(frozen=True)
class CallView:
    ticket_id: int
    number: str
    counter_number: int
    called_at: datetime
    calls: int
    seq: int | None = None  # None for calls that came with the snapshot


@dataclass(frozen=True)
class ServiceView:
    id: int
    prefix: str
    name: Mapping[str, str]
    waiting: int
    estimated_wait_s: int | None  # None: no counter serving it is open
    per_person_s: float | None  # seconds of wait one more person in the line adds


@dataclass(frozen=True)
class HallState:
    seq: int = 0
    recent_limit: int = 8
    counters: Mapping[int, CounterView] = field(default_factory=dict)
    recent: tuple[CallView, ...] = ()
    services: Mapping[int, ServiceView] = field(default_factory=dict)

    def current_calls(self) -> list[CounterView]:
        """Open counters in number order, each with the ticket in its hand (if any)."""
        return sorted(
            (c for c in self.counters.values() if c.state != "closed"), key=lambda c: c.number
        )

    def waiting(self) -> dict[str, int]:
        """Waiting count per service prefix."""
        return {s.prefix: s.waiting for s in self.services.values()}


def _ts(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _seconds(value: Any) -> int | None:
    return None if value is None else int(value)


def _per_person(waiting: int, estimate: int | None) -> float | None:
    return estimate / waiting if waiting > 0 and estimate is not None else None


def from_snapshot(view: Mapping[str, Any], seq: int, recent_limit: int = 8) -> HallState:
    counters = {}
    for c in view.get("counters", []):
        ticket = c.get("ticket") or {}
        counters[int(c["id"])] = CounterView(
            id=int(c["id"]),
            number=int(c["number"]),
            name=str(c.get("name") or ""),
            state=str(c["state"]),
            ticket_id=ticket.get("id"),
            ticket_number=ticket.get("number"),
        )
    services = {
        int(s["id"]): ServiceView(
            id=int(s["id"]),
            prefix=str(s.get("prefix") or s.get("code") or ""),
            name=dict(s.get("name") or {}),
            waiting=int(s["waiting"]),
            estimated_wait_s=_seconds(s.get("estimated_wait_s")),
            per_person_s=_per_person(int(s["waiting"]), _seconds(s.get("estimated_wait_s"))),
        )
        for s in view.get("services", [])
    }
    latest: dict[int, Mapping[str, Any]] = {}  # a recall is listed too: keep the latest call
    for r in view.get("recent_calls", []):
        latest.setdefault(int(r["ticket_id"]), r)
    recent = tuple(
        CallView(
            ticket_id=int(r["ticket_id"]),
            number=str(r["number"]),
            counter_number=int(r["counter_number"]),
            called_at=_ts(r["called_at"]),
            calls=int(r["calls"]),
        )
        for r in latest.values()
    )[:recent_limit]
    return HallState(
        seq=seq, recent_limit=recent_limit, counters=counters, recent=recent, services=services
    )


def apply(state: HallState, message: Mapping[str, Any]) -> HallState:
    """The state after one stream message (snapshot or event); old or repeated seqs are ignored."""
    type_, seq = str(message["type"]), int(message["seq"])
    if type_ == "snapshot":
        return from_snapshot(message["data"], seq, state.recent_limit)
    if seq <= state.seq:
        return state
    data: Mapping[str, Any] = message.get("data") or {}
    state = replace(state, seq=seq)
    if type_ == "counter.updated":
        return _counter_updated(state, data)
    if type_.startswith("ticket.") and "id" in data:
        return _ticket_event(state, type_, seq, _ts(message["ts"]), data)
    return state


def _counter_updated(state: HallState, data: Mapping[str, Any]) -> HallState:
    counter_id = int(data["id"])
    old = state.counters.get(counter_id)
    ticket_id = data.get("ticket_id")
    number = None
    if ticket_id is not None:
        if old is not None and old.ticket_id == ticket_id:
            number = old.ticket_number
        else:
            number = next((c.number for c in state.recent if c.ticket_id == ticket_id), None)
    view = CounterView(
        id=counter_id,
        number=int(data["number"]),
        name=str(data.get("name") or ""),
        state=str(data["state"]),
        ticket_id=ticket_id,
        ticket_number=number,
    )
    return replace(state, counters={**state.counters, counter_id: view})


def _with_waiting(state: HallState, service_id: int, delta: int) -> HallState:
    service = state.services.get(service_id)
    if service is None:
        return state
    waiting = max(0, service.waiting + delta)
    rate = service.per_person_s
    estimate = round(waiting * rate) if rate is not None else service.estimated_wait_s
    updated = replace(service, waiting=waiting, estimated_wait_s=estimate if waiting else 0)
    return replace(state, services={**state.services, service_id: updated})


def _ticket_event(
    state: HallState, type_: str, seq: int, ts: datetime, data: Mapping[str, Any]
) -> HallState:
    ticket_id, service_id = int(data["id"]), int(data.get("service_id") or 0)
    waits, waited = data.get("state") == "waiting", data.get("from_state") == "waiting"
    if waits != waited:
        state = _with_waiting(state, service_id, +1 if waits else -1)
    if waits:
        state = _learn_rate(state, service_id, data)
    if type_ in CALL_EVENTS:
        return _called(state, seq, ts, data)
    if type_ in LEAVES_COUNTER or type_ == "ticket.started":
        counters = dict(state.counters)
        for counter in state.counters.values():
            if counter.ticket_id == ticket_id and type_ != "ticket.started":
                counters[counter.id] = replace(counter, ticket_id=None, ticket_number=None)
        state = replace(state, counters=counters)
    return state


def _learn_rate(state: HallState, service_id: int, data: Mapping[str, Any]) -> HallState:
    """A waiting ticket's own estimate tells how much each person ahead of it adds."""
    service = state.services.get(service_id)
    position, estimate = data.get("position"), data.get("estimated_wait_s")
    if service is None or not position or estimate is None:
        return state
    rate = int(estimate) / int(position)
    updated = replace(service, per_person_s=rate, estimated_wait_s=round(service.waiting * rate))
    return replace(state, services={**state.services, service_id: updated})


def _called(state: HallState, seq: int, ts: datetime, data: Mapping[str, Any]) -> HallState:
    ticket_id, number = int(data["id"]), str(data["number"])
    ref = data.get("counter") or {}
    counter_number = int(ref.get("number", 0))
    call = CallView(
        ticket_id=ticket_id,
        number=number,
        counter_number=counter_number,
        called_at=ts,
        calls=int(data.get("calls") or 1),
        seq=seq,
    )
    recent = (call, *(c for c in state.recent if c.ticket_id != ticket_id))[: state.recent_limit]
    counters = dict(state.counters)
    if "id" in ref:
        counter_id = int(ref["id"])
        old = counters.get(counter_id)
        counters[counter_id] = CounterView(
            id=counter_id,
            number=counter_number,
            name=str(ref.get("name") or ""),
            state=old.state if old else "open",
            ticket_id=ticket_id,
            ticket_number=number,
        )
    return replace(state, recent=recent, counters=counters)
