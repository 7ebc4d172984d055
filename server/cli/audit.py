"""`hallq audit verify | anchor | purge`: the audit trail from the command line.

hallq audit verify                 # exit 1 when any record was changed, removed or added
hallq audit anchor --file F        # append the head (one JSON line) to F
hallq audit anchor --url URL       # POST it as JSON (a webhook, another machine)
hallq audit purge [--years N]      # drop records older than N years (HALLQ_AUDIT_RETENTION_YEARS)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated

import typer

from server.audit import service as audit
from server.cli.common import app, existing, fail

audit_app = typer.Typer(help="The audit trail: verify, anchor, purge.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify() -> None:
    """Check the whole hash chain; print {"ok", "records", "head"} or the first bad record."""
    with existing() as ctx:
        audit.settled(ctx)
        with ctx.db.read() as session:
            verdict = audit.check(session)
    body = {"ok": verdict.ok, "records": verdict.records, "head": verdict.head}
    if verdict.first_bad is not None:
        body["first_bad"] = verdict.first_bad
    typer.echo(json.dumps(body, ensure_ascii=False))
    if not verdict.ok:
        raise typer.Exit(1)


@audit_app.command("anchor")
def anchor(
    file: Annotated[Path | None, typer.Option(help="Append the head to this file")] = None,
    url: Annotated[str | None, typer.Option(help="POST the head to this http(s) URL")] = None,
) -> None:
    """Keep the chain's head outside the database: whoever rewrites the whole chain cannot
    change what was written or sent here."""
    if file is None and url is None:
        raise fail("give --file or --url")
    if url is not None and not url.startswith(("http://", "https://")):
        raise fail("--url must start with http:// or https://")
    with existing() as ctx:
        line = audit.anchor_text(audit.head_of(ctx), ctx.clock())
    if file is not None:
        try:
            with file.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            raise fail(f"cannot write {file}: {exc.strerror}") from None
    if url is not None:
        request = urllib.request.Request(
            url, data=line.encode(), method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                answer.read()
        except (urllib.error.URLError, OSError) as exc:
            raise fail(f"cannot POST to {url}: {exc}") from None
    typer.echo(line)


@audit_app.command("purge")
def purge(
    years: Annotated[int | None, typer.Option(min=1, max=100, help="Keep this many years")] = None,
) -> None:
    """Delete records older than the retention; the chain stays verifiable."""
    with existing() as ctx:
        gone = audit.purge(ctx, years or ctx.settings.audit_retention_years)
    typer.echo(f"purged {gone} records")
