"""The reports that carry the quality figures, from the command line:

hallq report appraisal --month 2026-11 --format xlsx|csv|pdf [--output FILE]
hallq report daily [--date 2026-11-23] [--branch 1 | --region 3 | --region 华东] [--output F.pdf]
hallq report monthly [--month 2026-11] [--branch 1 | --region …] [--output F.pdf|.png]

The daily (日报) and monthly (月报) reports: the statistics' page, the service-quality page
(complaints, follow-ups) and the clerk appraisal table (server/appraisal/periodic.py)."""

from __future__ import annotations

import calendar
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from server.core.errors import DomainError
from server.stats.reports.cli import _ctx, _date, _fail, report_app
from server.stats.service import Selection

FORMATS = ("csv", "xlsx", "pdf")


def month_span(month: str) -> tuple[date, date]:
    """'2026-11' → (2026-11-01, 2026-11-30)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise _fail(f"{month!r} is not a month (YYYY-MM)") from None
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def selection(branch: int | None, region: str | None, first: date | None,
              last: date | None) -> Selection:  # fmt: skip
    """A hall, or a region by its id (digits) or its name, over first..last."""
    region_id = int(region) if region is not None and region.isdigit() else None
    return Selection(branch, None if region_id else region, first, last, region_id)


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
        result = appraisal.clerks(ctx, selection(branch, region, first, last), locale)
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


def _check_locale(locale: str | None) -> None:
    if locale is not None and locale not in ("zh-CN", "zh-TW", "en"):
        raise _fail("--locale must be zh-CN, zh-TW or en")


def _write(pages: list[Any], target: Path) -> None:
    from server.appraisal import periodic

    if target.suffix.lower() not in (".pdf", ".png"):
        raise _fail("--output must end in .pdf or .png")
    for path in periodic.save(pages, target):
        typer.echo(f"wrote {path}")


@report_app.command("daily")
def daily(
    day: Annotated[str | None, typer.Option("--date", help="Business date (default today)")] = None,
    branch: Annotated[int | None, typer.Option(help="Hall (branch id; default 1)")] = None,
    region: Annotated[str | None, typer.Option(help="All halls of a region: id or name")] = None,
    output: Annotated[Path | None, typer.Option(help="FILE.pdf or FILE.png")] = None,
    locale: Annotated[str | None, typer.Option(help="zh-CN | zh-TW | en")] = None,
) -> None:
    """The end-of-day report (日报): key figures and charts, complaints and follow-ups, and the
    clerk appraisal of the day."""
    from server.appraisal import periodic

    _check_locale(locale)
    if branch is not None and region is not None:
        raise _fail("give --branch or --region, not both")
    when = _date(day)
    chosen = selection(branch if region is not None or branch is not None else 1, region,
                       when, when)  # fmt: skip
    if output is not None and output.suffix.lower() not in (".pdf", ".png"):
        raise _fail("--output must end in .pdf or .png")
    ctx = _ctx()
    try:
        built = periodic.build(ctx, chosen, locale, monthly=False)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    finally:
        ctx.db.dispose()
    where = f"region{region}" if region is not None else str(chosen.branch_id)
    _write(built.pages, output or Path(f"hallq-daily-{where}-{built.first.day.isoformat()}.pdf"))
    head = built.first.audit_head
    if head is not None:  # to print or mail: it fixes the trail as of that day
        typer.echo(f"audit head {built.first.day.isoformat()}: #{head[0]} {head[1]}")


@report_app.command("monthly")
def monthly(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default this month)")] = None,
    branch: Annotated[int | None, typer.Option(help="Hall (branch id; default 1)")] = None,
    region: Annotated[str | None, typer.Option(help="All halls of a region: id or name")] = None,
    output: Annotated[Path | None, typer.Option(help="FILE.pdf or FILE.png")] = None,
    locale: Annotated[str | None, typer.Option(help="zh-CN | zh-TW | en")] = None,
) -> None:
    """The monthly report (月报): the month's figures and charts, complaints and follow-ups,
    and the clerk appraisal of the month."""
    from server.appraisal import periodic

    _check_locale(locale)
    if branch is not None and region is not None:
        raise _fail("give --branch or --region, not both")
    if output is not None and output.suffix.lower() not in (".pdf", ".png"):
        raise _fail("--output must end in .pdf or .png")
    ctx = _ctx()
    try:
        first, last = month_span(month or ctx.clock().strftime("%Y-%m"))
        chosen = selection(branch if region is not None or branch is not None else 1, region,
                           first, last)  # fmt: skip
        built = periodic.build(ctx, chosen, locale, monthly=True)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    finally:
        ctx.db.dispose()
    where = f"region{region}" if region is not None else str(chosen.branch_id)
    _write(built.pages, output or Path(f"hallq-monthly-{where}-{first:%Y-%m}.pdf"))
