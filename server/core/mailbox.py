"""A bounded queue for one consumer: what `asyncio.Queue` does for a websocket subscriber, in a
quarter of its memory.

Every display socket has one, and a worker holds 750 of them or more. `asyncio.Queue` keeps
three deques (items, getters, putters) and an `asyncio.Event` with a fourth, ~2.5 KB per socket
(measured with tracemalloc, `python -m bench --only memory`); the subscriber's queue has one
reader, never awaits a put (a full queue drops the subscriber instead) and nobody joins it. So:
one deque, and the reader's future while it waits. The deque (~0.7 KB) exists only while items
wait: a display's queue is empty nearly always, its events written at once
(server/core/sender.py). The methods are `asyncio.Queue`'s, with its exceptions, so that
callers and tests read the same.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    __slots__ = ("_items", "_maxsize", "_waiter")

    def __init__(self, maxsize: int) -> None:
        self._items: deque[T] | None = None
        self._maxsize = maxsize
        self._waiter: asyncio.Future[None] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: T) -> None:
        """Raises `asyncio.QueueFull` when `maxsize` items wait (0: no bound)."""
        if self._items is None:
            self._items = deque()
        elif 0 < self._maxsize <= len(self._items):
            raise asyncio.QueueFull
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._take(self._items)

    async def get(self) -> T:
        """The next item, waiting for it; one reader at a time."""
        while not self._items:
            if self._waiter is not None:
                raise RuntimeError("Mailbox.get: another reader is already waiting")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._take(self._items)

    def _take(self, items: deque[T]) -> T:
        item = items.popleft()
        if not items:
            self._items = None
        return item
