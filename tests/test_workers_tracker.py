"""`hallq serve --workers N` without multiprocessing's resource tracker (server/workers.py): one
Python process fewer per instance (~13 MB), and spawned workers still work, multiprocessing
locks included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.integration

SCRIPT = """
import multiprocessing, os, sys
from server.workers import skip_resource_tracker

def child(queue):
    lock = multiprocessing.get_context("spawn").Lock()  # a semaphore: registered with the tracker
    with lock:
        queue.put("child ran")

if __name__ == "__main__":
    if sys.argv[1] == "skip":
        skip_resource_tracker()
    spawn = multiprocessing.get_context("spawn")
    queue = spawn.SimpleQueue()
    worker = spawn.Process(target=child, args=(queue,))
    worker.start()
    print(queue.get())
    worker.join()
    pid = os.getpid()
    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    trackers = [c for c in children
                if b"resource_tracker" in open(f"/proc/{c}/cmdline", "rb").read()]
    print(f"exit {worker.exitcode}, trackers {len(trackers)}")
"""


def run(mode: str, tmp: Path) -> list[str]:
    script = tmp / "spawning.py"  # spawned children import the parent's main module by path
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), mode], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout.splitlines()


def test_spawned_workers_run_without_a_resource_tracker_process(tmp_path: Path) -> None:
    assert run("skip", tmp_path) == ["child ran", "exit 0, trackers 0"]


def test_without_it_multiprocessing_starts_one(tmp_path: Path) -> None:
    """The check above would see a tracker if one were started."""
    assert run("default", tmp_path) == ["child ran", "exit 0, trackers 1"]
