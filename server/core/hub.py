"""Fan-out of committed events to this process's subscribers, in seq order.

Events can reach the hub out of order (two threads publish after their commits, or two server
instances publish through Redis), so each branch keeps the last seq delivered and holds later
ones back until the gap is filled — from the bus, or after a short wait from the database,
where every committed event is kept. Each subscriber has a bounded queue; one that is full is
disconnected (it can reconnect with `since` and lose nothing) rather than growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from websockets.frames import Frame, Opcode

from server.core.mailbox import Mailbox

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "hallq:branch:"
GAP_WAIT_S = 0.05
Fetch = Callable[[int, int, int | None], list[tuple[int, str]]]  # branch, after, upto


class Event(NamedTuple):
    """One committed event on its way to the subscribers."""

    seq: int
    text: str
    frame: bytes  # `text` as one unmasked websocket text frame, encoded once for every display

    @classmethod
    def of(cls, seq: int, text: str) -> Event:
        return cls(seq, text, Frame(Opcode.TEXT, text.encode()).serialize(mask=False))


def channel_prefix(namespace: str = "") -> str:
    """Channels carry the database's identity: installations sharing one Redis (or test runs
    on private databases) must not receive each other's events, which have the same seqs."""
    return f"hallq:{namespace}:branch:" if namespace else CHANNEL_PREFIX


def channel_of(branch_id: int, namespace: str = "") -> str:
    return f"{channel_prefix(namespace)}{branch_id}"


class Subscriber:
    """One websocket's queue of events; None means: disconnect, you fell behind.

    `direct`, when set, is tried first: it sends the events at once if the socket's sender is
    idle and can write without waiting, and returns True; else it returns False and the events
    are queued."""

    def __init__(self, branch_id: int, maxsize: int) -> None:
        self.branch_id = branch_id
        self.queue: Mailbox[Event | None] = Mailbox(maxsize)  # one per socket: kept small
        self.dropped = False
        self.direct: Callable[[list[Event]], bool] | None = None
        self.closer: Callable[[], None] | None = None
        """Set for a socket its protocol holds on its own (`Sender.adopt`): no sender reads the
        queue, so a drop closes the socket at once."""

    def offer(self, events: list[Event]) -> None:
        """Hand over the next events, in seq order."""
        if self.dropped:
            return
        if self.direct is not None and self.direct(events):
            return
        for event in events:
            try:
                self.queue.put_nowait(event)
            except asyncio.QueueFull:
                self.drop()
                return

    def drop(self) -> None:
        """Nothing more is sent: the sender closes the socket (too slow) and the client
        reconnects with `since`."""
        self.dropped = True
        if self.closer is not None:
            self.closer()
            return
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass
class _Feed:
    last: int | None = None
    pending: dict[int, str] = field(default_factory=dict)
    subscribers: set[Subscriber] = field(default_factory=set)
    gap_task: asyncio.Task[None] | None = None


