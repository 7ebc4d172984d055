"""Redis pub/sub backend on redis-py's asyncio client (hand-written: broadcaster delivers
nothing with redis-py 8). Pub/sub loses messages while disconnected, so after every reconnect
the hub is told to resynchronise from the database, where every event is kept."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis

from server.core.bus.base import Handler, ResyncHandler

log = logging.getLogger(__name__)
PATTERN = "hallq:*"


class RedisBus:
    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: aioredis.Redis | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def connect(self, handler: Handler, on_resync: ResyncHandler) -> None:
        self._client = aioredis.from_url(self.url, socket_connect_timeout=3)
        self._task = asyncio.create_task(self._listen(handler, on_resync))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 5)

    async def _listen(self, handler: Handler, on_resync: ResyncHandler) -> None:
        assert self._client is not None
        delay, first = 0.2, True
        while True:
            try:
                async with self._client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(PATTERN)
                    self._ready.set()
                    if not first:
                        on_resync()
                    first, delay = False, 0.2
                    async for message in pubsub.listen():
                        if message["type"] == "pmessage":
                            channel = message["channel"].decode()
                            handler(channel, message["data"].decode())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: retry with backoff
                log.warning("redis bus disconnected (%s); retrying in %.1fs", exc, delay)
                first = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def disconnect(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def publish(self, channel: str, message: str) -> None:
        assert self._client is not None
        await self._client.publish(channel, message)

    async def healthy(self) -> bool:
        if self._client is None:
            return False
        try:
            return bool(await asyncio.wait_for(self._client.ping(), 2))
        except Exception:
            return False
