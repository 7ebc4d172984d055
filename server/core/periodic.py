"""A server task that runs one job in a worker thread at a fixed pace until stopped.

The print-job expiry, the appointments' missed sweep and the end-of-day close-out are such
tasks. `stop` lets a round under way finish, so nothing writes after the database is closed;
a round that fails is logged and the next one runs as planned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from server.core.context import Ctx

log = logging.getLogger(__name__)


class Periodic:
    """`job(ctx())` every `every_s`: first at once with `at_start`, else after `every_s`."""

    def __init__(
        self,
        ctx: Callable[[], Ctx],
        job: Callable[[Ctx], object],
        every_s: float,
        what: str,
        *,
        at_start: bool = False,
    ) -> None:
        self._ctx = ctx
        self._job = job
        self.every_s = every_s
        self._what = what
        self._at_start = at_start
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        await self._task

    async def _run(self) -> None:
        wait = not self._at_start
        while True:
            if wait:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.every_s)
                if self._stop.is_set():
                    return
            wait = True
            try:
                await asyncio.to_thread(self._job, self._ctx())
            except Exception:
                log.exception("%s failed", self._what)
