"""The kiosk's memory of the jobs it has handled, on disk, so that no job is printed twice across
reconnects or restarts.

A job is marked `printing` *before* the first byte goes to the printer. A job found in that state
after a restart may or may not have come out, so it is reported failed (the touch page then shows
the number on screen) rather than printed again: at most once, never twice.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

JobState = Literal["printing", "printed", "failed"]


@dataclass
class Record:
    state: JobState
    error: str | None = None
    reported: bool = False
    at: str = ""
    job: str = ""  # the job's fingerprint (ticket and time): ids repeat in a restored database


def default_state_dir() -> Path:
    """The user's data directory: %LOCALAPPDATA%\\hallq\\kiosk, or $XDG_DATA_HOME/hallq/kiosk
    (~/.local/share/hallq/kiosk)."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "hallq" / "kiosk"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hallq" / "kiosk"


class PrintedStore:
    """A small JSON file rewritten atomically (write, fsync, rename) on every change. The agent
    calls `mark` and `reported` in worker threads (an fsync must not stall its event loop);
    a lock keeps two of them from writing at once."""

    def __init__(self, path: Path, keep: int = 5000) -> None:
        self.path = path
        self.keep = keep
        self.records: dict[int, Record] = {}
        self._lock = threading.Lock()
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8") or "{}")
            for key, value in raw.get("jobs", {}).items():
                self.records[int(key)] = Record(**value)

    def get(self, job_id: int) -> Record | None:
        return self.records.get(job_id)

    def mark(self, job_id: int, state: JobState, error: str | None = None, job: str = "") -> Record:
        record = Record(state, error, False, datetime.now(UTC).isoformat(timespec="seconds"), job)
        with self._lock:
            self.records[job_id] = record
            self._save()
        return record

    def reported(self, job_id: int) -> None:
        with self._lock:
            record = self.records.get(job_id)
            if record is not None and not record.reported:
                record.reported = True
                self._save()

    def unreported(self) -> list[int]:
        with self._lock:  # `mark` may be adding or pruning records in a worker thread
            return [
                job_id
                for job_id, r in self.records.items()
                if r.state != "printing" and not r.reported
            ]

    def save(self) -> None:
        with self._lock:
            self._save()

    def _save(self) -> None:
        if len(self.records) > self.keep:
            for job_id in sorted(self.records)[: len(self.records) - self.keep]:
                del self.records[job_id]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "jobs": {str(k): asdict(v) for k, v in sorted(self.records.items())}}
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            json.dump(data, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
