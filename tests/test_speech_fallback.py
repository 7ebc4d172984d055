"""pyttsx3's espeak driver now and then never returns: the engine then speaks through the
`espeak-ng` command, for that utterance and every later one (server/speech/synthesis.py)."""

from __future__ import annotations

import threading

import pytest

from server.speech import synthesis
from tests.test_display_agent import require_espeak

pytestmark = pytest.mark.integration


def test_a_synthesis_that_never_returns_is_made_by_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_espeak()
    engine = synthesis.Pyttsx3Engine()
    voice = next(v.id for v in engine.voices() if "cmn" in v.id)
    normal = engine.synth("请 A 0 0 1 号到 1 号窗口", voice, 150, 1.0)
    stuck = threading.Event()
    monkeypatch.setattr(synthesis, "SYNTH_TIMEOUT_S", 1.0)
    monkeypatch.setattr(engine, "_synth", lambda *args: stuck.wait())  # never returns
    rescued = engine.synth("请 A 0 0 1 号到 1 号窗口", voice, 150, 1.0)
    later = engine.synth("Number A 0 0 2, please go to counter 2.", None, 150, 1.0)
    stuck.set()
    assert abs(rescued.seconds - normal.seconds) < 0.5 * normal.seconds
    assert rescued.seconds > 1.0 and later.seconds > 1.0
