"""Speech synthesis: a sentence per language to PCM with pyttsx3 (espeak-ng on Linux, SAPI5 on
Windows, NSSpeechSynthesizer on macOS), the voice chosen per locale, and one announcement
rendered to one WAV (chime, then each language's sentence, repeated).

Shared by the server's speech route (`shared_renderer`, one engine thread per process) and the
display agent's speaker (display/voice.py). Only the standard library, pyttsx3 (imported when
an engine is made) and the wire models' locales: no server internals, no web or database code.
"""

from __future__ import annotations

import contextlib
import io
import logging
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from server.protocol import LOCALES, Locale
from server.speech.wav import Pcm, join, read_wav, silence, write_wav

log = logging.getLogger("hallq.speech")

# espeak-ng voices by preference: `cmn-latn-pinyin` reads hanzi and pinyin as Mandarin, while
# `cmn`/`zh` read Latin text (and, on Debian, pinyin tone digits) in English. Taiwan's Mandarin
# is Mandarin too (`yue` is Cantonese), so zh-TW uses the same voice.
ESPEAK_VOICES: dict[Locale, tuple[str, ...]] = {
    "zh-CN": ("sit/cmn-latn-pinyin", "cmn-latn-pinyin", "sit/cmn", "cmn"),
    "zh-TW": ("sit/cmn-latn-pinyin", "cmn-latn-pinyin", "sit/cmn", "cmn"),
    "en": ("gmw/en-us", "en-us", "gmw/en", "en"),
}
# Words that name a locale's language in other engines' voice ids, names and languages
# (SAPI5: "TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Hanhan Desktop - Chinese (Taiwan)").
LANGUAGE_HINTS: dict[Locale, tuple[str, ...]] = {
    "zh-CN": ("zh-cn", "zh_cn", "chinese (simplified", "chinese (prc", "mandarin", "cmn", "zh"),
    "zh-TW": ("zh-tw", "zh_tw", "chinese (taiwan", "chinese (traditional", "mandarin", "cmn", "zh"),
    "en": ("en-us", "en_us", "en-gb", "en_gb", "english", "en"),
}
SENTENCE_GAP_S = 0.4
REPEAT_GAP_S = 0.9
CHIME_GAP_S = 0.2


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...] = ()


def choose_voice(locale: Locale, voices: Sequence[VoiceInfo]) -> str | None:
    """The engine's voice for `locale`: espeak-ng's known-good voice first, else the first
    voice whose id, name or language names the language; None keeps the engine's default."""
    by_id = {v.id.lower(): v.id for v in voices}
    for wanted in ESPEAK_VOICES[locale]:
        if wanted in by_id:
            return by_id[wanted]
    for hint in LANGUAGE_HINTS[locale]:
        for v in voices:
            words = [v.id.lower(), v.name.lower(), *(lang.lower() for lang in v.languages)]
            if any(w == hint or (len(hint) > 2 and hint in w) for w in words):
                return v.id
    return None


@dataclass(frozen=True)
class VoiceConfig:
    locales: tuple[Locale, ...] = ("zh-CN", "en")
    voices: Mapping[Locale, str] = field(default_factory=dict)  # overrides
    rate: int | None = None  # words per minute; None keeps the engine's default
    volume: float = 1.0  # 0.0 … 1.0
    repeat: int = 1


class Engine(Protocol):
    """What synthesis needs from a speech engine (pyttsx3, or a test twin)."""

    def voices(self) -> list[VoiceInfo]: ...

    def synth(self, text: str, voice: str | None, rate: int | None, volume: float) -> Pcm: ...

    def say(self, text: str, voice: str | None, rate: int | None, volume: float) -> None: ...


SYNTH_TIMEOUT_S = 30.0
"""pyttsx3's espeak driver now and then never returns from `runAndWait` (a TV agent stopped
announcing after its first call, in the suite). Past this, that utterance and every later one
of the process are made by the `espeak-ng` command instead, which a timeout can stop."""


SAY_TIMEOUT_S = 120.0
"""`say` plays what it synthesises: bounded too, and longer."""


