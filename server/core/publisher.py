"""Hands committed events from worker threads to this process's hub and to the bus.

`publish` is called in the writer thread after each commit. It only queues the events and, if
the loop is not already on its way, wakes it once: a group commit of a hundred issues then
costs the loop one wake-up and one bus message per branch, not a task per ticket.

On that wake-up the events go first to this process's own subscribers (`local`, the hub), at
once: the bus is only for the other processes, so a bus that is down or slow (Redis gone, a
publish waiting for its timeout) holds up no local subscriber. The same events coming back
from the bus are dropped by the hub, which keeps each seq once. Then one sender at a time
drains them to the bus, in commit order; what a failed publish loses, the other processes read
from the database (on their next event, or when their bus reconnects).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable

from server.core.bus.base import Bus
from server.core.hub import channel_of

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 5.0
Deliver = Callable[[int, list[tuple[int, str]]], None]  # branch, [(seq, event text)]


class BusPublisher:
    def __init__(
        self,
        bus: Bus,
        loop: asyncio.AbstractEventLoop,
        namespace: str = "",
        local: Deliver | None = None,
    ) -> None:
        self.bus = bus
        self.loop = loop
        self.namespace = namespace
        self.local = local
        self._lock = threading.Lock()
        self._queued: list[tuple[int, list[tuple[int, str]]]] = []
        self._awake = False
        self._outbox: list[tuple[int, list[tuple[int, str]]]] = []  # for the bus; loop only
        self._sender: asyncio.Task[None] | None = None

    def publish(self, branch_id: int, events: list[tuple[int, str]]) -> None:
        """Queue a branch's committed events (seq, event text); from any thread."""
        with self._lock:
            self._queued.append((branch_id, events))
            if self._awake:
                return
            self._awake = True
        try:
            self.loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed (shutting down): subscribers resync
            log.warning("publishing events failed: the event loop is closed")

    def _wake(self) -> None:
        with self._lock:
            queued, self._queued = self._queued, []
            self._awake = False
        if self.local is not None:
            for branch_id, events in _by_branch(queued).items():
                try:
                    self.local(branch_id, events)
                except Exception:  # one failing delivery must not stop the bus's
                    log.exception("delivering events to this process's subscribers failed")
            if not self.bus.shared:
                return  # nobody else listens: the local delivery reached every subscriber
        self._outbox += queued
        if self._sender is None or self._sender.done():
            self._sender = self.loop.create_task(self._send())

    async def _send(self) -> None:
        while self._outbox:
            queued, self._outbox = self._outbox, []
            for branch_id, events in _by_branch(queued).items():
                await self._publish(branch_id, events)

    async def _publish(self, branch_id: int, events: list[tuple[int, str]]) -> None:
        message = json.dumps([[seq, text] for seq, text in events], ensure_ascii=False)
        try:
            # bounded: one stuck publish must not hold back every branch's events
            async with asyncio.timeout(PUBLISH_TIMEOUT_S):  # (no task of its own, unlike wait_for)
                await self.bus.publish(channel_of(branch_id, self.namespace), message)
        except Exception as exc:
            # Subscribers recover a lost publish from the database on the next event or resync.
            log.warning("publishing events failed: %s", exc or type(exc).__name__)


def _by_branch(
    queued: list[tuple[int, list[tuple[int, str]]]],
) -> dict[int, list[tuple[int, str]]]:
    by_branch: dict[int, list[tuple[int, str]]] = {}
    for branch_id, events in queued:
        by_branch.setdefault(branch_id, []).extend(events)
    return by_branch
