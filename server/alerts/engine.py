"""The alert evaluator: the server's own task, whether or not anyone watches.

The process that holds the lease (`alert_lease`, one row, renewed each round and taken over
once it has expired) reads halls' conditions and compares them with the stored active alerts:
a new condition raises an alert (`alert.raised`), an ended one clears it (`alert.cleared`).
It reads a hall when it may have changed (server/alerts/watch.py): soon after the hall's
events (`poke`), when a condition of it is due by time alone, and at the timed rounds every
`HALLQ_ALERTS_INTERVAL_S` (2 s), which find the halls whose seq moved or whose devices came
and went, and sweep a share of all halls (each within `HALLQ_ALERTS_SWEEP_S`, all of them at
the first round of a lease). Only one process of an installation evaluates, on SQLite and on
PostgreSQL alike; should two ever run at once (a lease taken over from a process that stalled),
each change is applied under the branch's lock against the alerts stored then, and the partial
unique index on active alerts refuses a second row for one condition. Alerts are rows: a
restart finds them and raises nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.alerts import board as _board  # noqa: F401  (the HQ board's active alerts)
from server.alerts import complaints as _complaints  # noqa: F401  (its condition source)
from server.alerts.conditions import Reading
from server.alerts.conditions import readings as read_halls
from server.alerts.domain import Condition, changes
from server.alerts.events import AlertCleared, AlertRaised
from server.alerts.heartbeats import flush_seen
from server.alerts.models import Alert
from server.alerts.watch import Watch
from server.core import lease
from server.core.context import Ctx
from server.core.hub import EventHub, channel_prefix
from server.core.lease import holder_id
from server.core.models import Branch
from server.core.run import write
from server.core.seen import SeenDevices
from server.core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
LEASE = "alerts"
LEASE_S = 10.0  # a stopped leader's lease is taken over after this


def take_lease(uow: UnitOfWork, holder: str, ttl_s: float = LEASE_S, name: str = LEASE) -> bool:
    """The evaluator's lease (server/core/lease.py)."""
    return lease.take_lease(uow, holder, ttl_s, name)


def release_lease(uow: UnitOfWork, holder: str, name: str = LEASE) -> None:
    return lease.release_lease(uow, holder, name)


def active_alerts(uow_or_session: object, branch_id: int) -> dict[tuple[str, str], int]:
    session = getattr(uow_or_session, "session", uow_or_session)
    rows = session.execute(  # type: ignore[attr-defined]
        select(Alert.kind, Alert.key, Alert.id).where(
            Alert.branch_id == branch_id, Alert.cleared_at.is_(None)
        )
    ).all()
    return {(kind, key): alert_id for kind, key, alert_id in rows}


def active_by_branch(
    session: Session, branch_ids: set[int] | None
) -> dict[int, dict[tuple[str, str], int]]:
    """The active alerts of the halls `branch_ids` (None: all), in one query."""
    query = select(Alert.branch_id, Alert.kind, Alert.key, Alert.id).where(
        Alert.cleared_at.is_(None)
    )
    if branch_ids is not None:
        query = query.where(Alert.branch_id.in_(sorted(branch_ids)))
    out: dict[int, dict[tuple[str, str], int]] = {}
    for branch_id, kind, key, alert_id in session.execute(query):
        out.setdefault(branch_id, {})[(kind, key)] = alert_id
    return out


def apply(
    uow: UnitOfWork, branch_id: int, holding: list[Condition]
) -> tuple[int, int, dict[int, int]]:
    """Raise and clear, under the branch's lock, against the alerts stored now: how many, and
    `uow.last_seqs` (the last seq of these events, once the writer committed). Not the branch
    row: read on the evaluator's thread, an attribute the writer had expired meanwhile loaded
    itself through the writer's session and left it in a transaction of its own (the next
    group commit then failed: "A transaction is already begun")."""
    uow.lock_branch(branch_id)
    todo = changes(active_alerts(uow, branch_id), holding)
    for alert_id in todo.clear:
        alert = uow.session.get(Alert, alert_id)
        assert alert is not None
        alert.cleared_at = uow.now
        uow.session.flush()
        uow.publish(AlertCleared(branch_id, alert_id))
    for condition in todo.raise_:
        alert = Alert(
            branch_id=branch_id, kind=condition.kind, key=condition.key,
            subject=condition.subject, detail=condition.detail, raised_at=uow.now,
        )  # fmt: skip
        uow.session.add(alert)
        uow.session.flush()
        uow.publish(AlertRaised(branch_id, alert.id))
    return len(todo.raise_), len(todo.clear), uow.last_seqs


