"""A process writes a device's sighting again only as it nears `REFRESH_S` (server/core/seen.py): an
open stream is not rewritten at every flush, a request's sighting made meanwhile is written
later rather than lost, and a device back after being away is written at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.core.seen import REFRESH_S, SeenDevices

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_an_open_stream_is_written_once_within_the_refresh() -> None:
    seen = SeenDevices()
    seen.stream_opened(1)
    assert seen.take(at(0)) == {1: at(0)}
    assert seen.take(at(2)) == {}  # flushed again 2 s later: nothing to write
    assert seen.take(at(REFRESH_S)) == {1: at(REFRESH_S)}
    assert seen.streaming() == frozenset({1})


def test_a_sighting_made_within_the_refresh_is_written_later_not_lost() -> None:
    seen = SeenDevices()
    seen.request(2, at(0))
    assert seen.take(at(0)) == {2: at(0)}
    seen.request(2, at(1))
    assert seen.take(at(2)) == {}
    assert seen.take(at(REFRESH_S + 1)) == {2: at(1)}  # the latest sighting, kept meanwhile


def test_a_stream_closed_within_the_refresh_is_written_with_its_closing_time() -> None:
    seen = SeenDevices()
    seen.stream_opened(3)
    assert seen.take(at(0)) == {3: at(0)}
    seen.stream_closed(3, at(1))
    assert seen.take(at(2)) == {}
    assert seen.take(at(REFRESH_S)) == {3: at(1)}
    assert seen.take(at(2 * REFRESH_S)) == {}  # gone: nothing more


def test_a_device_back_after_being_away_is_written_at_once() -> None:
    seen = SeenDevices()
    seen.request(4, at(0))
    seen.take(at(0))
    seen.request(4, at(30))  # away for longer than the refresh (device_offline_s ≥ 10 s)
    assert seen.take(at(30)) == {4: at(30)}


def test_sightings_that_could_not_be_written_are_taken_at_the_next_flush() -> None:
    seen = SeenDevices()
    seen.stream_opened(5)
    seen.request(6, at(0))
    failed = seen.take(at(0))
    seen.untake(failed)
    assert seen.take(at(2)) == {5: at(2), 6: at(0)}


def test_a_device_is_written_before_its_sighting_would_age_past_the_refresh() -> None:
    """With flushes 2 s apart, a write every 4 s: at the next flush it would be 6 s old."""
    seen = SeenDevices()
    seen.stream_opened(7)
    written = [t for t in range(0, 13, 2) if seen.take(at(t), every_s=2)]
    assert written == [0, 4, 8, 12]


def test_flushes_as_far_apart_as_the_refresh_write_every_time() -> None:
    seen = SeenDevices()
    seen.stream_opened(8)
    assert all(seen.take(at(t), every_s=REFRESH_S) for t in (0, 5, 10))


def test_a_clock_stepped_back_writes_at_once() -> None:
    seen = SeenDevices()
    seen.stream_opened(9)
    assert seen.take(at(100)) == {9: at(100)}
    assert seen.take(at(90)) == {9: at(90)}  # an NTP step back: not ten silent seconds
