"""Hands committed events from worker threads to the bus on the event loop.

`publish` is called in the writer thread after each commit. It only queues the events and, if
the loop is not already on its way, wakes it once: a group commit of a hundred issues then
costs the loop one wake-up and one bus message per branch, not a task per ticket. One sender
at a time drains the queue, so messages reach the bus in commit order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading

from server.core.bus.base import Bus
from server.core.hub import channel_of

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 5.0


class BusPublisher:
    def __init__(self, bus: Bus, loop: asyncio.AbstractEventLoop, namespace: str = "") -> None:
        self.bus = bus
        self.loop = loop
        self.namespace = namespace
        self._lock = threading.Lock()
        self._queued: list[tuple[int, list[tuple[int, str]]]] = []
        self._awake = False
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
        if self._sender is None or self._sender.done():
            self._sender = self.loop.create_task(self._send())
            self._sender.add_done_callback(self._sender_done)

    def _sender_done(self, task: asyncio.Task[None]) -> None:
        """A sender cancelled (at shutdown, possibly before it ran) or failed: the next publish
        must wake a new one."""
        if task.cancelled() or task.exception() is not None:
            with self._lock:
                self._awake = False

    async def _send(self) -> None:
        while True:
            with self._lock:
                queued, self._queued = self._queued, []
                if not queued:
                    self._awake = False
                    return
            by_branch: dict[int, list[tuple[int, str]]] = {}
            for branch_id, events in queued:
                by_branch.setdefault(branch_id, []).extend(events)
            for branch_id, events in by_branch.items():
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
