"""The speaker: one thread owns the speech engine; announcements queue and never overlap.

Each announcement is rendered to one WAV (server/speech/synthesis.py: chime, then each
language's sentence, repeated), optionally kept as `<audio_out>/<seq:06d>.wav`, then played to
the end before the next one starts.
"""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from display.audio import find_player, play_wav
from server.protocol import LOCALES, Locale
from server.speech.phrases import Announcement
from server.speech.synthesis import Engine, Pyttsx3Engine, VoiceConfig, render, resolve_voices
from server.speech.wav import Pcm, read_wav, write_wav

log = logging.getLogger("hallq.display.voice")


def parse_voice_option(value: str | None) -> dict[Locale, str]:
    """`--voice en-us` (every language) or `--voice zh-CN=cmn-latn-pinyin,en=en-gb`."""
    if not value:
        return {}
    if "=" not in value:
        return dict.fromkeys(LOCALES, value.strip())
    result: dict[Locale, str] = {}
    for item in value.split(","):
        loc, _, voice = item.partition("=")
        match = next((x for x in LOCALES if x.lower() == loc.strip().lower()), None)
        if match is None or not voice.strip():
            raise ValueError(f"--voice: expected LOCALE=VOICE, got {item!r}")
        result[match] = voice.strip()
    return result


@dataclass(frozen=True)
class Spoken:
    """What the speaker did with one announcement (times are time.time() seconds)."""

    seq: int
    number: str
    counter: int
    started: float
    finished: float
    seconds: float  # length of the audio
    path: str | None
    played: bool


@dataclass(frozen=True)
class _Job:
    item: Announcement
    sentences: Sequence[tuple[Locale, str]]


class Speaker:
    """One thread, one engine, one announcement at a time, in the order given."""

    def __init__(
        self,
        config: VoiceConfig,
        *,
        chime: Path | None = None,
        audio_out: Path | None = None,
        play: bool = True,
        on_spoken: Callable[[Spoken], None] | None = None,
        engine_factory: Callable[[], Engine] = Pyttsx3Engine,
    ) -> None:
        self.config = config
        self.chime_path = chime
        self.audio_out = audio_out
        self.play = play
        self.on_spoken = on_spoken
        self.records: list[Spoken] = []
        self._engine_factory = engine_factory
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="hallq-speaker", daemon=True)
        self._busy = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError(f"speech engine failed to start: {self._error}") from self._error

    def say(self, item: Announcement, sentences: Sequence[tuple[Locale, str]]) -> None:
        self._busy.set()
        self._queue.put(_Job(item, sentences))

    def idle(self) -> bool:
        return self._queue.empty() and not self._busy.is_set()

    def stop(self, timeout: float = 30) -> None:
        """Finish what is queued, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            engine = self._engine_factory()
            voices = resolve_voices(engine, self.config)
            chime = read_wav(self.chime_path) if self.chime_path else None
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        player = None if not self.play else find_player()
        if self.play and player is None:
            log.warning(
                "no WAV player found (paplay, pw-play, aplay, play): speaking through "
                "the engine, without the chime"
            )
        self._ready.set()
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                try:
                    self._speak(engine, voices, chime, player, job)
                except Exception:  # espeak-ng fails now and then: one more try, then give up
                    log.warning("announcement seq %d failed; trying once more", job.item.seq,
                                exc_info=True)  # fmt: skip
                    self._speak(engine, voices, chime, player, job)
            except Exception:
                log.exception("announcement seq %d failed", job.item.seq)
                now = time.time()
                self._done(
                    Spoken(
                        seq=job.item.seq,
                        number=job.item.number,
                        counter=job.item.counter_number,
                        started=now,
                        finished=now,
                        seconds=0.0,
                        path=None,
                        played=False,
                    )
                )
            finally:
                if self._queue.empty():
                    self._busy.clear()

    def _speak(
        self,
        engine: Engine,
        voices: Mapping[Locale, str | None],
        chime: Pcm | None,
        player: list[str] | None,
        job: _Job,
    ) -> None:
        started = time.time()
        pcm = render(engine, job.sentences, voices, self.config, chime)
        path = None
        if self.audio_out is not None:
            path = self.audio_out / f"{job.item.seq:06d}.wav"
            write_wav(path, pcm)
        played = False
        if self.play:
            if player is not None:
                target = path
                if target is None:
                    target = Path(tempfile.gettempdir()) / f"hallq-announcement-{job.item.seq}.wav"
                    write_wav(target, pcm)
                played = play_wav(target, player)
                if path is None:
                    target.unlink(missing_ok=True)
            else:
                for _ in range(max(1, self.config.repeat)):
                    for loc, text in job.sentences:
                        engine.say(text, voices.get(loc), self.config.rate, self.config.volume)
                played = True
        record = Spoken(
            seq=job.item.seq,
            number=job.item.number,
            counter=job.item.counter_number,
            started=started,
            finished=time.time(),
            seconds=pcm.seconds,
            path=str(path) if path else None,
            played=played,
        )
        log.info(
            "announced seq %d %s → counter %d (%.1f s audio)",
            record.seq,
            record.number,
            record.counter,
            record.seconds,
        )
        self._done(record)

    def _done(self, record: Spoken) -> None:
        self.records.append(record)
        if self.on_spoken is not None:
            try:
                self.on_spoken(record)
            except Exception:
                log.exception("on_spoken failed for seq %d", record.seq)
