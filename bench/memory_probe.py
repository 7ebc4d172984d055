"""A `hallq serve` worker that tells what its display sockets hold (`bench/memory.py`).

`python -m bench.memory_probe PORT OUT` serves the app as one worker of `hallq serve --workers`
does (`server.workers.OPTIONS`) and answers two signals: SIGUSR1 starts tracemalloc, so that
only what is allocated afterwards is traced (the sockets the bench then opens); SIGUSR2 writes
to OUT what is still traced, by source line and by call chain, with the process's RSS. The
bench divides by the number of sockets: Python's share of the memory per socket, and the rest
of the RSS (C allocations, fragmentation) by difference.
"""

from __future__ import annotations

import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType

import uvicorn

from server.workers import APP, OPTIONS

TOP = 40
DEPTH = 12


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    port, out = int(sys.argv[1]), Path(sys.argv[2])
    started: list[int] = []

    def begin(_sig: int, _frame: FrameType | None) -> None:
        started[:] = [rss_kb()]
        tracemalloc.start(DEPTH)

    def dump(_sig: int, _frame: FrameType | None) -> None:
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        traced = sum(s.size for s in snapshot.statistics("filename"))
        lines = [f"rss_kb {started[0]} {rss_kb()}", f"traced {traced}", "== by line"]
        by_file = snapshot.statistics("filename")[:TOP]
        lines += [str(s) for s in snapshot.statistics("lineno")[:TOP]]
        lines.append("== by file")
        lines += [str(s) for s in by_file]
        lines.append("== by call chain")
        for stat in snapshot.statistics("traceback")[: TOP // 2]:
            lines.append(f"{stat.size / 1024:.1f} KiB in {stat.count} blocks")
            lines += ["    " + each for each in stat.traceback.format()]
        part = out.with_suffix(".part")
        part.write_text("\n".join(lines) + "\n")
        part.rename(out)  # whole when it appears

    signal.signal(signal.SIGUSR1, begin)
    signal.signal(signal.SIGUSR2, dump)
    uvicorn.run(APP, host="127.0.0.1", port=port, **OPTIONS)


if __name__ == "__main__":
    main()
