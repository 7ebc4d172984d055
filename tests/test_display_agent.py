"""The display agent (`hallq display`) against a real server, with real espeak-ng.

The agent runs as a subprocess with `--audio-out` (WAVs measured here) and, where playing
matters, a stand-in `paplay` first on PATH that logs when each file starts and stops playing:
the speaker's real playback path, with a log instead of a sound card."""

from __future__ import annotations

import array
import ctypes.util
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.speech.wav import read_wav
from tests.support import IN_CI, ROOT, LiveServer, Remote, wait_until
from tests.tcp_proxy import TcpProxy

CHIME_S = 1.2 + 0.2  # the chime and the gap after it, at the start of every WAV
FAKE_PLAYER = """#!/bin/sh
echo "start $1 $(date +%s.%N)" >> "$HALLQ_TEST_PLAYER_LOG"
sleep 0.3
echo "end $1 $(date +%s.%N)" >> "$HALLQ_TEST_PLAYER_LOG"
"""


def require_espeak() -> None:
    if shutil.which("espeak-ng") and ctypes.util.find_library("espeak-ng"):
        return
    if IN_CI:
        pytest.fail("espeak-ng (apt package espeak-ng) is required in CI")
    pytest.skip("espeak-ng not installed")


@dataclass
class HallSetup:
    server: LiveServer
    remote: Remote
    service_id: int
    counters: list[int]
    display_token: str

    def call(self, counter: int) -> str:
        """Issue a ticket and call it at `counter`; its number."""
        self.remote.post("/api/v1/tickets", {"service_id": self.service_id}, status=201)
        return self.call_next(counter)

    def call_next(self, counter: int) -> str:
        body = {"complete_current": True}
        result = self.remote.post(f"/api/v1/counters/{counter}/call-next", body)
        return str(result["ticket"]["number"])


@pytest.fixture(scope="module")
def hall(server: LiveServer, remote: Remote) -> HallSetup:
    require_espeak()
    service = remote.service("A")
    counters = [remote.counter(n, [service["id"]])["id"] for n in (1, 2, 3)]
    for counter in counters:
        remote.post(f"/api/v1/counters/{counter}/open")
    _, token = remote.device("display")
    return HallSetup(server, remote, service["id"], counters, token)


class AgentRun:
    """`hallq display` in a subprocess with its own state dir, audio dir and player log."""

    def __init__(self, tmp: Path, hall: HallSetup, *args: str, url: str | None = None) -> None:
        self.state = tmp / "state"
        self.wavs = tmp / "wav"
        self.player_log = tmp / "player.log"
        self.stderr = tmp / "agent.log"
        bin_dir = tmp / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        (bin_dir / "paplay").write_text(FAKE_PLAYER)
        (bin_dir / "paplay").chmod(0o755)
        self.env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}",
                    "HALLQ_TEST_PLAYER_LOG": str(self.player_log)}  # fmt: skip
        self.cmd = [sys.executable, "-m", "server.cli", "display", "--server",
                    url or hall.server.url, "--token", hall.display_token, "--state-dir",
                    str(self.state), "--audio-out", str(self.wavs), *args]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def _followed(self) -> int:
        text = self.stderr.read_text() if self.stderr.exists() else ""
        return text.count("following branch")

    def start(self) -> AgentRun:
        """Start, and return once the agent follows the stream (after its snapshot if new)."""
        progress = self.state / "branch-1.json"
        fresh, followed = not progress.exists(), self._followed()
        with self.stderr.open("ab") as err:
            self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=ROOT, stderr=err)

        def ready() -> bool:
            assert self.proc is not None
            assert self.proc.poll() is None, self.stderr.read_text()[-3000:]
            return self._followed() > followed and progress.exists()

        wait_until(ready, 30, "the agent to follow the stream")
        if fresh:
            wait_until(lambda: "snapshot at seq" in self.stderr.read_text(), 30, "a snapshot")
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)

    def log(self) -> list[dict[str, Any]]:
        path = self.state / "spoken.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def spoken(self) -> list[str]:
        """Ticket numbers announced, in order."""
        return [e["number"] for e in self.log() if "skipped" not in e]

    def wait_spoken(self, numbers: list[str], timeout: float = 30) -> None:
        wait_until(lambda: set(numbers) <= set(self.spoken()), timeout,
                   f"{numbers} spoken; log so far {self.log()}")  # fmt: skip

    def wav(self, number: str) -> Path:
        return Path(next(e["path"] for e in self.log() if e["number"] == number))

    def plays(self) -> list[tuple[str, float, float]]:
        """(file, start, end) of each play, from the stand-in player's log."""
        starts: dict[str, float] = {}
        result = []
        lines = self.player_log.read_text().splitlines() if self.player_log.exists() else []
        for line in lines:
            what, path, at = line.split()
            if what == "start":
                starts[path] = float(at)
            else:
                result.append((path, starts.pop(path), float(at)))
        return result


@pytest.fixture
def agents(tmp_path: Path) -> Iterator[list[AgentRun]]:
    runs: list[AgentRun] = []
    yield runs
    for run in runs:
        run.kill()


def speech_seconds(path: Path) -> tuple[float, float]:
    """(seconds of the WAV after the chime, RMS level of that part)."""
    pcm = read_wav(path)
    speech = pcm.samples[round(CHIME_S * pcm.rate) :]
    rms = (sum(s * s for s in speech) / max(1, len(speech))) ** 0.5
    return len(speech) / pcm.rate, rms


