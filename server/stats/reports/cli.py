"""`hallq report`: statistics from the command line, straight from the database.

hallq report --from 2026-11-01 --to 2026-11-30 [--branch 1 | --region 3 | --region 华东]
             [--group-by service|counter|clerk|hour|day|branch|region]
             [--format table|csv|xlsx] [--output FILE] [--tickets]
(`hallq report daily|monthly|appraisal` are in server/appraisal/cli.py: they add the complaints,
follow-ups and the clerk appraisal.)
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from server import protocol as p
from server.core.clock import utc_now
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.errors import DomainError
from server.core.located import NoDatabase, locate_current
from server.stats.figures import GROUPS

report_app = typer.Typer(help="Statistics reports (hall, region or all halls).")
FORMATS = ("table", "csv", "xlsx")


def _ctx() -> Ctx:
    """A read context on the configured database acting as admin, like the other hallq
    commands; never creates a database (server/core/located.py)."""
    try:
        found = locate_current()
    except NoDatabase as exc:
        raise _fail(str(exc)) from None
    if found.note:
        typer.echo(found.note, err=True)
    return Ctx(Database(found.settings.database_url), found.settings, utc_now, None,
               Principal(kind="admin", username="cli"))  # fmt: skip


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@report_app.callback(invoke_without_command=True)
def report(
    command: typer.Context,
    date_from: Annotated[str | None, typer.Option("--from", help="First date YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date (inclusive)")] = None,
    branch: Annotated[int | None, typer.Option(help="One hall (branch id)")] = None,
    region: Annotated[
        str | None, typer.Option(help="All halls of a region and its subtree: its id (or name)")
    ] = None,
    group_by: Annotated[str | None, typer.Option("--group-by", help=" | ".join(GROUPS))] = None,
    format_: Annotated[str, typer.Option("--format", help="table | csv | xlsx")] = "table",
    output: Annotated[Path | None, typer.Option(help="Write to FILE (default stdout)")] = None,
    tickets: Annotated[bool, typer.Option(help="One row per ticket (csv/xlsx)")] = False,
    locale: Annotated[str | None, typer.Option(help="zh-CN | zh-TW | en")] = None,
) -> None:
    """Statistics over business dates FROM..TO (default today) of a hall, a region or all."""
    if command.invoked_subcommand is not None:
        return
    from server.stats import service as stats
    from server.stats.reports import export as files
    from server.stats.reports.table import render

    if group_by is not None and group_by not in (*GROUPS, "region"):
        raise _fail(f"--group-by must be one of {', '.join((*GROUPS, 'region'))}")
    if format_ not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}")
    if format_ == "xlsx" and output is None:
        raise _fail("xlsx needs --output FILE.xlsx")
    if tickets and format_ == "table":
        raise _fail("--tickets needs --format csv or xlsx")
    ctx = _ctx()
    try:
        region_id = int(region) if region is not None and region.isdigit() else None
        selection = stats.Selection(branch, None if region_id else region, _date(date_from),
                                    _date(date_to), region_id)  # fmt: skip
        limit = files.XLSX_MAX_ROWS if tickets and format_ == "xlsx" else None
        scope, labels = stats.export_scope(ctx, selection, locale, max_tickets=limit)
        loc = labels.locale
        if tickets:
            header = files.ticket_header(loc)
            with ctx.db.read() as session:
                records = list(files.ticket_records(session, scope, labels))
        else:
            group = group_by or "branch"
            rows = stats.breakdown(ctx, selection, group, loc)
            if group_by is None:  # one line: the summary of the whole selection
                total = stats.summary(ctx, selection)
                rows = [p.StatsRow(key=None, label=_total(loc), **total.model_dump())]
            header = files.group_header(group, loc)
            records = list(files.group_records(rows))
    except DomainError as exc:
        raise _fail(exc.detail) from None
    finally:
        ctx.db.dispose()
    if format_ == "xlsx":
        assert output is not None
        output.write_bytes(files.xlsx_bytes("hallq", header, records))
    else:
        body = (
            render(header, records)
            if format_ == "table"
            else files.csv_bytes(header, records).decode("utf-8")
        )
        if output is None:
            sys.stdout.write(body + ("\n" if format_ == "table" else ""))
            return
        output.write_text(body + ("\n" if format_ == "table" else ""), encoding="utf-8")
    typer.echo(f"wrote {output} ({len(records)} rows)", err=True)


def _total(locale: str) -> str:
    return {"zh-CN": "合计", "zh-TW": "合計"}.get(locale, "Total")


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{text!r} is not a date (YYYY-MM-DD)") from None
