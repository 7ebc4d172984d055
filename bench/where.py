"""Where the CPU of one issued ticket goes: `python -m bench --only where`.

The bare floor and `hallq serve` (SQLite) are each driven in a closed loop at concurrency 32
(scenario 1's requests); the server process's CPU time from /proc over the window, divided by
the tickets answered, gives its CPU per request. During a second window on `hallq serve`,
py-spy samples (`--gil --nonblocking`, 250 Hz) the thread that holds the GIL, and each
sample is put in the first part of PARTS whose pattern its stack contains: the share of the
samples of each part times the CPU per ticket gives its microseconds. What py-spy does not
see is the CPU spent without the GIL: SQLite's own work (statements, the commit and its
fsync), the kernel's socket work.

py-spy is a profiler, not one of hallq's dependencies: `pip install py-spy` into the
environment the bench runs in (it needs the right to ptrace the server, as root here). Without
it the section gives the CPU per request alone.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import hall, load, procs
from bench.procs import say
from bench.rawhttp import request_bytes

CONCURRENCY = 32
RATE_HZ = 250
WHERE_BEGIN, WHERE_END = "<!-- bench-where:begin -->", "<!-- bench-where:end -->"

PARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (part, thread: "writer" / "loop" / "other", patterns: the first found in the stack wins)
    ("the audit chain's record", "writer", ("server/audit/",)),
    ("wait estimate", "writer", ("server/tickets/figures.py", "server/tickets/estimate.py",
                                 "_estimate (server/tickets/views.py")),
    ("events: serialise and store", "writer", ("UnitOfWork.publish", "insert_events",
                                               "server/core/events.py", "event_text")),
    ("ticket row, number and position", "writer", ("Tickets.save", "take_number",
                                                    "insert_ticket", "server/tickets/repository",
                                                    "server/tickets/numbering.py",
                                                    "sqlalchemy generated __init__",
                                                    "InstrumentedAttribute.__set__")),
    ("the answer's body", "writer", ("ticket_wire", "server/tickets/serializers.py")),
    ("other use-case work", "writer", ("_job.<locals>.job",)),
    ("transaction: begin, savepoints, commit", "writer", ("GroupCommitter",)),
    ("authentication", "loop", ("server/auth/",)),
    ("access log line", "loop", ("Logger.info", "Logger._log")),
    ("HTTP, routing, validation, response", "loop", ("MainThread",)),
    ("alerts' evaluation", "other", ("server/alerts/",)),
    ("other background tasks", "other", ("",)),
)  # fmt: skip


@dataclass
class Where:
    bare_us: float = 0.0
    bare_rate: float = 0.0
    hallq_us: float = 0.0
    hallq_rate: float = 0.0
    samples: int = 0
    held_s: float = 0.0
    """Seconds of the profiled window in which a thread of the server held the GIL."""
    profiled_us: float = 0.0
    """CPU per ticket in the profiled window."""
    profiled_tickets: int = 0
    parts: Counter[str] = field(default_factory=Counter)
    load: tuple[float, float] = (0.0, 0.0)
    when: str = ""


def classify(stack: str) -> str:
    for part, _thread, patterns in PARTS:
        if any(p in stack for p in patterns):
            return part
    return PARTS[-1][0]


def read_raw(path: Path) -> Counter[str]:
    """py-spy's raw (collapsed) output: one stack per line, its sample count last."""
    parts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            parts[classify(re.sub(r"^thread \(\d+\): ", "", stack))] += int(n)
    return parts


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def _cpu_per_request(server: procs.Proc, raw: bytes, window_s: float) -> tuple[float, float, int]:
    """(CPU µs per answered request, requests/s, requests) over one window."""
    before = procs.cpu_s(server.pid)
    result = asyncio.run(load.closed_loop(server.port, raw, CONCURRENCY, window_s, 0.0))
    used = procs.cpu_s(server.pid) - before
    return used / max(result.requests, 1) * 1e6, result.rate, result.requests


