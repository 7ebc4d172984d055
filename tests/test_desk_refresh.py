"""The terminal counter client's refresh (counter_client/desk.py) never undoes a newer answer:
a queue read that was on its way while the clerk's action was answered is older than the
answer, so it must not put back the ticket the counter held before."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace as NS
from typing import Any

import pytest

from counter_client.desk import Desk

pytestmark = pytest.mark.unit

COUNTER = NS(id=1, number=1, branch_id=1, service_ids=[1], state="open", pause_reason=None)
A002 = NS(id=2, number="A002", service_id=1, state="called")


class SlowQueueClient:
    """The queue read answers only when `release` is set; it saw the counter empty-handed."""

    def __init__(self) -> None:
        self.reading = asyncio.Event()
        self.release = asyncio.Event()

    async def queue(self, branch_id: int) -> Any:
        self.reading.set()
        await self.release.wait()
        me = NS(id=1, state="open", pause_reason=None, ticket=None)
        return NS(services=[NS(id=1, waiting=1)], counters=[me])

    async def call_next(self, counter_id: int) -> Any:
        return NS(counter=COUNTER, ticket=A002)

    async def tickets(self, **filters: Any) -> list[Any]:
        return []


def test_a_refresh_read_before_an_answer_leaves_the_answers_ticket_in_hand() -> None:
    async def scenario() -> Any:
        client = SlowQueueClient()
        service = NS(id=1, code="a", name={"en": "Service A"})
        desk = Desk(client, "en", COUNTER, "clerk1", "Hall", [service], [COUNTER])  # type: ignore[arg-type]
        refresh = asyncio.create_task(desk.refresh())  # read on its way…
        await client.reading.wait()
        await desk.act("call_next")  # …when the call is answered
        assert desk.view.hand is A002
        client.release.set()
        await refresh
        return desk.view.hand

    assert asyncio.run(scenario()) is A002
