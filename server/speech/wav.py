"""Mono 16-bit PCM: read, join and write WAV files with the standard library only.

Shared by the server's speech route and the display agent (server/speech/synthesis.py renders
into it; the agent plays what it wrote, display/audio.py)."""

from __future__ import annotations

import array
import sys
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


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
