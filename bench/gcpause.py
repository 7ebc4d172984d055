"""The load generator's own garbage-collection pauses.

The scale bench's client holds 3,000 display sockets, every seq they received and every
operation's timing in one process; a full collection of that heap stops its event loop, and
every call answered or displayed meanwhile is stamped late by as much, on both instances at
once. `Pauses` records each collection (through `gc.callbacks`) so that a report can say how
long the client itself stood still in a window.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pauses:
    """Collections while `recording`: (generation, seconds) each."""

    taken: list[tuple[int, float]] = field(default_factory=list)
    _started: float = 0.0

    def __enter__(self) -> Pauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.taken.append((int(info["generation"]), time.perf_counter() - self._started))

    def line(self) -> str:
        full = [s for g, s in self.taken if g == 2]
        total = sum(s for _, s in self.taken)
        return (f"{len(self.taken)} collections, {total * 1000:.0f} ms in all; "
                f"{len(full)} full, longest {max(full, default=0) * 1000:.0f} ms")  # fmt: skip
