"""`hallq report appraisal --month 2026-11 --format xlsx|csv|pdf [--output FILE]`: the clerk
appraisal of a hall (or a region, or every hall) from the command line."""

from __future__ import annotations

import calendar
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from server.core.errors import DomainError
from server.stats.reports.cli import _ctx, _date, _fail, report_app

FORMATS = ("csv", "xlsx", "pdf")


def month_span(month: str) -> tuple[date, date]:
    """'2026-11' → (2026-11-01, 2026-11-30)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise _fail(f"{month!r} is not a month (YYYY-MM)") from None
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@report_app.command("appraisal")
def appraisal_report(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (or --from/--to)")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First date YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date (inclusive)")] = None,
    branch: Annotated[int | None, typer.Option(help="One hall (branch id)")] = None,
    region: Annotated[str | None, typer.Option(help="All halls of a region")] = None,
    format_: Annotated[str, typer.Option("--format", help="csv | xlsx | pdf")] = "csv",
    output: Annotated[Path | None, typer.Option(help="Write to FILE (csv: default stdout)")] = None,
    locale: Annotated[str | None, typer.Option(help="zh-CN | zh-TW | en")] = None,
) -> None:
    """One row per clerk: volume, times, overruns, SLA, ratings, complaints, counter time."""
    from server.appraisal import files
    from server.appraisal import report as pdf
    from server.appraisal import service as appraisal
    from server.stats import service as stats
    from server.stats.reports import export as sheets

    if format_ not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}")
    if month is not None and (date_from or date_to):
        raise _fail("give --month or --from/--to, not both")
    if locale is not None and locale not in ("zh-CN", "zh-TW", "en"):
        raise _fail("--locale must be zh-CN, zh-TW or en")
    first, last = month_span(month) if month else (_date(date_from), _date(date_to))
    if format_ != "csv" and output is None:
        raise _fail(f"{format_} needs --output FILE.{format_}")
    ctx = _ctx()
    try:
        result = appraisal.clerks(ctx, stats.Selection(branch, region, first, last), locale)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    finally:
        ctx.db.dispose()
    header = files.appraisal_header(result.locale)
    records = list(files.appraisal_records(result.rows))
    if format_ == "pdf":
        assert output is not None
        halls = result.scope.branches
        hall = halls[0].name if len(halls) == 1 else (region or "")
        pdf.save_pdf(pdf.pages(result, hall, ctx.clock()), output)
    elif format_ == "xlsx":
        assert output is not None
        output.write_bytes(sheets.xlsx_bytes("appraisal", header, records))
    elif output is None:
        sys.stdout.write(sheets.csv_bytes(header, records).decode("utf-8"))
        return
    else:
        output.write_bytes(sheets.csv_bytes(header, records))
    typer.echo(f"wrote {output} ({len(records)} clerks)", err=True)
