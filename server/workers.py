"""How uvicorn runs the app, and the supervisor of `hallq serve --workers N`.

`hallq serve` migrates the database, then serves. With one worker it serves in its own process.
With several it becomes (exec) `python -m server.workers`: uvicorn's process manager, which
only binds the socket and starts, watches and restarts the workers. The workers are spawned
afresh and import the app themselves, so the supervisor needs nothing of hallq; kept inside the
`hallq` command it held every module the command had imported, ~85 MB of an instance of two
workers (~320 MB idle on PostgreSQL + Redis, docs/benchmarks.md "Scale-out"), for nothing.
This module therefore imports uvicorn only.

uvicorn spawns the workers with multiprocessing, which also starts its resource tracker: one
more Python process (~13 MB) that removes named semaphores and shared memory left by a crashed
child. hallq's workers make none (nothing in server/ uses multiprocessing), so `main` hands
multiprocessing a tracker that is /dev/null instead (`skip_resource_tracker`).
"""

from __future__ import annotations

import argparse
import os
from multiprocessing import resource_tracker
from typing import Any

import uvicorn

APP = "server.app:create_app"
OPTIONS: dict[str, Any] = {
    "factory": True,
    # No permessage-deflate: events are small and sent to every display, and compressing each
    # copy per connection doubled the fan-out time and cost ~45 KB per subscriber
    # (docs/benchmarks.md).
    "ws": "server.stream.ws_frames:FramesProtocol",
    "ws_ping_interval": 5.0,
    "ws_ping_timeout": 5.0,
    "ws_per_message_deflate": False,
    "log_level": "info",
    "proxy_headers": False,  # the app believes HALLQ_TRUSTED_PROXIES only
}


def command(host: str, port: int, workers: int) -> list[str]:
    """The arguments after `python` that start this supervisor."""
    return ["-m", "server.workers", "--host", host, "--port", str(port), "--workers", str(workers)]


def skip_resource_tracker() -> None:
    """Let this process and the children it spawns believe a resource tracker runs.

    multiprocessing starts its tracker unless `_resource_tracker._fd` is open (it probes it with
    a write), and passes that descriptor to every spawned child, which writes its registrations
    to it. /dev/null takes the probe and any registration. Python 3.11's multiprocessing, private
    attribute: tests/test_workers_tracker.py checks that no tracker starts and that a child can
    still use a multiprocessing lock."""
    tracker: Any = resource_tracker._resource_tracker
    if tracker._fd is None:
        tracker._fd = os.open(os.devnull, os.O_WRONLY)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.workers", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    skip_resource_tracker()
    uvicorn.run(APP, host=args.host, port=args.port, workers=args.workers, **OPTIONS)


if __name__ == "__main__":
    main()
