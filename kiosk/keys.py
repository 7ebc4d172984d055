"""Button-box input: single keypresses from a terminal (cbreak mode, no Enter needed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterator

log = logging.getLogger(__name__)


@contextlib.contextmanager
def keypresses(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]) -> Iterator[None]:
    """Feed every character typed on stdin into `queue` while the block runs; b"" at EOF."""
    fd = sys.stdin.fileno()
    saved = None
    if os.isatty(fd) and sys.platform != "win32":
        import termios
        import tty

        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)

    def readable() -> None:
        data = os.read(fd, 64)
        if not data:
            loop.remove_reader(fd)
            queue.put_nowait("")
            return
        for char in data.decode("utf-8", errors="ignore"):
            queue.put_nowait(char)

    try:
        loop.add_reader(fd, readable)
    except (OSError, NotImplementedError) as exc:  # a plain file, or Windows' proactor loop
        log.warning("keys cannot be read from stdin: %s", exc)
        queue.put_nowait("")
    try:
        yield
    finally:
        with contextlib.suppress(OSError, NotImplementedError):
            loop.remove_reader(fd)
        if saved is not None:
            import termios

            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
