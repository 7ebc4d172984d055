"""`hallq kiosk`: the kiosk agent (printing, printer status, button box), or `--test-page`.

Imported by server/cli.py at startup, so the heavy imports (escpos, Pillow, the SDK) are inside
the functions."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from kiosk.settings import KioskSettings

CJK_MODES = ("gb18030", "gbk", "big5", "image")


def kiosk_command(
    server: Annotated[
        str | None, typer.Option(help="hallq server URL [HALLQ_KIOSK_SERVER]")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="Kiosk device token [HALLQ_KIOSK_TOKEN]")
    ] = None,
    printer: Annotated[
        str | None,
        typer.Option(
            help="tcp://host:9100 | usb://VID:PID | serial:///dev/ttyUSB0?baud=9600 | "
            "file:///dev/usb/lp0 | dummy:  [HALLQ_KIOSK_PRINTER]"
        ),
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="python-escpos printer profile, e.g. TM-T88V, POS-5890")
    ] = None,
    cjk: Annotated[
        str | None, typer.Option(help="Chinese text: gb18030 | gbk | big5 (printer font) | image")
    ] = None,
    keys: Annotated[
        str | None, typer.Option(help="Button box: services on keys 1..n, e.g. A,B,C")
    ] = None,
    test_page: Annotated[bool, typer.Option(help="Print a test page and exit")] = False,
    state_dir: Annotated[
        Path | None, typer.Option(help="Where printed job ids are kept (default: user data dir)")
    ] = None,
    status_interval: Annotated[
        float | None, typer.Option(help="Seconds between printer status probes (default 30)")
    ] = None,
    font: Annotated[
        str | None, typer.Option(help="CJK font file (path or path#index) for --cjk image")
    ] = None,
    width_px: Annotated[int | None, typer.Option(help="Printable width in dots")] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Log more (-vv: libraries too)")
    ] = 0,
) -> None:
    """Kiosk agent: print this kiosk's tickets on an ESC/POS printer and report its status."""
    import os
    import tempfile

    from pydantic import ValidationError

    from kiosk.settings import KioskSettings

    if cjk is not None and cjk not in CJK_MODES:
        raise typer.BadParameter(f"--cjk must be one of {', '.join(CJK_MODES)}")
    given: dict[str, Any] = {
        "server": server,
        "token": token,
        "printer": printer,
        "profile": profile,
        "cjk": cjk,
        "keys": keys,
        "state_dir": state_dir,
        "status_interval": status_interval,
        "font": font,
        "width_px": width_px,
    }
    from counter_client import logs

    logs.configure(verbose, "%(asctime)s %(levelname)s %(name)s %(message)s")
    if verbose < 2:  # python-escpos logs every connection on the root logger
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_escpos)
    # python-escpos caches its printer database in a fresh temporary directory on every start
    # unless told where: keep one.
    cache = (
        Path(tempfile.gettempdir()) / f"hallq-escpos-{os.getuid() if hasattr(os, 'getuid') else 0}"
    )
    cache.mkdir(exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache))
    try:
        settings = KioskSettings(**{k: v for k, v in given.items() if v is not None})
        _check(settings)
    except (ValidationError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if test_page:
        raise typer.Exit(0 if print_test_page(settings) else 1)
    if not settings.token:
        typer.echo("error: give --token (or HALLQ_KIOSK_TOKEN): a kiosk device token", err=True)
        raise typer.Exit(2)
    _run_agent(settings)


def _quiet_escpos(record: logging.LogRecord) -> bool:
    return not (
        record.name == "root" and "escpos" in record.pathname and record.levelno < logging.WARNING
    )


def _check(settings: KioskSettings) -> None:
    from kiosk.printers import check_profile, parse_printer_url

    parse_printer_url(settings.printer)
    check_profile(settings.profile)


def _run_agent(settings: KioskSettings) -> None:
    import asyncio

    from kiosk.agent import KioskAgent, KioskError

    agent = KioskAgent(settings, echo=typer.echo)
    failed: list[BaseException] = []
    try:
        try:
            asyncio.run(agent.run())
        except* KioskError as group:
            failed += group.exceptions
    except KeyboardInterrupt:
        typer.echo("stopped")
    for exc in failed:
        typer.echo(f"error: {exc}", err=True)
    if failed:
        raise typer.Exit(1)


def print_test_page(settings: KioskSettings) -> bool:
    """Probe the printer and print the test page; say what happened."""
    from datetime import datetime

    from kiosk.escpos_writer import Options
    from kiosk.port import PrinterPort
    from kiosk.printers import parse_printer_url
    from kiosk.render import render_test_page

    url = parse_printer_url(settings.printer)
    port = PrinterPort(url, settings.profile, probe_timeout=settings.probe_timeout)
    health = port.probe()
    typer.echo(
        f"printer {url}  online={health.online} paper={health.paper} detail={health.detail or '-'}"
    )
    options = Options(
        profile=settings.profile, cjk=settings.cjk, font=settings.font, width_px=settings.width_px
    )
    data = render_test_page(
        options,
        printer_url=str(url),
        health=health,
        now=datetime.now().astimezone(),
        qr_payload=settings.server,
    )
    outcome = port.print(data)
    typer.echo("test page printed" if outcome.ok else f"test page NOT printed: {outcome.error}")
    return outcome.ok
