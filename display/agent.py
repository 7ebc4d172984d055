"""The display agent: follows a branch's event stream and announces every call exactly once.

- `ticket.called` / `ticket.recalled` become announcements, queued on the `Speaker`.
- No event is spoken twice: the agent keeps, in `--state-dir`, the seq up to which every event
  has been handled (announcements count as handled once spoken), and resumes the stream after
  it. A restart or a lost connection replays only what is missing.
- An announcement older than `max_age_s` when it arrives (a replay after a reconnect) is
  logged and written to the spoken log as skipped, but not spoken: the customer has long gone
  to the counter, or been called again. Its age is measured with this machine's clock against
  the server's event time, so the display PC keeps its clock in time (NTP).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from counter_client import ApiError, AsyncClient, EventStream, Unreachable
from display.voice import Speaker, Spoken
from server.protocol import BranchDetail, Event, Locale
from server.speech.phrases import Announcement, announcement, default_locales, sentences
from server.speech.synthesis import VoiceConfig

log = logging.getLogger("hallq.display")
CHIME_PATH = "/static/common/chime.wav"
RETRY_S = 3.0


@dataclass
class AgentConfig:
    server: str
    token: str
    state_dir: Path
    branch_id: int | None = None
    locales: tuple[Locale, ...] | None = None  # None: the branch's locale, then English
    voices: dict[Locale, str] = field(default_factory=dict)
    rate: int | None = None
    volume: float = 1.0
    repeat: int | None = None  # None: the branch's announce_repeat
    audio_out: Path | None = None
    play: bool = True
    max_age_s: float = 60.0


class Progress:
    """The seq up to which every event is handled, persisted after each change (thread-safe:
    the stream reader and the speaker thread both report to it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pending: deque[int] = deque()
        self.received = self._load()

    def _load(self) -> int | None:
        try:
            value = json.loads(self.path.read_text())["last_seq"]
            return int(value) if value is not None else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @property
    def handled(self) -> int | None:
        """Every event up to this seq has been handled (resume the stream after it)."""
        with self._lock:
            return self._handled()

    def _handled(self) -> int | None:
        return self._pending[0] - 1 if self._pending else self.received

    def reset(self, seq: int) -> None:
        """A snapshot: history is known up to `seq` and nothing before it will be announced."""
        with self._lock:
            self._pending.clear()
            self.received = seq
            self._save()

    def event(self, seq: int, *, pending: bool) -> None:
        with self._lock:
            self.received = seq
            if pending:
                self._pending.append(seq)
            self._save()

    def done(self, seq: int) -> None:
        with self._lock:
            with contextlib.suppress(ValueError):
                self._pending.remove(seq)
            self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"last_seq": self._handled(), "saved_at": time.time()}))
        os.replace(tmp, self.path)


