"""`make run PORT=…` and the URLs printed and served; the agents' `-v`."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from counter_client import logs
from server.cli import app as cli
from server.cli import running
from server.cli.running import public_base
from server.core.settings import Settings
from tests.support import ROOT
from tests.test_cli import Hallq, hallq

__all__ = ["hallq"]  # the fixture


@pytest.mark.unit
def test_the_public_base_url_follows_the_port_unless_set() -> None:
    default = Settings(_env_file=None)
    assert public_base(default, "127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert public_base(default, "0.0.0.0", 9000) == "http://127.0.0.1:9000"
    assert public_base(default, "::1", 9000) == "http://[::1]:9000"
    chosen = Settings(_env_file=None, public_base_url="https://queue.example.org")
    assert public_base(chosen, "0.0.0.0", 8080) == "https://queue.example.org"


@pytest.mark.integration
def test_make_run_takes_port() -> None:
    lines = subprocess.run(
        ["make", "-n", "run", "PORT=8080"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert any(re.search(r"hallq demo .*--port 8080\b", line) for line in lines), lines
    assert any(re.search(r"hallq serve .*--port 8080\b", line) for line in lines), lines
    assert not any("8000" in line for line in lines), lines


def _all_under(base: str, out: str) -> bool:
    """Every URL printed starts with `base`: the 5 pages, 3 device pages and 2 agents' lines."""
    urls = re.findall(r"https?://[^\s/]+", out)
    assert len(urls) >= 10, out
    return set(urls) == {base}


@pytest.mark.integration
@pytest.mark.usefixtures("cheap_hashing")
def test_demo_prints_the_urls_of_the_port_and_of_the_public_base_url(
    hallq: Hallq, tmp_path: Path
) -> None:
    credentials = str(tmp_path / "first-run.txt")
    out = hallq("demo", "--no-history", "--credentials", credentials, "--port", "8080")
    assert _all_under("http://127.0.0.1:8080", out)
    assert "hallq kiosk --server http://127.0.0.1:8080 --token" in out
    # A later run on another port prints that port, the saved devices included.
    again = hallq("demo", "--no-history", "--credentials", credentials, "--port", "9090")
    assert _all_under("http://127.0.0.1:9090", again)
    result = CliRunner().invoke(
        cli, ["demo", "--no-history", "--credentials", credentials, "--port", "9090"],
        env={"HALLQ_DATABASE_URL": hallq.db_url, "HALLQ_PUBLIC_BASE_URL": "https://q.example.org"},
    )  # fmt: skip
    assert _all_under("https://q.example.org", result.output)
    assert "https://q.example.org/display?branch=1&token=" in result.output


@pytest.mark.integration
@pytest.mark.usefixtures("cheap_hashing")
def test_serve_hands_its_port_to_the_app_as_the_public_base_url(
    hallq: Hallq, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(running.uvicorn, "run", lambda *a, **kw: served.update(kw))
    monkeypatch.setenv("HALLQ_PUBLIC_BASE_URL", "")  # so that monkeypatch puts it back
    monkeypatch.delenv("HALLQ_PUBLIC_BASE_URL")
    monkeypatch.setenv("HALLQ_DATABASE_URL", hallq.db_url)  # serve writes both for the workers
    hallq("serve", "--port", "8123")
    assert served["port"] == 8123
    assert os.environ["HALLQ_PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    assert Settings().public_base_url == "http://127.0.0.1:8123"  # what create_app() reads


@pytest.mark.integration
@pytest.mark.usefixtures("cheap_hashing")
def test_serve_with_workers_becomes_a_supervisor_that_imports_no_hallq_module(
    hallq: Hallq, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept inside the `hallq` command, uvicorn's process manager held every module the
    command had imported (~85 MB) while the workers import the app afresh."""
    became: list[list[str]] = []

    def execv(path: str, args: list[str]) -> None:
        became.append(args)
        raise SystemExit(0)  # exec does not come back

    monkeypatch.setattr(running.os, "execv", execv)
    monkeypatch.setattr(running.uvicorn, "run", lambda *a, **kw: pytest.fail("served in-process"))
    monkeypatch.setenv("HALLQ_DATABASE_URL", hallq.db_url)
    hallq("serve", "--port", "8124", "--workers", "3")
    assert became == [[sys.executable, "-m", "server.workers", "--host", "127.0.0.1",
                       "--port", "8124", "--workers", "3"]]  # fmt: skip
    assert os.environ["HALLQ_PUBLIC_BASE_URL"] == "http://127.0.0.1:8124"  # the workers read it
    code = ("import sys, server.workers; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'server'))")  # fmt: skip
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    assert loaded.strip() == "['server', 'server.workers']"


@pytest.fixture
def fresh_logging() -> Iterator[None]:
    """The logging set-up of a fresh process (no handlers yet), put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    named = {n: logging.getLogger(n).level for n in (*logs.OURS, *logs.LIBRARIES)}
    root.handlers = []
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = handlers, level
        for name, was in named.items():
            logging.getLogger(name).setLevel(was)


def _debug(name: str) -> bool:
    return logging.getLogger(name).isEnabledFor(logging.DEBUG)


@pytest.mark.unit
@pytest.mark.usefixtures("fresh_logging")
@pytest.mark.parametrize("agent", ["kiosk", "display"])
def test_verbose_agents_show_their_debug_lines_not_the_http_librarys(
    agent: str, tmp_path: Path
) -> None:
    env = {"HALLQ_KIOSK_TOKEN": None, "HALLQ_DISPLAY_TOKEN": None, "HALLQ_DISPLAY_SERVER": None}
    args = [agent, "--state-dir", str(tmp_path), "--server", "http://127.0.0.1:1"]
    if agent == "kiosk":
        args += ["--printer", "dummy:"]
    else:
        args += ["--volume", "5"]  # refused before connecting
    for flags, ours, libraries in (([], False, False), (["-v"], True, False),
                                   (["-vv"], True, True)):  # fmt: skip
        logging.getLogger().handlers = []  # each run as in a fresh process
        result = CliRunner().invoke(cli, [*args, *flags], env=env)
        assert result.exit_code == 2, result.output  # refused: the agent does not start
        assert _debug(f"hallq.{agent}") is ours, flags
        assert _debug(f"{agent}.agent") is ours, flags
        assert _debug("httpcore.connection") is libraries, flags
        assert _debug("httpx") is libraries, flags
        assert logging.getLogger("httpcore").isEnabledFor(logging.WARNING)
