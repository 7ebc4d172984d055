"""`hallq purge`: forget what the hall must not keep.

hallq purge    # anonymise the name and phone of bookings past their hall's
               # appointment_personal_days (the server also does it every hour)
"""

from __future__ import annotations

import typer

from server.appointments import sweep
from server.cli.common import app, existing


@app.command("purge")
def purge() -> None:
    """Anonymise the personal data of old appointments (name, phone) and mark bookings past
    their window missed."""
    with existing() as ctx:
        missed = sweep.sweep(ctx)
        gone = sweep.anonymise(ctx)
    typer.echo(f"anonymised {gone} appointments; {missed} marked missed")
