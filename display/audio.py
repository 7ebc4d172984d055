"""Mono 16-bit PCM: read, join and write WAV files with the standard library only, and play
a WAV on the local speaker with whatever player the machine has."""

from __future__ import annotations

import array
import logging
import shutil
import subprocess
import sys
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("hallq.display.audio")
# Tried in order; each plays a WAV file and returns when it has finished.
PLAYERS = (("paplay",), ("pw-play",), ("aplay", "-q"), ("play", "-q"))


@dataclass(frozen=True)
class Pcm:
    """Mono signed 16-bit samples at `rate` Hz."""

    rate: int
    samples: array.array[int]

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


def silence(rate: int, seconds: float) -> Pcm:
    return Pcm(rate, array.array("h", bytes(2 * round(rate * seconds))))


def read_wav(path: Path) -> Pcm:
    """A WAV file (8 or 16 bit, mono or stereo) as mono 16-bit PCM."""
    with wave.open(str(path), "rb") as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        raw = w.readframes(w.getnframes())
    if width == 1:
        samples = array.array("h", ((b - 128) << 8 for b in raw))
    elif width == 2:
        samples = array.array("h")
        samples.frombytes(raw)
        if sys.byteorder == "big":
            samples.byteswap()
    else:
        raise ValueError(f"{path}: {8 * width}-bit WAV is not supported (use 8 or 16 bit)")
    if channels > 1:
        samples = array.array(
            "h",
            (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels)),
        )
    return Pcm(rate, samples)


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear interpolation: good enough for a chime and speech."""
    if pcm.rate == rate or not pcm.samples:
        return Pcm(rate, pcm.samples) if pcm.samples else Pcm(rate, array.array("h"))
    src, n_out = pcm.samples, max(1, round(len(pcm.samples) * rate / pcm.rate))
    step, last = pcm.rate / rate, len(src) - 1
    out = array.array("h", bytes(2 * n_out))
    for i in range(n_out):
        pos = i * step
        j = int(pos)
        if j >= last:
            out[i] = src[last]
        else:
            frac = pos - j
            out[i] = int(src[j] + (src[j + 1] - src[j]) * frac)
    return Pcm(rate, out)


def join(parts: Iterable[Pcm], rate: int | None = None) -> Pcm:
    """One PCM from several, resampled to `rate` (or the first part's rate)."""
    items = list(parts)
    if not items:
        return Pcm(rate or 22050, array.array("h"))
    target = rate or items[0].rate
    samples = array.array("h")
    for item in items:
        samples.extend(resample(item, target).samples)
    return Pcm(target, samples)


def write_wav(path: Path, pcm: Pcm) -> None:
    """Written to a temporary name first, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    samples = pcm.samples
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(samples.tobytes())
    tmp.replace(path)


def find_player() -> list[str] | None:
    """The command line (without the file) of a local WAV player, or None."""
    for cmd in PLAYERS:
        exe = shutil.which(cmd[0])
        if exe:
            return [exe, *cmd[1:]]
    return None


def play_wav(path: Path, player: list[str] | None) -> bool:
    """Play and wait until the end; False when nothing could play it."""
    if sys.platform == "win32":
        import winsound

        winsound.PlaySound(str(path), winsound.SND_FILENAME)
        return True
    if player is None:
        return False
    result = subprocess.run([*player, str(path)], check=False, capture_output=True, timeout=120)
    if result.returncode != 0:
        log.warning("%s failed (%d): %s", player[0], result.returncode, result.stderr[-300:])
    return result.returncode == 0