class _Owner:
    """One daemon thread that owns the pyttsx3 engine (pyttsx3 is used from one thread only;
    a daemon, so that a synthesis stuck in it never keeps the process from exiting)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]]
        self._jobs = queue.SimpleQueue()
        threading.Thread(target=self._run, daemon=True, name="hallq-tts").start()

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        done: Future[Any] = Future()
        self._jobs.put((done, fn, args))
        return done.result(timeout)

    def _run(self) -> None:
        while True:
            done, fn, args = self._jobs.get()
            try:
                done.set_result(fn(*args))
            except BaseException as exc:
                done.set_exception(exc)


class _Process:
    """The process's pyttsx3 engine and the one thread that owns it, kept for good. espeak-ng
    has one synthesiser and one synthesis callback per process; pyttsx3 points that callback at
    its newest driver, and at nothing when a dropped driver is collected, and hands the engine
    it has to whoever asks. Two engines of one process (the suite made one per test) answered
    each other's utterances, wrote none, or left a `runAndWait` looping for ever."""

    def __init__(self, driver: str | None) -> None:
        self.owner = _Owner()
        self.engine: Any = self.owner.call(_init_pyttsx3, driver, timeout=SYNTH_TIMEOUT_S)
        self.stuck = False
        """Set when a synthesis never returned: the owner thread is lost to it, and the
        process speaks through the `espeak-ng` command from then on."""
        self.finished = threading.Event()
        """Set when an utterance has ended (pyttsx3's `finished-utterance`): see `_synth`."""
        self.engine.connect("finished-utterance", self._finished)

    def _finished(self, name: object = None, completed: bool = True) -> None:
        self.finished.set()


_processes: dict[str | None, _Process] = {}
_processes_lock = threading.Lock()


def _process(driver: str | None) -> _Process:
    with _processes_lock:
        found = _processes.get(driver)
        if found is None:
            found = _processes[driver] = _Process(driver)
        return found


class Pyttsx3Engine:
    """pyttsx3 behind `Engine`. Every instance in a process shares its one engine and thread
    (`_Process`); each has a scratch directory of its own."""

    def __init__(self, driver: str | None = None) -> None:
        self._process = _process(driver)
        self._owner = self._process.owner
        self._engine: Any = self._process.engine
        self._tmp = Path(tempfile.mkdtemp(prefix="hallq-tts-"))

    def voices(self) -> list[VoiceInfo]:
        found = self._owner.call(self._engine.getProperty, "voices", timeout=SYNTH_TIMEOUT_S)
        return [
            VoiceInfo(str(v.id), str(v.name or ""), tuple(str(x) for x in (v.languages or ())))
            for v in found
        ]

    def _configure(self, voice: str | None, rate: int | None, volume: float) -> None:
        if voice:
            self._engine.setProperty("voice", voice)
        if rate:
            self._engine.setProperty("rate", rate)
        self._engine.setProperty("volume", max(0.0, min(1.0, volume)))

    def synth(self, text: str, voice: str | None, rate: int | None, volume: float) -> Pcm:
        if not self._process.stuck:
            try:
                pcm: Pcm = self._owner.call(
                    self._synth, text, voice, rate, volume, timeout=SYNTH_TIMEOUT_S
                )
                return pcm
            except TimeoutError:
                self._process.stuck = True
                log.warning("the speech engine gave no audio within %.0f s: the espeak-ng "
                            "command speaks from now on", SYNTH_TIMEOUT_S)  # fmt: skip
        return self._command(text, voice, rate, volume)

    def _synth(self, text: str, voice: str | None, rate: int | None, volume: float) -> Pcm:
        self._configure(voice, rate, volume)
        path = self._tmp / "utterance.wav"
        path.unlink(missing_ok=True)
        # pyttsx3's espeak driver print()s "Audio saved to …" on stdout.
        finished = self._process.finished
        finished.clear()
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            # pyttsx3 2.99's espeak driver runs the `endLoop` that `runAndWait` queues before
            # it starts the synthesis, so `runAndWait` returns as soon as espeak-ng has begun;
            # espeak-ng writes the file later, from its own thread (under load, after the
            # check below: "wrote no audio", and its "Audio saved" line outside the redirect).
            finished.wait(SYNTH_TIMEOUT_S)
        if not path.exists():
            raise RuntimeError(f"the speech engine wrote no audio for {text!r}")
        return read_wav(path)

    def _command(self, text: str, voice: str | None, rate: int | None, volume: float) -> Pcm:
        """The same utterance by the `espeak-ng` command (its voices are pyttsx3's ids)."""
        path = self._tmp / "command.wav"
        path.unlink(missing_ok=True)
        cmd = ["espeak-ng", "-w", str(path), "-a", str(round(max(0.0, min(1.0, volume)) * 100))]
        cmd += (["-v", voice] if voice else []) + (["-s", str(rate)] if rate else [])
        subprocess.run([*cmd, "--", text], check=True, capture_output=True,
                       timeout=SYNTH_TIMEOUT_S)  # fmt: skip
        return read_wav(path)

    def say(self, text: str, voice: str | None, rate: int | None, volume: float) -> None:
        def speak() -> None:
            self._configure(voice, rate, volume)
            self._engine.say(text)
            self._engine.runAndWait()

        self._owner.call(speak, timeout=SAY_TIMEOUT_S)