def test_a_call_is_written_as_a_wav_of_a_sensible_length_in_chinese_and_english(
    hall: HallSetup, agents: list[AgentRun], tmp_path: Path
) -> None:
    zh = AgentRun(tmp_path / "zh", hall, "--langs", "zh-CN", "--no-play")
    en = AgentRun(tmp_path / "en", hall, "--langs", "en", "--no-play")
    for run in (zh, en):
        agents.append(run.start())
    number = hall.call(hall.counters[0])
    for run in (zh, en):
        run.wait_spoken([number])
    zh_s, zh_rms = speech_seconds(zh.wav(number))
    en_s, en_rms = speech_seconds(en.wav(number))
    assert zh.wav(number).name == en.wav(number).name  # <seq>.wav, the same event
    print(
        f"zh-CN speech {zh_s:.2f} s (rms {zh_rms:.0f}), en speech {en_s:.2f} s (rms {en_rms:.0f})"
    )
    # 请 A 0 0 1 号到 1 号窗口办理 (11 syllables); Number A 0 0 1, please go to counter 1.
    assert 1.5 < zh_s < 8, zh_s
    assert 1.0 < en_s < 8, en_s
    assert zh_rms > 300 and en_rms > 300  # speech, not silence


def test_three_calls_within_100_ms_are_announced_in_order_one_after_the_other(
    hall: HallSetup, agents: list[AgentRun], tmp_path: Path
) -> None:
    run = AgentRun(tmp_path, hall, "--langs", "zh-CN")
    agents.append(run.start())
    for _ in hall.counters:
        hall.remote.post("/api/v1/tickets", {"service_id": hall.service_id}, status=201)
    began = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        numbers = list(pool.map(hall.call_next, hall.counters))
    print(f"three calls took {1000 * (time.monotonic() - began):.0f} ms")
    run.wait_spoken(numbers)
    wait_until(lambda: len(run.plays()) >= 3, 30, "three announcements played")
    log = run.log()
    seqs = [e["seq"] for e in log]
    assert len(log) == 3 and seqs == sorted(seqs) and sorted(run.spoken()) == sorted(numbers)
    plays = run.plays()
    assert [Path(p).name for p, _, _ in plays] == [f"{s:06d}.wav" for s in seqs]
    for (_, _, end), (_, start, _) in itertools.pairwise(plays):
        assert start >= end, plays  # never two at once
    for earlier, later in itertools.pairwise(log):
        assert later["started"] >= earlier["finished"]
    print("played:", [(Path(p).name, round(b - plays[0][1], 3), round(e - plays[0][1], 3))
                      for p, b, e in plays])  # fmt: skip


def test_calls_made_while_the_agent_is_cut_off_are_each_spoken_once(
    hall: HallSetup, agents: list[AgentRun], tmp_path: Path
) -> None:
    proxy = TcpProxy(hall.server.port).open()
    try:
        run = AgentRun(tmp_path, hall, "--no-play", url=proxy.url)
        agents.append(run.start())
        first = hall.call(hall.counters[0])
        run.wait_spoken([first])
        proxy.cut()
        missed = [hall.call(hall.counters[1]), hall.call(hall.counters[2])]
        proxy.open()
        run.wait_spoken(missed)
        after = hall.call(hall.counters[0])
        run.wait_spoken([after])
        assert run.spoken() == [first, *missed, after]
        assert "connection lost" in run.stderr.read_text()  # it was cut off, and resumed
    finally:
        proxy.cut()


def test_a_restarted_agent_speaks_what_it_missed_once_and_nothing_again(
    hall: HallSetup, agents: list[AgentRun], tmp_path: Path
) -> None:
    run = AgentRun(tmp_path, hall, "--no-play")
    agents.append(run.start())
    first = hall.call(hall.counters[0])
    run.wait_spoken([first])
    run.kill()
    missed = [hall.call(hall.counters[1]), hall.call(hall.counters[2])]
    run.start()
    run.wait_spoken(missed)
    after = hall.call(hall.counters[0])
    run.wait_spoken([after])
    assert run.spoken() == [first, *missed, after]


def test_a_call_older_than_max_age_is_logged_but_not_spoken(
    hall: HallSetup, agents: list[AgentRun], tmp_path: Path
) -> None:
    run = AgentRun(tmp_path, hall, "--no-play", "--max-age", "1")
    agents.append(run.start())
    run.kill()
    stale = hall.call(hall.counters[0])
    called = time.monotonic()
    wait_until(lambda: time.monotonic() - called > 1.5, 5, "the call to age past --max-age")
    run.start()
    fresh = hall.call(hall.counters[1])
    run.wait_spoken([fresh])
    assert run.spoken() == [fresh]
    assert [e["number"] for e in run.log() if e.get("skipped") == "stale"] == [stale]
    assert sorted(p.name for p in run.wavs.iterdir()) == [run.wav(fresh).name]


def test_speech_seconds_helper_reads_what_the_agent_writes(tmp_path: Path) -> None:
    from server.speech.wav import Pcm, write_wav

    write_wav(tmp_path / "x.wav", Pcm(8000, array.array("h", [1000, -1000] * 8000)))
    seconds, rms = speech_seconds(tmp_path / "x.wav")
    assert abs(seconds - (2 - CHIME_S)) < 0.01 and 999 < rms < 1001