def scenario(cfg: Any, report: Any, work: Path) -> None:
    window = cfg.window_s * 2
    out = Where(load=(os.getloadavg()[0], 0.0), when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"))
    say(f"where: the CPU of one issued ticket (closed loop, c={CONCURRENCY}, SQLite)")
    bare = procs.bare_server(work).start()
    try:
        raw = request_bytes("POST", "/api/v1/tickets", {"service_id": 1}, {})
        asyncio.run(load.closed_loop(bare.port, raw, CONCURRENCY, 1.0, 0.0))
        out.bare_us, out.bare_rate, _ = _cpu_per_request(bare, raw, window)
    finally:
        bare.stop()
    say(f"  bare   {out.bare_rate:6.0f} req/s  {out.bare_us:6.0f} µs CPU per request")
    url = f"sqlite:///{work / 'where.db'}"
    procs.migrate(url, work)
    server = procs.hallq_server(url, work, "where").start()
    try:
        h = hall.setup(server.url, server.port)
        raw = request_bytes("POST", "/api/v1/tickets", {"service_id": h.service_id},
                            {"Authorization": f"Bearer {h.kiosk}"})  # fmt: skip
        asyncio.run(load.closed_loop(server.port, raw, CONCURRENCY, 1.0, 0.0))
        out.hallq_us, out.hallq_rate, _ = _cpu_per_request(server, raw, window)
        say(f"  hallq  {out.hallq_rate:6.0f} req/s  {out.hallq_us:6.0f} µs CPU per request")
        spy = py_spy()
        if spy is None:
            say("  py-spy is not installed (pip install py-spy): no breakdown")
        else:
            _profile(spy, server, raw, window, work, out)
    finally:
        server.stop()
    out.load = (out.load[0], os.getloadavg()[0])
    report.where = figures(out)


def _profile(spy: str, server: procs.Proc, raw: bytes, window: float, work: Path,
             out: Where) -> None:  # fmt: skip
    path = work / "where-spy.txt"
    cmd = [spy, "record", "-p", str(server.pid), "-r", str(RATE_HZ), "-d", str(int(window + 1)),
           "-f", "raw", "-o", str(path), "--threads", "--gil", "--nonblocking"]  # fmt: skip
    sampler = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # py-spy attaches
    out.profiled_us, _, out.profiled_tickets = _cpu_per_request(server, raw, window)
    sampler.wait(timeout=window + 30)
    out.parts = read_raw(path)
    out.samples = sum(out.parts.values())
    out.held_s = out.samples / RATE_HZ
    for part, n in out.parts.most_common():
        say(f"  {n / out.samples:6.1%}  {part}")


def figures(w: Where) -> str:
    lines = [WHERE_BEGIN, "",
             f"Run {w.when} UTC (`python -m bench --only where`); load average (1 min) "
             f"{w.load[0]:.1f} before, {w.load[1]:.1f} after.", "",
             "| server | tickets/s | CPU µs per request |", "|---|---:|---:|",
             f"| bare floor | {w.bare_rate:,.0f} | {w.bare_us:,.0f} |",
             f"| `hallq serve`, SQLite | {w.hallq_rate:,.0f} | {w.hallq_us:,.0f} |",
             ""]  # fmt: skip
    if w.samples:
        gil_us = w.held_s / max(w.profiled_tickets, 1) * 1e6
        lines += [f"py-spy: {w.samples:,} samples of the thread holding the GIL over "
                  f"{w.profiled_tickets:,} tickets: {gil_us:,.0f} µs per ticket with the GIL "
                  f"of {w.profiled_us:,.0f} µs of CPU while sampled; the other "
                  f"{max(w.profiled_us - gil_us, 0):,.0f} µs ran without it (SQLite's own "
                  "work, its commit, the kernel's).", "",
                  "| thread | part | share of GIL samples | µs per ticket |",
                  "|---|---|---:|---:|"]  # fmt: skip
        for part, thread, _ in PARTS:
            n = w.parts.get(part, 0)
            if n:
                share = n / w.samples
                lines.append(f"| {thread} | {part} | {share:.1%} | {share * gil_us:,.0f} |")
        lines.append("")
    else:
        lines += ["_py-spy was not installed: no breakdown._", ""]
    lines.append(WHERE_END)
    return "\n".join(lines)