class EventHub:
    def __init__(self, fetch: Fetch, queue_size: int, namespace: str = "") -> None:
        self._fetch = fetch
        self._queue_size = queue_size
        self._prefix = channel_prefix(namespace)
        self._feeds: dict[int, _Feed] = {}
        # Told the branch of every committed event, whether or not anyone follows that branch
        # (the region board: server/regions/board.py). Called on the event loop; must be cheap.
        self.watchers: set[Callable[[int], None]] = set()

    def subscribe(self, branch_id: int) -> Subscriber:
        """Register before reading the snapshot, so nothing committed after it is missed."""
        sub = Subscriber(branch_id, self._queue_size)
        self._feeds.setdefault(branch_id, _Feed()).subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        feed = self._feeds.get(sub.branch_id)
        if feed is None:
            return
        feed.subscribers.discard(sub)
        if not feed.subscribers:
            if feed.gap_task is not None:
                feed.gap_task.cancel()
            del self._feeds[sub.branch_id]

    async def start(self, sub: Subscriber, seq: int) -> list[tuple[int, str]]:
        """`sub` read the database up to `seq`: what it must send before its queue.

        A new feed starts at `seq`. A feed already past `seq` (another subscriber's initial read
        finished first but saw more, or the feed was running) handed out the events between
        before `sub` could take them, so they are read back from the database: returns them,
        in seq order. Events delivered meanwhile wait in `sub`'s queue; the sender skips those
        it has already sent."""
        feed = self._feeds.get(sub.branch_id)
        if feed is None or sub not in feed.subscribers:
            return []
        if feed.last is None:
            feed.last = seq
            self._flush(sub.branch_id, feed)
            return []
        upto = feed.last
        if upto <= seq:
            return []
        try:
            rows = await asyncio.to_thread(self._fetch, sub.branch_id, seq, upto)
        except Exception:
            log.exception("could not read the events a new subscriber missed")
            rows = []
        if [s for s, _ in rows] != list(range(seq + 1, upto + 1)):
            sub.drop()  # it reconnects with `since` and loses nothing
            return []
        return rows

    def subscriber_count(self) -> int:
        return sum(len(f.subscribers) for f in self._feeds.values())

    def on_message(self, channel: str, message: str) -> None:
        """Bus handler: a JSON list of [seq, event text] of one branch."""
        if not channel.startswith(self._prefix):
            return
        branch_id = int(channel.removeprefix(self._prefix))
        self._tell_watchers(branch_id)
        if branch_id in self._feeds:
            self.deliver(branch_id, [(int(seq), text) for seq, text in json.loads(message)])

    def deliver(self, branch_id: int, events: list[tuple[int, str]]) -> None:
        """Committed events of a branch, from this process (the publisher, at once) or another
        (the bus): each seq reaches the subscribers once, in order, whichever comes first."""
        self._tell_watchers(branch_id)
        feed = self._feeds.get(branch_id)
        if feed is None:
            return
        for seq, text in events:
            feed.pending[seq] = text
        self._flush(branch_id, feed)

    def _tell_watchers(self, branch_id: int) -> None:
        for watcher in list(self.watchers):
            try:
                watcher(branch_id)
            except Exception:
                log.exception("a hub watcher failed")

    def resync(self) -> None:
        """After a bus reconnect: read from the database whatever may have been lost."""
        for branch_id, feed in self._feeds.items():
            if feed.last is not None:
                self._schedule_fill(branch_id, feed, wait=0)

    def _flush(self, branch_id: int, feed: _Feed) -> None:
        if feed.last is None:
            return
        for seq in [s for s in feed.pending if s <= feed.last]:
            del feed.pending[seq]
        ready: list[Event] = []
        while feed.last + 1 in feed.pending:
            feed.last += 1
            ready.append(Event.of(feed.last, feed.pending.pop(feed.last)))
        if ready:  # each subscriber gets all of them at once: one write per display
            for sub in feed.subscribers:
                sub.offer(ready)
        if feed.pending:
            self._schedule_fill(branch_id, feed, wait=GAP_WAIT_S)

    def _schedule_fill(self, branch_id: int, feed: _Feed, *, wait: float) -> None:
        if feed.gap_task is None or feed.gap_task.done():
            feed.gap_task = asyncio.create_task(self._fill(branch_id, feed, wait))

    async def _fill(self, branch_id: int, feed: _Feed, wait: float) -> None:
        await asyncio.sleep(wait)
        if feed.last is None or (feed.pending and feed.last + 1 in feed.pending):
            self._flush(branch_id, feed)
            return
        upto = min(feed.pending) - 1 if feed.pending else None
        try:
            rows = await asyncio.to_thread(self._fetch, branch_id, feed.last, upto)
        except Exception:
            log.exception("could not fill an event gap of branch %s from the database", branch_id)
            rows = []
        for seq, text in rows:
            feed.pending.setdefault(seq, text)
        feed.gap_task = None
        self._flush(branch_id, feed)


async def cancel_quietly(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
