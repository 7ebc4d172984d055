"""Hands committed events from worker threads to the bus on the event loop."""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import Future

from server.bus.base import Bus
from server.stream.hub import channel_of

log = logging.getLogger(__name__)


class BusPublisher:
    def __init__(self, bus: Bus, loop: asyncio.AbstractEventLoop, namespace: str = "") -> None:
        self.bus = bus
        self.loop = loop
        self.namespace = namespace

    def publish(self, branch_id: int, events: list[tuple[int, str]]) -> None:
        message = json.dumps([[seq, text] for seq, text in events], ensure_ascii=False)
        future = asyncio.run_coroutine_threadsafe(
            self.bus.publish(channel_of(branch_id, self.namespace), message), self.loop
        )
        future.add_done_callback(_log_failure)


def _log_failure(future: Future[None]) -> None:
    # Subscribers recover a lost publish from the database on the next event or resync.
    if not future.cancelled() and future.exception() is not None:
        log.warning("publishing events failed: %s", future.exception())
