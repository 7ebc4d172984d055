"""`hallq counter`: the clerk's terminal client. Filled in by issue 5."""

from __future__ import annotations

import typer


def counter_command() -> None:
    """Clerk terminal client."""
    raise typer.Exit(2)
