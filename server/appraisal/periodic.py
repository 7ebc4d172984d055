"""The daily (日报) and monthly (月报) reports of a hall or a region: the statistics' page
(server/stats/reports/daily.py), then the service-quality page (complaints, follow-ups), then
the clerk appraisal table, in one PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from server.appraisal import quality_page, report
from server.appraisal import service as appraisal
from server.appraisal.quality import Quality, quality
from server.core.context import Ctx
from server.stats import regions
from server.stats import service as stats
from server.stats.reports import daily

DPI = 150


@dataclass
class PeriodReport:
    pages: list[Image.Image]
    quality: Quality
    appraisal: appraisal.Appraisal
    first: daily.DailyPage


def build(
    ctx: Ctx, selection: stats.Selection, locale: str | None, *, monthly: bool
) -> PeriodReport:
    """Every page of the report of the selection's dates (one hall, or a region's halls)."""
    name = _name(ctx, selection)
    title = "monthly" if monthly else "title"
    first = daily.build_period(ctx, selection, locale, title=title, name=name)
    clerks = appraisal.clerks(ctx, selection, locale)
    scope, loc, now = clerks.scope, clerks.locale, ctx.clock()
    with ctx.db.read() as session:
        figures = quality(session, scope, now)
    hall = name or scope.branches[0].name
    pages = [first.image, quality_page.page(figures, hall, scope, now, loc),
             *report.pages(clerks, hall, now)]  # fmt: skip
    return PeriodReport(pages, figures, clerks, first)


def _name(ctx: Ctx, selection: stats.Selection) -> str | None:
    """What the title calls a region (a hall is called by its own name)."""
    if selection.region is not None:
        return selection.region
    if selection.region_id is None:
        return None
    with ctx.db.read() as session:
        return regions.names(session).get(selection.region_id)


def save(pages: list[Image.Image], path: Path) -> list[Path]:
    """One PDF of every page, or one PNG per page (the first at `path`, then `-2`, `-3`…)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        rgb = [p.convert("RGB") for p in pages]
        rgb[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=rgb[1:])
        return [path]
    written = []
    for number, image in enumerate(pages, start=1):
        target = path if number == 1 else path.with_name(f"{path.stem}-{number}{path.suffix}")
        image.save(target, "PNG")
        written.append(target)
    return written
