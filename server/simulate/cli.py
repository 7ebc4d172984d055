"""`hallq simulate`: new halls, D closed business days of each, and the estimates' accuracy."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from server import protocol as p
from server.cli.common import app, prepared, settings_for
from server.simulate import profiles, run

Profile = Literal["default", "peak", "quiet"]


def figures_line(label: str, tickets: int, hallq: p.EstimateFigures,
                 naive: p.EstimateFigures) -> str:  # fmt: skip
    def side(f: p.EstimateFigures) -> str:
        if f.mae_s is None:
            return "—"
        return (f"MAE {f.mae_s:7.1f} s  p90 {f.p90_abs_s:7.1f} s  ±5 min {f.within_5min_pct:5.1f} %"
                f"  ±20 % {f.within_20pct_pct:5.1f} %")  # fmt: skip

    return f"{label:<12} {tickets:>7}  hallq: {side(hallq)}\n{'':<21}naive: {side(naive)}"


def report_lines(report: p.EstimateAccuracy, codes: dict[int, str]) -> list[str]:
    """The accuracy report as text: in all, per service, per hour of issue."""
    lines = ["wait estimates given at issue, against the waits that followed:",
             f"{'':<12} {'tickets':>7}"]  # fmt: skip
    lines.append(figures_line("all", report.tickets, report.hallq, report.naive))
    h, n = report.hallq.mae_s, report.naive.mae_s
    if h is not None and n:
        lines.append(f"hallq's mean absolute error is {100 * (1 - h / n):.1f} % lower than naive")
    for row in report.by_service:
        label = codes.get(row.service_id, str(row.service_id))
        lines.append(figures_line(label, row.tickets, row.hallq, row.naive))
    for hour in report.by_hour:
        lines.append(figures_line(f"{hour.hour:02d}:00", hour.tickets, hour.hallq, hour.naive))
    return lines


@app.command()
def simulate(
    halls: Annotated[int, typer.Option(min=1, max=1000, help="New halls to create")] = 1,
    days: Annotated[int, typer.Option(min=1, max=366, help="Business days, ending yesterday")] = 5,
    profile: Annotated[str, typer.Option(help="default | peak | quiet")] = "default",
    seed: Annotated[int, typer.Option(help="The same seed gives the same days")] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="Database to fill (default: the configured one)")
    ] = None,
) -> None:
    """Fill the database with simulated business days of new halls, played through the real
    service code with a simulated clock; print what was made and the estimates' accuracy."""
    if profile not in profiles.PROFILES:
        raise typer.BadParameter("choose default, peak or quiet", param_hint="--profile")
    settings = settings_for(must_exist=False)
    if database_url is not None:
        settings = settings.model_copy(update={"database_url": database_url})
    with prepared(settings) as ctx:
        plans = run.create_halls(ctx, halls, seed)
        dates = run.business_days(run.today_in(ctx), days)
        outcome = run.simulate(ctx, plans, dates, profile=profile, seed=seed)
    c = outcome.counts
    typer.echo(
        f"created {len(plans)} hall(s) (branch ids {', '.join(map(str, outcome.halls))}), "
        f"{len(dates)} day(s) {dates[0]} .. {dates[-1]}, profile {profile}, seed {seed}\n"
        f"tickets issued {c.issued}, served {c.served}, no-shows {c.no_show}, "
        f"transferred {c.transferred}, cancelled {c.cancelled}, rated {c.rated}, "
        f"complaints {c.complaints}\n"
        f"appointments booked {c.booked} ({c.full} refused: slot full), checked in "
        f"{c.checked_in} (their tickets are among those issued), missed {c.missed} "
        f"({c.too_late} came too late); {c.actions} actions in {outcome.seconds:.1f} s"
    )
    if outcome.report is not None:
        typer.echo("\n".join(report_lines(outcome.report, outcome.service_codes)))
