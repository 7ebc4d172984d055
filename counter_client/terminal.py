"""`hallq counter --server URL --user U --counter N`: the clerk's terminal client.

Single keys act (the same map as the counter page), the screen redraws in place on every change
and every second, and the event stream keeps the ticket in hand and the waiting count live.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from counter_client.errors import ApiError
from counter_client.events import EventStream
from counter_client.screen import render

if TYPE_CHECKING:
    from counter_client.desk import Desk

CLEAR = "\x1b[H\x1b[2J"


class CounterSettings(BaseSettings):
    """HALLQ_COUNTER_* variables (or .env); command-line options override them."""

    model_config = SettingsConfigDict(env_prefix="HALLQ_COUNTER_", env_file=".env", extra="ignore")

    server: str = Field("http://127.0.0.1:8000", description="Base URL of the hallq server")
    user: str = ""
    password: str = Field("", description="For scripting; otherwise the password is asked")
    counter: int = Field(0, ge=0, description="Counter number")
    branch: int | None = Field(None, description="Branch id (default: the clerk's first)")
    lang: Literal["zh-CN", "zh-TW", "en"] = "zh-CN"


@contextlib.contextmanager
def keyboard(fd: int) -> Iterator[None]:
    """Keys one by one without echo (cbreak), restored afterwards; Ctrl-C still interrupts."""
    if not os.isatty(fd):
        yield
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def draw(desk: Desk) -> None:
    lines = render(desk.view, datetime.now().astimezone())
    sys.stdout.write(CLEAR + "\r\n".join(lines))
    sys.stdout.flush()


async def _follow(desk: Desk, stream: EventStream, refresh: asyncio.Event) -> None:
    try:
        async for event in stream:
            desk.view.connected = stream.connected
            desk.on_event(event)
            refresh.set()
    except ApiError as exc:  # the token was refused (revoked, expired)
        desk.say(exc.detail)
        desk.quit = True


async def _refresher(desk: Desk, refresh: asyncio.Event) -> None:
    while True:
        await refresh.wait()
        refresh.clear()
        try:
            await desk.refresh()
        except ApiError as exc:
            desk.view.message = exc.detail
        await asyncio.sleep(0.1)  # coalesce bursts of events into one re-read


async def _keys(desk: Desk, fd: int) -> None:
    loop = asyncio.get_running_loop()
    pressed: asyncio.Queue[str] = asyncio.Queue()

    def readable() -> None:
        for ch in os.read(fd, 64).decode(errors="ignore"):
            pressed.put_nowait(ch)

    loop.add_reader(fd, readable)
    try:
        while not desk.quit:
            await desk.key(await pressed.get())
    finally:
        loop.remove_reader(fd)


async def _screen(desk: Desk, stream: EventStream) -> None:
    while not desk.quit:
        desk.view.connected = stream.connected
        draw(desk)
        desk.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(desk.changed.wait(), 1.0)


async def run(settings: CounterSettings, password: str) -> int:
    """Log in, find the counter, then run until the clerk quits; the exit status."""
    # The HTTP client (httpx) is imported here: `hallq serve` loads this module for its
    # command line and would otherwise pay ~0.15 s of start-up for it.
    from counter_client.client import AsyncClient
    from counter_client.desk import Desk

    async with AsyncClient(settings.server) as client:
        try:
            login = await client.login(settings.user, password)
            branch_id = settings.branch or (login.user.branch_ids or [1])[0]
            counters = await client.counters(branch_id)
            services = await client.services(branch_id)
            branch = await client.branch(branch_id)
        except ApiError as exc:
            typer.echo(f"hallq counter: {exc.detail}", err=True)
            return 1
        counter = next((c for c in counters if c.number == settings.counter), None)
        if counter is None:
            typer.echo(f"hallq counter: no counter {settings.counter} in branch {branch_id}",
                       err=True)  # fmt: skip
            return 2
        desk = Desk(client, settings.lang, counter, settings.user, branch.name,
                    services, counters)  # fmt: skip
        stream = EventStream(settings.server, branch_id, login.token)
        refresh = asyncio.Event()
        refresh.set()
        fd = sys.stdin.fileno()
        tasks = [asyncio.create_task(_follow(desk, stream, refresh)),
                 asyncio.create_task(_refresher(desk, refresh))]  # fmt: skip
        try:
            with keyboard(fd):
                screen = asyncio.create_task(_screen(desk, stream))
                await _keys(desk, fd)
                desk.changed.set()
                await screen
        finally:
            await stream.close()
            for task in tasks:
                task.cancel()
            with contextlib.suppress(ApiError):
                await client.logout()
            draw(desk)
            sys.stdout.write("\r\n")
    return 0


def counter_command(
    server: Annotated[str | None, typer.Option(help="hallq server URL")] = None,
    user: Annotated[str | None, typer.Option(help="Clerk user name")] = None,
    counter: Annotated[int | None, typer.Option(help="Counter number")] = None,
    lang: Annotated[str | None, typer.Option(help="zh-CN, zh-TW or en")] = None,
    branch: Annotated[int | None, typer.Option(help="Branch id")] = None,
) -> None:
    """The clerk's terminal client: call, serve and transfer tickets from the keyboard."""
    given = {"server": server, "user": user, "counter": counter, "lang": lang, "branch": branch}
    try:
        settings = CounterSettings.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        typer.echo(f"hallq counter: {exc}", err=True)
        raise typer.Exit(2) from None
    if not settings.user or not settings.counter:
        typer.echo("hallq counter: --user and --counter are required", err=True)
        raise typer.Exit(2)
    password = settings.password or getpass.getpass(f"Password for {settings.user}: ")
    with contextlib.suppress(KeyboardInterrupt):
        raise typer.Exit(asyncio.run(run(settings, password)))
    raise typer.Exit(130)
