"""Memory of one `hallq serve --workers 2` instance (`python -m bench --only memory`).

The scale-out bench (`bench/scale.py`) aims at ≤ 300 MB per instance with 1,500 displays; this
scenario measures only that, in under a minute: a fresh PostgreSQL database, `halls` halls made
through the use cases (`bench/scale_seed.py`), one instance of two workers on the Redis bus,
then `displays` display websockets (six per hall, as in scale-out), then one ticket issued per
hall so that every socket sends an event. The RSS of each process of the instance (supervisor,
workers, multiprocessing's resource tracker) is printed idle, connected, and after the events,
with the instance's PSS (shared pages counted once).

Then the same on one process on SQLite run by `bench/memory_probe.py`, which traces with
tracemalloc what the sockets allocate after a first sixth of them (warm caches): Python's share
per socket, by source line, written to the work directory and summarised here.

HALLQ_BENCH_DISPLAYS (1500) sets the number of sockets; HALLQ_BENCH_BASE another source tree
to run the instance from (its own migrations), to compare with an earlier commit;
HALLQ_BENCH_PROBE_OUT where the probe's details go; HALLQ_BENCH_MEMORY (`instance,probe`)
which parts run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

from bench import procs
from bench.scale import REDIS_URL, wait_started
from bench.scale_load import Load, Tally
from bench.scale_seed import seed
from bench.scale_streams import Streams, connect_displays
from bench.scale_usage import rss_parts

PER_HALL = 6
SETTLE_S = 3.0  # after the sockets: a ping round (5 s) half done, buffers settled


def pss_mb(pid: int) -> float:
    """The instance's proportional set size (MiB): pages shared by its processes (the
    libraries' code, mapped by every worker) counted once in all, where RSS counts them in
    each process."""
    total = 0.0
    for each in procs.tree_pids(pid):
        with contextlib.suppress(OSError):
            for row in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if row.startswith("Pss:"):
                    total += int(row.split()[1]) / 1024
    return total


def line(label: str, pid: int) -> str:
    return (f"  {label:<10} {procs.tree_rss_mb(pid):6.0f} MB  ({rss_parts(pid)}); "
            f"PSS {pss_mb(pid):.0f} MB")  # fmt: skip


async def connect_and_issue(server: procs.Proc, halls: Any, say: Any) -> None:
    started = time.perf_counter()
    displays = await connect_displays(halls, PER_HALL, [server.port], Streams(), deflate=True)
    say(f"  {len(displays)} displays connected in {time.perf_counter() - started:.1f} s")
    await asyncio.sleep(SETTLE_S)
    say(line("connected", server.pid))
    load = Load(halls, [server.port], "", seed=18)
    try:
        await load.warm(4)
        tally = Tally()
        for h in range(len(halls)):
            await load.issue(h, tally)
        await asyncio.sleep(SETTLE_S)
        say(line("events", server.pid) + f"; {tally.total} tickets issued")
    finally:
        load.close()
        for d in displays:
            d.close()


async def probe_sockets(server: procs.Proc, halls: Any, out: Path, say: Any) -> None:
    warm = max(1, len(halls) // 6)
    first = await connect_displays(halls[:warm], PER_HALL, [server.port], Streams(), deflate=True)
    await asyncio.sleep(SETTLE_S)
    os.kill(server.pid, signal.SIGUSR1)
    await asyncio.sleep(0.5)
    rest = await connect_displays(halls[warm:], PER_HALL, [server.port], Streams(), deflate=True)
    await asyncio.sleep(SETTLE_S * 2)  # a ping round or two
    os.kill(server.pid, signal.SIGUSR2)
    for _ in range(600):  # a snapshot of every traced block takes a while
        await asyncio.sleep(0.1)
        if out.exists():
            break
    text = out.read_text().splitlines()
    before, after = (int(x) for x in text[0].split()[1:])
    traced = int(text[1].split()[1])
    n = len(rest)
    say(f"  probe (SQLite, one process): {n} sockets after {len(first)}: RSS "
        f"{(after - before) / n:.1f} KB per socket, of which traced by tracemalloc "
        f"{traced / 1024 / n:.1f} KB (details: {out})")  # fmt: skip
    for each in text[3:13]:
        say("    " + each)
    for d in first + rest:
        d.close()


def probe(halls_n: int, work: Path, say: Any) -> None:
    url = f"sqlite:///{work / 'memory.db'}"
    procs.migrate(url, work)
    halls = seed(url, halls_n, 6)
    port = procs.free_port()
    out = Path(os.environ.get("HALLQ_BENCH_PROBE_OUT") or work / "memory-probe.txt")
    out.unlink(missing_ok=True)
    base = procs.hallq_server(url, work, "memory-probe", port=port)
    cmd = [sys.executable, "-m", "bench.memory_probe", str(port), str(out)]
    server = procs.Proc(cmd, base.env, port, work / "memory-probe.log")
    try:
        server.start()
        uvloop.run(probe_sockets(server, halls, out, say))
    finally:
        server.stop()


def scenario(cfg: Any, report: Any, work: Path) -> None:
    say = print
    if not (cfg.pg and procs.reachable(6379)):
        say("memory: PostgreSQL or Redis on 127.0.0.1 not reachable: skipped")
        return
    displays = int(os.environ.get("HALLQ_BENCH_DISPLAYS", "1500"))
    halls_n = max(1, displays // PER_HALL)
    say(f"memory: one `hallq serve --workers 2` on PostgreSQL + Redis, {halls_n * PER_HALL} "
        f"displays; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    if os.environ.get("HALLQ_BENCH_BASE"):
        say(f"  the instance runs {os.environ['HALLQ_BENCH_BASE']}")
    parts = os.environ.get("HALLQ_BENCH_MEMORY", "instance,probe").split(",")
    if "probe" in parts:
        probe(halls_n, work, say)
    if "instance" not in parts:
        return
    root = Path(os.environ.get("HALLQ_BENCH_BASE") or procs.ROOT)
    with procs.postgres_database() as url:
        procs.migrate(url, work, root)
        halls = seed(url, halls_n, 6)
        server = procs.hallq_server(url, work, "memory", root=root, bus_url=REDIS_URL, workers=2)
        try:
            server.spawn()
            server.wait_healthy()
            wait_started(server, 2)
            time.sleep(SETTLE_S)
            say(line("idle", server.pid))
            uvloop.run(connect_and_issue(server, halls, say))
        finally:
            server.stop()
