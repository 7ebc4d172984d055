"""`hallq report`. Filled in by issue 6."""

from __future__ import annotations

import typer

report_app = typer.Typer(help="Statistics reports.")
