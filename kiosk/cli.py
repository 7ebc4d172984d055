"""`hallq kiosk`: the kiosk agent (printing, printer status, button box). Filled in by issue 3."""

from __future__ import annotations

import typer


def kiosk_command() -> None:
    """Kiosk agent: print this kiosk's tickets on an ESC/POS printer."""
    raise typer.Exit(2)
