"""While it serves, the app collects the young generation less often (server/app.py
GC_THRESHOLDS: the default thresholds made full passes over 3,000 display sockets every few
seconds, the whole p99 of call → display), and gives the process its thresholds back after."""

from __future__ import annotations

import gc

import pytest
from fastapi.testclient import TestClient

from server.app import GC_THRESHOLDS, create_app
from server.core.settings import Settings

pytestmark = pytest.mark.integration


def test_the_app_sets_its_gc_thresholds_while_it_serves(settings: Settings) -> None:
    before = gc.get_threshold()
    assert before != GC_THRESHOLDS
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_threshold() == before
