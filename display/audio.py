"""Play a WAV on the local speaker with whatever player the machine has (the WAV itself is
read and written by server/speech/wav.py)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("hallq.display.audio")
# Tried in order; each plays a WAV file and returns when it has finished.
PLAYERS = (("paplay",), ("pw-play",), ("aplay", "-q"), ("play", "-q"))


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
