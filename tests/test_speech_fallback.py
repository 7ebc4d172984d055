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
    monkeypatch.setattr(engine._process, "stuck", False)  # the process's again after the test
    monkeypatch.setattr(synthesis, "SYNTH_TIMEOUT_S", 1.0)
    monkeypatch.setattr(engine, "_synth", lambda *args: stuck.wait())  # never returns
    rescued = engine.synth("请 A 0 0 1 号到 1 号窗口", voice, 150, 1.0)
    later = engine.synth("Number A 0 0 2, please go to counter 2.", None, 150, 1.0)
    stuck.set()
    assert abs(rescued.seconds - normal.seconds) < 0.5 * normal.seconds
    assert rescued.seconds > 1.0 and later.seconds > 1.0


def test_the_engines_of_a_process_share_one_pyttsx3_engine_and_each_gets_its_own_audio() -> None:
    """pyttsx3 hands its one engine to whoever asks and points espeak-ng's one callback at its
    newest driver: two engines of a process answered each other's utterances or none."""
    require_espeak()
    first, second = synthesis.Pyttsx3Engine(), synthesis.Pyttsx3Engine()
    assert first._engine is second._engine and first._owner is second._owner
    results: dict[str, float] = {}

    def speak(engine: synthesis.Pyttsx3Engine, text: str) -> None:
        results[text] = engine.synth(text, None, 150, 1.0).seconds

    short, long = "One.", "Number A 0 0 2, please go to counter number 2, thank you."
    threads = [threading.Thread(target=speak, args=(e, t)) for e, t in
               ((first, short), (second, long), (first, long), (second, short))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(results) == {short, long}
    assert results[long] > 2 * results[short] > 0
