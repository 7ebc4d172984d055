"""Give the C heap's free memory back to the system now and then (glibc's `malloc_trim`).

Python hands its emptied small-object arenas back at once, but larger blocks (request bodies,
the drivers' buffers, websocket frames, compiled statements) come from glibc's heap, which
keeps what is freed at its top and in its free lists for later. Under load a worker's RSS then
only grows: its peak is that of the busiest moment, not of what it holds. The instance's RSS
has a budget (300 MB for two workers and their supervisor at 1,500 displays, issue 18), so
each process trims every `HALLQ_MEMORY_TRIM_S` (10 s). A trim takes milliseconds (30 ms for a
600 MB heap of scattered blocks, half of it free), on a thread of its own: ctypes lets the GIL
go for the call. No library does this; it is one C call through ctypes, and nothing on other C
libraries (musl has no such call: the task ends at once).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    try:
        call = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if call is not None:
        call.argtypes, call.restype = [ctypes.c_size_t], ctypes.c_int
    return call


def trim() -> bool:
    """Return the heap's free memory to the system now; False where the C library cannot."""
    call = _malloc_trim()
    return call is not None and call(0) >= 0


async def trim_every(interval_s: float) -> None:
    """The server's task: `trim` every `interval_s` seconds (0: never), until cancelled."""
    if interval_s <= 0 or _malloc_trim() is None:
        return
    while True:
        await asyncio.sleep(interval_s)
        await asyncio.to_thread(trim)