@dataclass
class Round:
    """What one evaluation did."""

    leader: bool = False
    raised: int = 0
    cleared: int = 0
    next_due: datetime | None = None
    failed: list[int] = field(default_factory=list)
    read: list[int] = field(default_factory=list)  # the halls read


def evaluate_all(
    ctx: Ctx,
    holder: str,
    only: set[int] | None = None,
    *,
    renew: bool = True,
    watch: Watch | None = None,
) -> Round:
    """One round: take the lease (or, with `renew=False`, trust that this holder renewed it
    moments ago), then raise and clear in every branch (or those of `only`) whose alerts
    change. With a `watch`, a round without `only` reads the halls that may have changed
    (`Watch.pick`), one with `only` those and the halls now due."""
    done = Round(leader=write(ctx, partial(take_lease, holder=holder)) if renew else True)
    if not done.leader:
        if watch is not None:
            watch.forget()
        return done
    now = ctx.clock()
    readings: dict[int, tuple[int, Reading]] = {}  # branch → (its seq, what was read)
    with ctx.db.read() as session:
        if watch is not None:
            only = watch.pick(session, now) if only is None else only | watch.due(now)
        query = select(Branch).order_by(Branch.id)
        if only is not None:
            query = query.where(Branch.id.in_(sorted(only)))
        branches = session.scalars(query).all() if only is None or only else []
        seqs = {b.id: b.last_seq for b in branches}
        for branch_id, reading in read_halls(session, branches, now).items():
            readings[branch_id] = (seqs[branch_id], reading)
        active = active_by_branch(session, only) if readings else {}
    done.read = sorted(readings)
    pending = {
        branch_id: reading.conditions
        for branch_id, (_, reading) in readings.items()
        if _differs(active.get(branch_id, {}), reading.conditions)
    }
    if watch is not None:
        for branch_id, (seq, reading) in readings.items():
            if branch_id in pending:  # remembered once applied: read again if that fails
                watch.unread(branch_id)
            else:
                watch.remember(branch_id, seq, reading)
    for branch_id, holding in pending.items():
        try:
            raised, cleared, last_seqs = write(
                ctx, partial(apply, branch_id=branch_id, holding=holding)
            )
        except IntegrityError:  # another evaluator applied the same change first
            done.failed.append(branch_id)
            continue
        if watch is not None:  # its own alert events change nothing the hall was read for
            watch.remember(branch_id, *readings[branch_id])
            last = last_seqs.get(branch_id)
            if last is not None:
                watch.own_events(branch_id, last - raised - cleared, last)
        done.raised += raised
        done.cleared += cleared
    dues = [r.next_due for _, r in readings.values() if r.next_due is not None]
    done.next_due = watch.next_due() if watch is not None else min(dues, default=None)
    return done


def _differs(active: dict[tuple[str, str], int], holding: list[Condition]) -> bool:
    todo = changes(active, holding)
    return bool(todo.raise_ or todo.clear)


SWEEP_S = 60.0  # every hall is read at least this often, changed or not (HALLQ_ALERTS_SWEEP_S)
POKE_SETTLE_S = 0.02  # a commit's events arrive together: evaluate once for them
POKE_SPACING_S = 0.1  # at most this often for events (a busy hall commits all the time)
POKE_CPU_SHARE = 0.05
"""Rounds for events take at most this share of a core: after one that took c seconds of CPU
the next waits c / POKE_CPU_SHARE (at least POKE_SPACING_S). At 500 busy halls a round every
0.1 s was an eighth of the servers' CPU and, in the worker holding the lease, a thread taking
the GIL from that worker's requests; later rounds read more halls each, for less per hall."""


def poke_spacing(round_cpu_s: float, interval_s: float) -> float:
    """The wait after a round for events that took `round_cpu_s` of CPU (POKE_CPU_SHARE), at
    most `interval_s`: the evaluator's loop waits it out, and its timed rounds (the sweep, the
    halls changed behind its back) must not come later than their interval for it."""
    return min(interval_s, max(POKE_SPACING_S, round_cpu_s / POKE_CPU_SHARE))


