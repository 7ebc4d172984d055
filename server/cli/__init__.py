"""The `hallq` command: one module per group of subcommands, assembled here.

The agents' subcommands (`kiosk`, `display`, `counter`) are handed over to the clients here,
and only here (tests/test_imports.py)."""

from __future__ import annotations

from counter_client.terminal import counter_command
from display.cli import display_command
from kiosk.cli import kiosk_command
from server.appraisal import cli as appraisal_cli
from server.cli import appointments, audit, backups, hallfiles, people, regions, running
from server.cli.common import app
from server.simulate import cli as simulate_cli
from server.stats.reports.cli import report_app

__all__ = [
    "app", "appointments", "appraisal_cli", "audit", "backups", "hallfiles", "people", "regions",
    "running", "simulate_cli",
]  # fmt: skip

app.add_typer(report_app, name="report")
app.command("kiosk")(kiosk_command)
app.command("display")(display_command)
app.command("counter")(counter_command)