class Agent:
    """`await Agent(config).run()` until `stop()`; `speaker_factory` lets tests swap the speaker."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        speaker_factory: Callable[..., Speaker] = Speaker,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self._speaker_factory = speaker_factory
        self.speaker: Speaker | None = None
        self.branch: BranchDetail | None = None
        self.progress: Progress | None = None
        self._stream: EventStream | None = None
        self._stopped = asyncio.Event()
        self._log_lock = threading.Lock()

    # ---- setup ----------------------------------------------------------------------------

    def locales(self) -> tuple[Locale, ...]:
        if self.config.locales:
            return self.config.locales
        return default_locales(self.branch.locale if self.branch else "zh-CN")

    def voice_config(self) -> VoiceConfig:
        repeat = self.config.repeat
        if repeat is None:
            repeat = self.branch.settings.announce_repeat if self.branch else 1
        return VoiceConfig(
            locales=self.locales(),
            voices=self.config.voices,
            rate=self.config.rate,
            volume=self.config.volume,
            repeat=repeat,
        )

    async def _load_branch(self, client: AsyncClient) -> None:
        me = await client.me()
        branch_id = self.config.branch_id
        if branch_id is None:
            if len(me.branch_ids) != 1:
                raise ValueError(f"the token sees branches {me.branch_ids}: give --branch")
            branch_id = me.branch_ids[0]
        self.branch = await client.branch(branch_id)
        log.info(
            "branch %d %s; languages %s", branch_id, self.branch.name, ",".join(self.locales())
        )

    async def _load_branch_when_reachable(self, client: AsyncClient) -> None:
        """The display PC often boots before the server: wait for it (a refused token raises)."""
        while True:
            try:
                await self._load_branch(client)
                return
            except Unreachable as exc:
                log.warning("server not reachable (%s); retrying in %.0f s", exc, RETRY_S)
                await asyncio.sleep(RETRY_S)

    async def _fetch_chime(self, client: AsyncClient) -> Path | None:
        """The server's chime, downloaded once and kept in the state dir."""
        path = self.config.state_dir / "chime.wav"
        if path.exists():
            return path
        try:
            content = await client.download(CHIME_PATH)
        except ApiError as exc:
            log.warning("no chime (%s): announcing without it", exc)
            return None
        await asyncio.to_thread(_write_atomic, path, content)
        return path

    # ---- running --------------------------------------------------------------------------

    async def run(self) -> None:
        cfg = self.config
        await asyncio.to_thread(cfg.state_dir.mkdir, parents=True, exist_ok=True)
        async with AsyncClient(cfg.server, token=cfg.token) as client:
            await self._load_branch_when_reachable(client)
            assert self.branch is not None
            chime = await self._fetch_chime(client)
            self.progress = await asyncio.to_thread(
                Progress, cfg.state_dir / f"branch-{self.branch.id}.json"
            )
            self.speaker = self._speaker_factory(
                self.voice_config(),
                chime=chime,
                audio_out=cfg.audio_out,
                play=cfg.play,
                on_spoken=self._spoken,
            )
            await asyncio.to_thread(self.speaker.start)
            since = self.progress.handled
            log.info("following branch %d events after seq %s", self.branch.id, since)
            self._stream = EventStream(cfg.server, self.branch.id, cfg.token, since=since)
            try:
                async for event in self._stream:
                    await self._handle(client, event)
            finally:
                await self._stream.close()
                await asyncio.to_thread(self.speaker.stop)

    async def stop(self) -> None:
        if self._stream is not None:
            await self._stream.close()

    async def _handle(self, client: AsyncClient, event: Event) -> None:
        """Progress and the spoken log are files: written off the event loop, each awaited so the
        order (pending before `say`, hence before `done`) is kept."""
        assert self.progress is not None and self.speaker is not None and self.branch
        if event.type == "snapshot":
            log.info("snapshot at seq %d", event.seq)
            await asyncio.to_thread(self.progress.reset, event.seq)
            return
        if event.type == "config.updated" and event.data.get("what") == "branch":
            try:
                self.branch = await client.branch(self.branch.id)
                self.speaker.config = self.voice_config()
                log.info("branch settings reloaded")
            except Exception as exc:  # keep announcing with the settings we have
                log.warning("reloading the branch settings failed: %s", exc)
        item = announcement(event.seq, event.type, event.ts, event.data)
        if item is None:
            await asyncio.to_thread(self.progress.event, event.seq, pending=False)
            return
        age = self.clock() - item.ts.timestamp()
        if age > self.config.max_age_s:
            log.warning(
                "not announcing seq %d %s → counter %d: %.0f s old (limit %.0f s)",
                item.seq,
                item.number,
                item.counter_number,
                age,
                self.config.max_age_s,
            )
            skipped = {
                "seq": item.seq,
                "number": item.number,
                "counter": item.counter_number,
                "skipped": "stale",
                "age_s": round(age, 1),
            }
            await asyncio.to_thread(self._log, skipped)
            await asyncio.to_thread(self.progress.event, event.seq, pending=False)
            return
        await asyncio.to_thread(self.progress.event, event.seq, pending=True)
        self.speaker.say(item, self._sentences(item))

    def _sentences(self, item: Announcement) -> list[tuple[Locale, str]]:
        templates = self.branch.settings.voice_templates if self.branch else {}
        return sentences(item, self.locales(), templates, for_speech=True)

    def _spoken(self, record: Spoken) -> None:
        """Called on the speaker thread once an announcement has been played (or written)."""
        if self.progress is not None:
            self.progress.done(record.seq)
        self._log(asdict(record))

    def _log(self, entry: dict[str, Any]) -> None:
        with self._log_lock, (self.config.state_dir / "spoken.jsonl").open("a") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(content)
    os.replace(tmp, path)