class Evaluator:
    """The server's task: flushes this process's device sightings, then evaluates (when it
    holds the lease) every `interval_s` the halls that may have changed (server/alerts/
    watch.py), and in between the halls whose condition is due by time, and soon after an
    event of a hall (`poke`: a printer's report, a counter pausing, a ticket issued), that
    hall. Rounds never overlap (`round` may also be called from another thread, as the tests
    do). `stop` lets a round under way finish and gives the lease up."""

    def __init__(
        self,
        ctx: Callable[[], Ctx],
        interval_s: float,
        seen: SeenDevices,
        *,
        run: bool = True,
        sweep_s: float = SWEEP_S,
    ) -> None:
        self._ctx = ctx
        self.interval_s = interval_s
        self.seen = seen
        self.holder = holder_id()
        self.leader = False
        self.watch = Watch(max(sweep_s, interval_s))
        self._renewed = 0.0  # time.monotonic() of the last lease renewal
        self.round_cpu_s = 0.0  # the CPU time of the last round's thread
        self._rounds = threading.Lock()
        self._loop = asyncio.get_running_loop()
        self._poked: set[int] = set()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        # Not running (HALLQ_ALERTS_EVALUATE=false): rounds only when called, and no lease.
        self._task = asyncio.create_task(self._run() if run else self._flush_only())

    def round(self, only: set[int] | None = None) -> Round:
        with self._rounds:
            started = time.thread_time()
            try:
                return self._round(only)
            finally:
                self.round_cpu_s = time.thread_time() - started

    def _round(self, only: set[int] | None) -> Round:
        ctx = self._ctx()
        # A round for events needs no write for the lease when it was renewed well within
        # its time: a busy hall's events then cost reads only.
        fresh = self.leader and time.monotonic() - self._renewed < self.interval_s
        if only is None or not fresh:
            flush_seen(ctx, self.seen, self.interval_s)
        renew = only is None or not fresh
        done = evaluate_all(ctx, self.holder, only, renew=renew, watch=self.watch)
        if only is None or not fresh:
            self._renewed = time.monotonic()
        self.leader = done.leader
        return done

    def poke(self, branch_id: int) -> None:
        """Events of `branch_id` were committed (from any thread): evaluate it soon."""
        self._loop.call_soon_threadsafe(self._poke, branch_id)

    def _poke(self, branch_id: int) -> None:
        if self.leader:  # the others evaluate nothing: they only renew their claim
            self._poked.add(branch_id)
            self._wake.set()

    async def stop(self) -> None:
        self._stop.set()
        await self._task
        try:
            await asyncio.to_thread(write, self._ctx(), partial(release_lease, holder=self.holder))
        except Exception:
            log.exception("giving up the alert lease failed")

    async def _flush_only(self) -> None:
        """A process that does not evaluate still writes its devices' sightings."""
        while True:
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval_s)
                return
            except TimeoutError:
                pass
            try:
                await asyncio.to_thread(flush_seen, self._ctx(), self.seen, self.interval_s)
            except Exception:
                log.exception("writing the devices' heartbeats failed")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_full = next_due = loop.time()
        while True:
            await self._sleep(max(0.0, min(next_full, next_due) - loop.time()))
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                if loop.time() >= next_full:
                    self._poked.clear()
                    done = await asyncio.to_thread(self.round)
                    next_full = loop.time() + self.interval_s
                elif self._poked or loop.time() >= next_due:
                    await asyncio.sleep(POKE_SETTLE_S)
                    # the halls poked, and those due (`round` adds them)
                    only, self._poked = self._poked, set()
                    done = await asyncio.to_thread(self.round, only)
                    await asyncio.sleep(poke_spacing(self.round_cpu_s, self.interval_s))
                else:
                    continue
                next_due = next_full
                if done.next_due is not None:
                    soon = (done.next_due - self._ctx().clock()).total_seconds()
                    next_due = min(next_full, loop.time() + max(0.05, soon))
            except Exception:
                log.exception("evaluating alerts failed")
                next_full = next_due = loop.time() + self.interval_s

    async def _sleep(self, timeout: float) -> None:
        """Until `timeout`, a poke or the stop, whichever comes first."""
        waits = {asyncio.ensure_future(self._stop.wait()), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()


class Pokes:
    """Between the publisher or the bus and the hub: hands each branch's committed events on
    to the hub, and tells the evaluator (`listener`) which branch had some."""

    def __init__(self, hub: EventHub, namespace: str) -> None:
        self.hub = hub
        self.listener: Callable[[int], None] | None = None
        self._prefix = channel_prefix(namespace)

    def deliver(self, branch_id: int, events: list[tuple[int, str]]) -> None:
        self.hub.deliver(branch_id, events)
        if self.listener is not None:
            self.listener(branch_id)

    def on_message(self, channel: str, message: str) -> None:
        self.hub.on_message(channel, message)
        if self.listener is not None and channel.startswith(self._prefix):
            with contextlib.suppress(ValueError):
                self.listener(int(channel.removeprefix(self._prefix)))
