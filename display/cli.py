"""`hallq display`: the hall TV agent (voice announcements). Filled in by issue 4."""

from __future__ import annotations

import typer


def display_command() -> None:
    """Display agent: announce calls by voice."""
    raise typer.Exit(2)
