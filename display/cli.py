"""`hallq display`: the hall TV agent (voice announcements, and optionally the TV page itself).

Every option can also come from the environment (`HALLQ_DISPLAY_SERVER`, `HALLQ_DISPLAY_TOKEN`,
`HALLQ_DISPLAY_LANGS`, …) or a `.env` file; a command-line option wins."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from display.agent import AgentConfig

log = logging.getLogger("hallq.display")
CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class DisplaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HALLQ_DISPLAY_", env_file=".env", extra="ignore")

    server: str = Field("http://127.0.0.1:8000", description="hallq server URL")
    token: str = Field("", description="Display device token (`hallq device add --kind display`)")
    branch: int | None = Field(None, description="Branch id (only for tokens that see several)")
    langs: str = Field("", description="Languages in order, e.g. zh-CN,en (default: branch's, en)")
    voice: str = Field("", description="Voice for all languages, or zh-CN=cmn-latn-pinyin,en=en-us")
    rate: int | None = Field(None, description="Speech rate, words per minute")
    volume: float = Field(1.0, ge=0.0, le=1.0, description="Speech volume 0.0-1.0")
    repeat: int | None = Field(None, ge=1, le=5, description="Times each call is said")
    audio_out: Path | None = Field(
        None, description="Also write each announcement to DIR/<seq>.wav"
    )
    no_play: bool = Field(False, description="Do not play on the local speaker")
    open_browser: bool = Field(False, description="Open the TV page full screen in Chromium")
    max_age: float = Field(60.0, gt=0, description="Do not speak calls older than this, seconds")
    state_dir: Path = Field(Path("var/display"), description="Where the agent keeps its progress")


def display_command(
    server: Annotated[str | None, typer.Option(help="hallq server URL")] = None,
    token: Annotated[str | None, typer.Option(help="Display device token")] = None,
    branch: Annotated[int | None, typer.Option(help="Branch id (tokens seeing several)")] = None,
    langs: Annotated[str | None, typer.Option(help="Languages in order, e.g. zh-CN,en")] = None,
    voice: Annotated[
        str | None, typer.Option(help="Voice for all, or zh-CN=cmn-latn-pinyin,en=en-us")
    ] = None,
    rate: Annotated[int | None, typer.Option(help="Words per minute")] = None,
    volume: Annotated[float | None, typer.Option(help="0.0 - 1.0")] = None,
    repeat: Annotated[int | None, typer.Option(help="Times each call is said")] = None,
    audio_out: Annotated[Path | None, typer.Option(help="Write DIR/<seq>.wav per call")] = None,
    no_play: Annotated[bool | None, typer.Option("--no-play", help="No local speaker")] = None,
    open_browser: Annotated[
        bool | None, typer.Option("--open-browser", help="Open the TV page in Chromium kiosk mode")
    ] = None,
    max_age: Annotated[
        float | None, typer.Option(help="Seconds after which a call is not spoken")
    ] = None,
    state_dir: Annotated[Path | None, typer.Option(help="Where progress is kept")] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Log more (-vv: libraries too)")
    ] = 0,
) -> None:
    """Display agent: announce calls by voice (and open the TV page with --open-browser)."""
    import asyncio

    from pydantic import ValidationError

    from counter_client import logs
    from display.agent import Agent

    logs.configure(verbose, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    given: dict[str, Any] = {
        "server": server,
        "token": token,
        "branch": branch,
        "langs": langs,
        "voice": voice,
        "rate": rate,
        "volume": volume,
        "repeat": repeat,
        "audio_out": audio_out,
        "no_play": no_play,
        "open_browser": open_browser,
        "max_age": max_age,
        "state_dir": state_dir,
    }
    try:
        settings = DisplaySettings(**{k: v for k, v in given.items() if v is not None})
        config = agent_config(settings)
    except (ValidationError, ValueError) as exc:
        typer.echo(f"hallq display: {exc}", err=True)
        raise typer.Exit(2) from None
    agent = Agent(config)
    if settings.open_browser:
        open_tv_page(settings, config)
    try:
        asyncio.run(agent.run())
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        from counter_client.errors import ApiError

        if not isinstance(exc, ApiError | ValueError):
            raise
        typer.echo(f"hallq display: {exc}", err=True)
        raise typer.Exit(1) from None


def agent_config(settings: DisplaySettings) -> AgentConfig:
    from display.agent import AgentConfig
    from display.voice import parse_voice_option
    from server.speech.phrases import parse_locales

    if not settings.token:
        raise ValueError("give --token (or HALLQ_DISPLAY_TOKEN): a display device token")
    return AgentConfig(
        server=settings.server.rstrip("/"),
        token=settings.token,
        state_dir=settings.state_dir,
        branch_id=settings.branch,
        locales=tuple(parse_locales(settings.langs)) if settings.langs else None,
        voices=parse_voice_option(settings.voice or None),
        rate=settings.rate,
        volume=settings.volume,
        repeat=settings.repeat,
        audio_out=settings.audio_out,
        play=not settings.no_play,
        max_age_s=settings.max_age,
    )


def tv_page_url(server: str, branch_id: int | None, token: str) -> str:
    from urllib.parse import urlencode

    query = {"token": token} | ({"branch": str(branch_id)} if branch_id else {})
    return f"{server.rstrip('/')}/display?{urlencode(query)}"


def open_tv_page(settings: DisplaySettings, config: AgentConfig) -> None:
    """Chromium in kiosk mode, sound allowed without a click; left running on its own."""
    import shutil
    import subprocess

    exe = next((path for name in CHROMIUMS if (path := shutil.which(name))), None)
    if exe is None:
        log.warning(
            "no Chromium found (%s): open %s yourself",
            ", ".join(CHROMIUMS),
            tv_page_url(config.server, config.branch_id, "…"),
        )
        return
    profile = config.state_dir.resolve() / "chromium"
    if _browser_running(profile):
        log.info("the TV page is already open (Chromium profile %s)", profile)
        return
    subprocess.Popen(
        [
            exe,
            "--kiosk",
            "--autoplay-policy=no-user-gesture-required",
            "--noerrdialogs",
            "--disable-session-crashed-bubble",
            "--disable-infobars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            tv_page_url(config.server, config.branch_id, config.token),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _browser_running(profile: Path) -> bool:
    """Chromium's profile lock (a symlink to "host-pid") names a live process: an agent restarted
    by systemd must not open a second TV window."""
    import os

    try:
        target = os.readlink(profile / "SingletonLock")
        pid = int(target.rsplit("-", 1)[1])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True
