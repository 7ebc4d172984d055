"""Which alert conditions hold in a hall now: pure rules over a snapshot of it.

A condition is identified by its kind and its subject (`key`, e.g. `service:3`): while the same
(kind, key) holds, it is one alert, raised once and cleared once when it no longer holds. The
snapshot is read by server/alerts/conditions.py; nothing here touches a database or a clock.

Beside the conditions, `evaluate` says when the next one will start by the passing of time
alone (a ticket reaching its service's target, a pause reaching its limit), so the evaluator
can wake up then instead of at its next round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Thresholds:
    """The branch settings that bound the alerts (API.md, Alerts)."""

    queue_per_counter: int = 8
    pause_min: int = 15
    called_min: int = 5
    device_offline_s: int = 120


@dataclass(frozen=True)
class ServiceView:
    id: int
    prefix: str
    target_wait_min: int
    max_service_min: float | None = None  # None: no limit (or the field does not exist yet)


@dataclass(frozen=True)
class TicketView:
    id: int
    service_id: int
    number: str
    state: str
    queued_at: datetime
    called_at: datetime | None = None
    started_at: datetime | None = None
    counter_id: int | None = None


@dataclass(frozen=True)
class Queue:
    """A service's waiting tickets, as far as the alerts need them: how many, the oldest, and
    how many have waited longer than the service's target (then also the oldest's number)."""

    waiting: int
    oldest_queued_at: datetime
    over_target: int = 0
    oldest_number: str | None = None


def queues(
    tickets: Iterable[TicketView], services: Iterable[ServiceView], now: datetime
) -> dict[int, Queue]:
    """The queues of the waiting ones of `tickets` (the repository counts them in SQL instead:
    a hall's queue can be thousands long, and is read at every round)."""
    targets = {s.id: timedelta(minutes=s.target_wait_min) for s in services}
    by_service: dict[int, list[TicketView]] = {}
    for ticket in tickets:
        if ticket.state == "waiting":
            by_service.setdefault(ticket.service_id, []).append(ticket)
    out = {}
    for service_id, waiting in by_service.items():
        first = min(waiting, key=lambda t: t.queued_at)
        target = targets.get(service_id, timedelta(0))
        over = sum(1 for t in waiting if target and now - t.queued_at > target)
        out[service_id] = Queue(len(waiting), first.queued_at, over, first.number if over else None)
    return out


@dataclass(frozen=True)
class CounterView:
    id: int
    number: int
    state: str
    service_ids: tuple[int, ...] = ()
    paused_since: datetime | None = None
    pause_reason: str | None = None
    clerk: str | None = None


@dataclass(frozen=True)
class DeviceView:
    id: int
    kind: str
    name: str
    last_seen_at: datetime | None = None
    printer_online: bool | None = None
    printer_paper: str | None = None
    printer_detail: str | None = None


@dataclass(frozen=True)
class Hall:
    now: datetime
    open_now: bool  # within opening hours (no hours configured: always)
    thresholds: Thresholds
    services: Sequence[ServiceView] = ()
    queues: Mapping[int, Queue] = field(default_factory=dict)  # by service id: today's waiting
    tickets: Sequence[TicketView] = ()  # today's called and serving tickets (waiting: ignored)
    counters: Sequence[CounterView] = ()
    devices: Sequence[DeviceView] = ()


@dataclass(frozen=True)
class Condition:
    kind: str
    key: str
    subject: dict[str, int]
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ident(self) -> tuple[str, str]:
        return self.kind, self.key


@dataclass(frozen=True)
class Evaluation:
    conditions: list[Condition]
    next_due: datetime | None  # when a condition starts next by time alone (None: not known)


class _Due:
    def __init__(self) -> None:
        self.at: datetime | None = None

    def add(self, at: datetime) -> None:
        if self.at is None or at < self.at:
            self.at = at


def evaluate(hall: Hall) -> Evaluation:
    due = _Due()
    found = [
        *_services(hall, due),
        *_counters(hall, due),
        *_tickets(hall, due),
        *_devices(hall, due),
    ]
    return Evaluation(found, due.at)


def _minutes(seconds: float) -> int:
    return int(seconds // 60)


def _services(hall: Hall, due: _Due) -> Iterable[Condition]:
    open_by_service: dict[int, int] = {}
    for counter in hall.counters:
        if counter.state == "open":
            for service_id in counter.service_ids:
                open_by_service[service_id] = open_by_service.get(service_id, 0) + 1
    for service in hall.services:
        queue = hall.queues.get(service.id)
        if queue is None or not queue.waiting:
            continue
        subject = {"service_id": service.id}
        key = f"service:{service.id}"
        base = {"service": service.prefix, "waiting": queue.waiting}
        if service.target_wait_min > 0:
            target = timedelta(minutes=service.target_wait_min)
            if queue.over_target:
                yield Condition("wait_over_target", key, subject, base | {
                    "over": queue.over_target, "number": queue.oldest_number,
                    "waited_min": _minutes((hall.now - queue.oldest_queued_at).total_seconds()),
                    "target_wait_min": service.target_wait_min,
                })  # fmt: skip
            else:
                due.add(queue.oldest_queued_at + target + timedelta(microseconds=1))
        open_counters = open_by_service.get(service.id, 0)
        if open_counters == 0:
            if hall.open_now:
                yield Condition("no_open_counter", key, subject, base)
        elif queue.waiting > hall.thresholds.queue_per_counter * open_counters:
            yield Condition("queue_long", key, subject, base | {
                "open_counters": open_counters, "per_counter": hall.thresholds.queue_per_counter,
            })  # fmt: skip


def _counters(hall: Hall, due: _Due) -> Iterable[Condition]:
    limit = timedelta(minutes=hall.thresholds.pause_min)
    for counter in hall.counters:
        if counter.state != "paused" or counter.paused_since is None:
            continue
        since = counter.paused_since
        if hall.now - since > limit:
            yield Condition("long_pause", f"counter:{counter.id}", {"counter_id": counter.id}, {
                "counter": counter.number, "clerk": counter.clerk,
                "reason": counter.pause_reason or "", "since": since.isoformat(),
                "paused_min": _minutes((hall.now - since).total_seconds()),
                "limit_min": hall.thresholds.pause_min,
            })  # fmt: skip
        else:
            due.add(since + limit + timedelta(microseconds=1))


def _tickets(hall: Hall, due: _Due) -> Iterable[Condition]:
    counters = {c.id: c for c in hall.counters}
    services = {s.id: s for s in hall.services}
    called_limit = timedelta(minutes=hall.thresholds.called_min)
    for ticket in hall.tickets:
        counter = counters.get(ticket.counter_id) if ticket.counter_id else None
        subject = {"ticket_id": ticket.id}
        if counter is not None:
            subject["counter_id"] = counter.id
        where = {"number": ticket.number, "counter": counter.number if counter else None,
                 "clerk": counter.clerk if counter else None}  # fmt: skip
        if ticket.state == "called" and ticket.called_at is not None:
            if hall.now - ticket.called_at > called_limit:
                yield Condition("called_not_started", f"ticket:{ticket.id}", subject, where | {
                    "called_min": _minutes((hall.now - ticket.called_at).total_seconds()),
                    "limit_min": hall.thresholds.called_min,
                })  # fmt: skip
            else:
                due.add(ticket.called_at + called_limit + timedelta(microseconds=1))
        service = services.get(ticket.service_id)
        limit_min = service.max_service_min if service else None
        if ticket.state == "serving" and ticket.started_at is not None and limit_min:
            limit = timedelta(minutes=limit_min)
            if hall.now - ticket.started_at > limit:
                yield Condition("service_over_limit", f"ticket:{ticket.id}", subject, where | {
                    "service": service.prefix if service else None,
                    "served_min": _minutes((hall.now - ticket.started_at).total_seconds()),
                    "limit_min": limit_min,
                })  # fmt: skip
            else:
                due.add(ticket.started_at + limit + timedelta(microseconds=1))


def _devices(hall: Hall, due: _Due) -> Iterable[Condition]:
    offline_after = timedelta(seconds=hall.thresholds.device_offline_s)
    for device in hall.devices:
        subject = {"device_id": device.id}
        key = f"device:{device.id}"
        named = {"device": device.name, "device_kind": device.kind}
        if device.last_seen_at is not None:
            if hall.now - device.last_seen_at > offline_after:
                yield Condition("device_offline", key, subject, named | {
                    "last_seen_at": device.last_seen_at.isoformat(),
                    "offline_s": hall.thresholds.device_offline_s,
                })  # fmt: skip
            else:
                due.add(device.last_seen_at + offline_after + timedelta(microseconds=1))
        if device.kind != "kiosk" or device.printer_online is None:
            continue
        printer = named | {"online": device.printer_online, "paper": device.printer_paper,
                           "printer_detail": device.printer_detail}  # fmt: skip
        if not device.printer_online or device.printer_paper == "out":
            yield Condition("printer_fault", key, subject, printer)
        elif device.printer_paper == "near_end":
            yield Condition("paper_low", key, subject, printer)


@dataclass(frozen=True)
class Changes:
    raise_: list[Condition]
    clear: list[int]  # ids of active alerts whose condition ended


def changes(active: dict[tuple[str, str], int], now_holding: Iterable[Condition]) -> Changes:
    """What to raise and what to clear, given the active alerts ((kind, key) → id)."""
    holding = {c.ident: c for c in now_holding}
    raise_ = [c for ident, c in holding.items() if ident not in active]
    clear = [alert_id for ident, alert_id in active.items() if ident not in holding]
    return Changes(raise_, clear)
