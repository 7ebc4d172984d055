"""Server processes (hallq and the bare floor app), databases, RSS."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "bench-admin-password-1"
PG_ADMIN_DSN = "host=127.0.0.1 user=postgres dbname=postgres"
START_TIMEOUT_S = 60.0


def say(text: str) -> None:
    """A line of a scenario's progress, at once (the bench's output is read as it runs)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    """Resident set size of one process, from /proc (MiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_s(pid: int) -> float:
    """User and system CPU seconds of one process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pids_named(name: str) -> list[int]:
    """Processes whose command name is `name` (`redis-server`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
    return found


class Proc:
    """A server subprocess on a loopback port; its log goes to a file (never a full pipe)."""

    def __init__(
        self, cmd: list[str], env: dict[str, str], port: int, log: Path, root: Path = ROOT
    ) -> None:
        self.cmd, self.env, self.port, self.log_path = cmd, env, port, log
        self.root = root
        """The source tree it runs (`python -m` imports from its working directory first)."""
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def spawn(self) -> float:
        """Start; returns the monotonic time of the spawn."""
        self._log = self.log_path.open("ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT
        )
        return started

    def wait_healthy(
        self, path: str = "/healthz", timeout: float = START_TIMEOUT_S, interval: float = 0.01
    ) -> float:
        """Poll until `path` answers 200; returns the monotonic time it did."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    tail = self.log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"server exited ({self.proc.returncode}): {tail}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(self.url + path).status_code == 200:
                        return time.monotonic()
                time.sleep(interval)
        raise RuntimeError(f"{self.cmd} did not become healthy in {timeout}s")

    def start(self) -> Proc:
        self.spawn()
        self.wait_healthy()
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None


def tree_pids(pid: int) -> list[int]:
    """`pid` and every process below it (`hallq serve --workers N`: the supervisor and its N
    workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident set size of `pid` and its descendants, summed (MiB)."""
    total = 0.0
    for each in tree_pids(pid):
        with contextlib.suppress(OSError, RuntimeError):
            total += rss_mb(each)
    return total


def hallq_server(
    db_url: str,
    workdir: Path,
    name: str,
    port: int | None = None,
    root: Path = ROOT,
    *,
    bus_url: str = "memory://",
    workers: int = 1,
) -> Proc:
    port = port or free_port()
    env = {
        **os.environ,
        "HALLQ_DATABASE_URL": db_url,
        "HALLQ_BUS_URL": bus_url,
        "HALLQ_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    cmd = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    return Proc(cmd, env, port, workdir / f"{name}.log", root)


def bare_server(workdir: Path) -> Proc:
    port = free_port()
    cmd = [sys.executable, "-m", "bench.bare_app", str(port)]
    return Proc(cmd, dict(os.environ), port, workdir / "bare.log")


def migrate(db_url: str, workdir: Path, root: Path = ROOT) -> None:
    """`hallq db upgrade` plus the first admin (what `serve` does before listening), with the
    code and migrations of the source tree `root`."""
    env = {**os.environ, "HALLQ_DATABASE_URL": db_url, "HALLQ_ADMIN_PASSWORD": ADMIN_PASSWORD}
    code = (
        "from server.cli.common import _prepare; from server.halls import bootstrap;"
        "from server.core.settings import Settings; s = Settings();"
        "bootstrap.ensure_admin(_prepare(s), s.admin_password)"
    )
    with (workdir / "migrate.log").open("ab") as log:
        subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=120,
        )


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards."""
    import psycopg

    name = f"hallq_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
