"""`hallq counter` driven through a pseudo-terminal against a live server: keys in, screen out."""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading

import pytest

from counter_client.screen import HEIGHT, WIDTH, cells
from counter_client.terminal import CLEAR
from tests.support import ROOT, LiveServer, Remote, wait_until

pytestmark = pytest.mark.e2e

WAIT_S = 20.0
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SPACES = re.compile(r" +")


class Terminal:
    """A child process on an 80×24 pty; `screen()` is the last frame it drew."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                                     env={**os.environ, **env})  # fmt: skip
        os.close(slave)
        self.output = ""
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.output += decoder.decode(chunk)

    def screen(self) -> str:
        with self.lock:
            frame = self.output.rsplit(CLEAR, 1)[-1]
        return ANSI.sub("", frame)

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def shows(self, *texts: str) -> str:
        """Wait until the screen shows every text (runs of spaces count as one)."""
        wanted = [SPACES.sub(" ", t) for t in texts]

        def ready() -> str | None:
            screen = self.screen()
            flat = SPACES.sub(" ", screen)
            return screen if all(t in flat for t in wanted) else None

        try:
            return str(wait_until(ready, WAIT_S, f"screen showing {texts}"))
        except AssertionError:
            raise AssertionError(f"screen lacks {texts}:\n{self.screen()}") from None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)


def start_client(server: LiveServer, user: str, counter: int, lang: str) -> Terminal:
    args = [sys.executable, "-m", "server.cli", "counter", "--server", server.url,
            "--user", user, "--counter", str(counter), "--lang", lang]  # fmt: skip
    return Terminal(args, {"HALLQ_COUNTER_PASSWORD": "password-123", "COLUMNS": str(WIDTH)})


def assert_fits(screen: str) -> None:
    lines = screen.replace("\r", "").split("\n")
    assert len(lines) <= HEIGHT, screen
    assert all(cells(line) <= WIDTH for line in lines), screen


def test_a_clerk_serves_from_the_keyboard(server: LiveServer, remote: Remote) -> None:
    a, b = remote.service("A"), remote.service("B")
    remote.counter(1, [a["id"]])
    remote.user("clerk1")
    for _ in range(2):
        remote.post("/api/v1/tickets", {"service_id": a["id"]}, status=201)
    term = start_client(server, "clerk1", 1, "en")
    try:
        assert_fits(term.shows("hallq counter 1", "CLOSED", "connected", "n Call next"))
        term.shows("Waiting for my services 2")
        term.press("o")
        term.shows("OPEN", "Counter open")
        term.press("n")
        term.shows("In hand", "A001", "[called]", "calls 1", "Called A001")
        term.press("r")
        term.shows("calls 2", "Recalled A001")
        term.press("s")
        term.shows("[serving]", "Serving A001")
        term.press("q")  # handover: not with a ticket in hand
        term.shows("A001 is still in hand: complete (c), transfer (t) or park (p) it first")
        term.press("t")
        term.shows("Transfer to service A/B or counter #N:")
        term.press("B\r")
        term.shows("Position: 1 original")
        term.press("3")
        term.shows("A001 transferred", "(no ticket)", "Waiting for my services 1")
        term.press("n")
        term.shows("A002", "[called]")
        term.press("p")
        term.shows("A002 parked", "Parked A002")
        term.press("u")
        term.shows("Resumed A002", "[called]", "Parked none")
        term.press("x")
        term.shows("A002: no-show", "(no ticket)")
        term.press("b\r")  # Enter: the last no-show
        term.shows("A002 is waiting again", "Waiting for my services 1")
        remote.post("/api/v1/tickets", {"service_id": a["id"]}, status=201)  # A003, live
        term.shows("Waiting for my services 2")
        term.press("k")
        term.shows("Number to call")
        term.press("a003\r")
        term.shows("Called A003", "A003", "[called]")
        term.press("c")
        term.shows("Completed A003", "(no ticket)")
        term.press("z")
        term.shows("Pause reason: 1 break")
        term.press("1")
        assert_fits(term.shows("PAUSED (break)", "Counter paused"))
        term.press("q")
        assert term.proc.wait(WAIT_S) == 0
    finally:
        term.close()
    moved = remote.get("/api/v1/tickets", branch_id=1, service_id=b["id"])
    assert [t["number"] for t in moved] == ["A001"] and moved[0]["state"] == "waiting"
    done = remote.get("/api/v1/tickets", branch_id=1, service_id=a["id"], state="done")
    assert [t["number"] for t in done] == ["A003"]


def test_chinese_screen_explains_a_ticket_taken_by_another_counter(
    server: LiveServer, remote: Remote
) -> None:
    c = remote.service("C")
    three = remote.counter(3, [c["id"]])
    remote.counter(4, [c["id"]])
    remote.user("clerk3")
    other = remote.user("clerk4")
    ticket = remote.post("/api/v1/tickets", {"service_id": c["id"]}, status=201)
    term = start_client(server, "clerk3", 3, "zh-CN")
    try:
        assert_fits(term.shows("hallq 3 号窗口", "已关闭", "n 叫下一位", "我的业务等候人数"))
        term.press("o")
        term.shows("开放中", "窗口已开放")
        counters = remote.get("/api/v1/counters", branch_id=1)
        four = next(x for x in counters if x["number"] == 4)
        remote.post(f"/api/v1/counters/{four['id']}/open", headers=other)
        remote.post(f"/api/v1/counters/{four['id']}/call", {"ticket_id": ticket["id"]}, other)
        term.press("k")
        term.press(ticket["number"] + "\r")
        term.shows(f"{ticket['number']} 刚被 4 号窗口呼叫。", "我的业务等候人数 0")
        term.press("n")
        term.shows("我的业务暂无等候。")
        term.press("l")
        term.shows("已关闭", "窗口已关闭")
        term.press("q")
        assert term.proc.wait(WAIT_S) == 0
    finally:
        term.close()
    states = {x["id"]: x["state"] for x in remote.get("/api/v1/counters", branch_id=1)}
    assert states[three["id"]] == "closed"
