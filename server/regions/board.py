"""The HQ board's live feed: one aggregate per process, not one stream per hall.

Every committed event tells the hub its branch (`EventHub.watchers`, from this process or,
through the bus, from any other). The board marks the hall changed and reads the tiles of the
changed halls in one batch of grouped queries (server/regions/overview.py): at once after a
quiet moment, else at most every `TICK_S`. It sends each open board the tiles of its own
halls. A board of 500 halls thus
costs one socket and, per busy moment, one read for all the halls that changed — however many
events they had. Every `REFRESH_S` all tiles are sent again: waits grow and halls open and close
without any event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime

from server import protocol as p
from server.core.context import Ctx
from server.core.hub import EventHub, cancel_quietly
from server.regions.overview import tiles

log = logging.getLogger(__name__)

TICK_S = 0.2
REFRESH_S = 30.0
QUEUE_SIZE = 64


class Watcher:
    """One open board: its halls and its queue of messages (None: closed, too slow)."""

    def __init__(self, branch_ids: list[int]) -> None:
        self.branch_ids = frozenset(branch_ids)
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, text: str) -> None:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)


def message(kind: str, now: datetime, data: object) -> str:
    return json.dumps({"type": kind, "ts": now.isoformat(), "data": data}, ensure_ascii=False)


class Board:
    def __init__(self, hub: EventHub, ctx: Callable[[], Ctx]) -> None:
        self._hub = hub
        self._ctx = ctx
        self._by_branch: dict[int, set[Watcher]] = {}
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def watch(self, branch_ids: list[int]) -> Watcher:
        watcher = Watcher(branch_ids)
        for branch_id in watcher.branch_ids:
            self._by_branch.setdefault(branch_id, set()).add(watcher)
        self._hub.watchers.add(self._changed)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        return watcher

    async def unwatch(self, watcher: Watcher) -> None:
        for branch_id in watcher.branch_ids:
            watchers = self._by_branch.get(branch_id)
            if watchers is not None:
                watchers.discard(watcher)
                if not watchers:
                    del self._by_branch[branch_id]
        if not self._by_branch:
            self._hub.watchers.discard(self._changed)
            if self._task is not None:
                task, self._task = self._task, None
                await cancel_quietly(task)

    def _changed(self, branch_id: int) -> None:
        if branch_id in self._by_branch:
            self._dirty.add(branch_id)
            self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = 0.0
        while True:
            refresh = False
            try:
                await asyncio.wait_for(self._wake.wait(), REFRESH_S)
            except TimeoutError:
                refresh = True
            # The first change after a quiet moment goes out at once; later ones of a busy
            # moment wait for the rest of the tick and go out together.
            await asyncio.sleep(max(0.0, last + TICK_S - loop.time()))
            self._wake.clear()
            changed = set(self._by_branch) if refresh else self._dirty & set(self._by_branch)
            self._dirty = set()
            if changed:
                last = loop.time()
                try:
                    await self._send(sorted(changed))
                except Exception:
                    log.exception("could not update the region boards")

    async def _send(self, branch_ids: list[int]) -> None:
        ctx = self._ctx()
        now = ctx.clock()

        def read() -> list[p.OverviewTile]:
            with ctx.db.read() as session:
                return tiles(session, branch_ids, now)

        fresh = await asyncio.to_thread(read)
        per_watcher: dict[Watcher, list[dict[str, object]]] = {}
        for tile in fresh:
            for watcher in self._by_branch.get(tile.branch_id, ()):
                per_watcher.setdefault(watcher, []).append(tile.model_dump(mode="json"))
        for watcher, changed in per_watcher.items():
            watcher.offer(message("tiles", now, changed))