def _init_pyttsx3(driver: str | None) -> Any:
    import pyttsx3

    return pyttsx3.init(driver) if driver else pyttsx3.init()


def resolve_voices(engine: Engine, config: VoiceConfig) -> dict[Locale, str | None]:
    available = engine.voices()
    chosen = {loc: config.voices.get(loc) or choose_voice(loc, available) for loc in LOCALES}
    for loc in config.locales:
        log.info("voice for %s: %s", loc, chosen[loc] or "(engine default)")
    return chosen


def render(
    engine: Engine,
    sentences: Sequence[tuple[Locale, str]],
    voices: Mapping[Locale, str | None],
    config: VoiceConfig,
    chime: Pcm | None = None,
) -> Pcm:
    """Chime, then every sentence (one per language), the whole repeated `config.repeat` times."""
    spoken = [
        engine.synth(text, voices.get(loc), config.rate, config.volume) for loc, text in sentences
    ]
    rate = spoken[0].rate if spoken else (chime.rate if chime else 22050)
    parts: list[Pcm] = []
    if chime is not None:
        parts += [chime, silence(rate, CHIME_GAP_S)]
    for round_ in range(max(1, config.repeat)):
        if round_:
            parts.append(silence(rate, REPEAT_GAP_S))
        for i, pcm in enumerate(spoken):
            if i:
                parts.append(silence(rate, SENTENCE_GAP_S))
            parts.append(pcm)
    return join(parts, rate)


class Renderer:
    """Announcement WAVs for a server process: one worker thread owns the engine (espeak-ng has
    one synthesiser per process, so this is created once per process and shared)."""

    def __init__(self, engine_factory: Callable[[], Engine] = Pyttsx3Engine) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="hallq-tts")
        self._factory = engine_factory
        self._engine: Engine | None = None
        self._voices: dict[Locale, str | None] = {}

    def submit(
        self, sentences: Sequence[tuple[Locale, str]], config: VoiceConfig, out: Path
    ) -> Future[Path]:
        return self._pool.submit(self._render, sentences, config, out)

    def _render(
        self, sentences: Sequence[tuple[Locale, str]], config: VoiceConfig, out: Path
    ) -> Path:
        if self._engine is None:
            self._engine = self._factory()
            self._voices = resolve_voices(self._engine, VoiceConfig(locales=LOCALES))
        voices = {**self._voices, **config.voices}
        if not out.exists():
            write_wav(out, render(self._engine, sentences, voices, config))
        return out


_renderer: Renderer | None = None
_renderer_lock = threading.Lock()


def shared_renderer() -> Renderer:
    """The process's `Renderer` (see its docstring for why there is only one)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = Renderer()
        return _renderer
