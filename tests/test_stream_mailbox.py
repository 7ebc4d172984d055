"""A subscriber's queue (server/core/mailbox.py): asyncio.Queue's behaviour for one reader,
bounded, in a fraction of its memory, since every display socket has one."""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from server.core.hub import Subscriber
from server.core.mailbox import Mailbox

pytestmark = pytest.mark.unit


def test_items_leave_in_order_and_a_full_mailbox_refuses_the_next() -> None:
    box: Mailbox[int] = Mailbox(2)
    box.put_nowait(1)
    box.put_nowait(2)
    with pytest.raises(asyncio.QueueFull):
        box.put_nowait(3)
    assert box.qsize() == 2 and not box.empty()
    assert [box.get_nowait(), box.get_nowait()] == [1, 2]
    assert box.empty() and box.qsize() == 0
    box.put_nowait(4)  # emptied, then used again
    assert box.get_nowait() == 4
    with pytest.raises(asyncio.QueueEmpty):
        box.get_nowait()


def test_a_waiting_reader_gets_the_next_item_and_a_cancelled_one_loses_none() -> None:
    async def scenario() -> tuple[int, int]:
        box: Mailbox[int] = Mailbox(0)
        cancelled = asyncio.create_task(box.get())
        await asyncio.sleep(0)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        reader = asyncio.create_task(box.get())
        await asyncio.sleep(0)
        box.put_nowait(7)
        box.put_nowait(8)
        return await reader, box.get_nowait()

    assert asyncio.run(scenario()) == (7, 8)


def test_an_idle_subscriber_takes_under_half_a_kilobyte() -> None:
    """With asyncio.Queue (three deques and an Event) it took ~4.3 KB, with a Mailbox that
    always kept its deque ~1 KB; 750 sockets a worker."""

    async def measure() -> float:
        tracemalloc.start()
        try:
            subs = [Subscriber(1, 1000) for _ in range(100)]
            size = tracemalloc.get_traced_memory()[0] / len(subs)
        finally:
            tracemalloc.stop()
        return size

    assert asyncio.run(measure()) < 500
