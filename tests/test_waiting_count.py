"""`service_day.waiting` (kept by triggers) and the position of a new ticket read from it agree
with counting the queue, through every way a ticket enters or leaves a queue."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import create_engine, func, pool, select

from server.core.settings import Settings
from server.tickets.models import ServiceDay, Ticket
from tests.conftest import Api
from tests.support import Clock

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


def queues(settings: Settings) -> tuple[dict[tuple[int, str], int], dict[tuple[int, str], int]]:
    """(kept counts, counted) per (service, business date), zeros left out."""
    engine = create_engine(settings.database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            kept = {
                (sid, str(day)): n
                for sid, day, n in connection.execute(
                    select(ServiceDay.service_id, ServiceDay.business_date, ServiceDay.waiting)
                )
                if n
            }
            counted = {
                (sid, str(day)): n
                for sid, day, n in connection.execute(
                    select(Ticket.service_id, Ticket.business_date, func.count())
                    .where(Ticket.state == "waiting")
                    .group_by(Ticket.service_id, Ticket.business_date)
                )
            }
    finally:
        engine.dispose()
    return kept, counted


def test_the_kept_count_follows_every_way_in_and_out_of_a_queue(
    api: Api, settings: Settings, clock: Clock
) -> None:
    a, b = api.service("A")["id"], api.service("B")["id"]
    counter = api.counter(1, [a, b])["id"]
    api.act(counter, "open")
    rng = random.Random(7)
    for step in range(60):
        roll = rng.random()
        if roll < 0.45:
            api.issue(rng.choice((a, b)), priority=rng.choice(("normal", "normal", "priority")))
        else:
            hand = api.act(counter, "call-next", {"complete_current": True})["ticket"]
            if hand is not None and roll < 0.6:
                target = {"service_id": rng.choice((a, b)), "position": rng.choice(
                    ("original", "front", "back"))}  # fmt: skip
                api.act(counter, "transfer", target)
            elif hand is not None and roll < 0.7:
                api.act(counter, "no-show")
                api.post(f"/api/v1/tickets/{hand['id']}/requeue", {"position": "front"})
            elif hand is not None and roll < 0.75:
                api.act(counter, "park")
                api.act(counter, "resume", {"ticket_id": hand["id"]})
        if step % 20 == 19:
            waiting = api.get("/api/v1/tickets", state="waiting")
            if waiting:
                api.post(f"/api/v1/tickets/{waiting[0]['id']}/cancel")
        clock.advance(seconds=rng.randint(1, 90))
    kept, counted = queues(settings)
    assert counted and kept == counted


def test_a_new_tickets_position_is_the_count_of_those_ahead(api: Api, clock: Clock) -> None:
    service = api.service("A")["id"]
    counter = api.counter(1, [service])["id"]
    first = api.issue(service)
    assert first["position"] == 0
    clock.advance(minutes=1)
    assert api.issue(service)["position"] == 1
    # A priority ticket is boosted ahead of everyone who came within the boost, not behind.
    clock.advance(minutes=1)
    boosted = api.issue(service, priority="priority")
    assert boosted["position"] == api.get(f"/api/v1/tickets/{boosted['id']}")["position"]
    assert boosted["position"] < 2
    clock.advance(minutes=1)
    api.act(counter, "open")
    api.act(counter, "call-next")
    later = api.issue(service)
    assert later["position"] == api.get(f"/api/v1/tickets/{later['id']}")["position"] == 2
