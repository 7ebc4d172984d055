"""`hallq simulate` (issue 18): business days of new halls played through the real use cases,
deterministic for a seed, on SQLite and PostgreSQL, and the accuracy goal of the estimates:
hallq's mean absolute error at least 30 % below the naive estimate's on the default and peak
profiles. Small runs (one hall, one Saturday morning): seconds."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from server import protocol as p
from server.appointments.models import Appointment
from server.cli import app as cli
from server.cli.common import ROOT
from server.core.context import Ctx
from server.core.engine import Database
from server.core.models import TicketEvent
from server.core.settings import Settings
from server.simulate import profiles, run
from server.stats import estimates
from server.stats.service import Selection
from server.tickets.models import Ticket
from tests.databases import Templates
from tests.support import Clock

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

# The day before is a Saturday: the halls open 09:00–12:00, its morning peak only, so that a
# day takes seconds (docs/estimates.md has the figures of whole weeks).
SUNDAY_NOON = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


def ctx_on(url: str) -> Ctx:
    settings = Settings(database_url=url, bus_url="memory://")
    return Ctx(Database(url), settings, Clock(SUNDAY_NOON), None, ROOT)


def simulated(url: str, profile: str, seed: int = 7, days: int = 1) -> run.Outcome:
    ctx = ctx_on(url)
    try:
        halls = run.create_halls(ctx, 1, seed)
        dates = run.business_days(run.today_in(ctx), days)
        return run.simulate(ctx, halls, dates, profile=profile, seed=seed)
    finally:
        ctx.db.dispose()


def test_a_day_is_made_through_the_use_cases_and_reported_like_the_endpoint(db_url: str) -> None:
    outcome = simulated(db_url, "quiet")
    assert outcome.days == [date(2026, 12, 5)]
    c = outcome.counts
    assert c.issued > 40 and c.served > 0.8 * c.issued and c.no_show > 0 and c.rated > 0
    assert c.issued == c.served + c.no_show + c.cancelled  # nobody is left waiting
    ctx = ctx_on(db_url)
    try:
        (branch_id,) = outcome.halls
        selection = Selection(branch_id=branch_id, date_from=outcome.days[0])
        assert estimates.report(ctx, selection) == outcome.report
        with ctx.db.read() as session:
            query = (
                select(Ticket.state, func.count())
                .where(Ticket.branch_id == branch_id)
                .group_by(Ticket.state)
            )
            states = {state: n for state, n in session.execute(query)}
    finally:
        ctx.db.dispose()
    assert "waiting" not in states and states["done"] == c.served
    assert outcome.report is not None and outcome.report.tickets > 0.8 * c.served


def test_appointments_are_booked_checked_in_and_the_missed_ones_swept(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # half the general customers book (not 10 %), so that a Saturday morning fills slots
    quiet = profiles.PROFILES["quiet"]
    monkeypatch.setitem(profiles.PROFILES, "quiet", replace(quiet, booked=0.5))
    c = simulated(db_url, "quiet").counts
    assert c.booked > 10 and c.checked_in > 0.8 * c.booked and c.missed > 0 and c.full > 0
    assert c.booked == c.checked_in + c.missed  # every booking is over once its day is
    assert c.too_late <= c.missed
    assert c.issued == c.served + c.no_show + c.cancelled  # their tickets were all called
    ctx = ctx_on(db_url)
    try:
        with ctx.db.read() as session:
            states = dict(
                session.execute(
                    select(Appointment.state, func.count()).group_by(Appointment.state)
                ).all()
            )
            tickets = session.execute(
                select(Ticket.priority, Ticket.channel, Ticket.appointment_start,
                       Ticket.state, Appointment.start)
                .join(Appointment, Appointment.ticket_id == Ticket.id)
            ).all()  # fmt: skip
            missed_events = session.scalar(
                select(func.count()).where(TicketEvent.type == "appointment.missed")
            )
    finally:
        ctx.db.dispose()
    assert states == {"checked_in": c.checked_in, "missed": c.missed}
    assert missed_events == c.missed  # marked by the sweep, each once
    assert len(tickets) == c.checked_in
    for priority, channel, queued_for, state, start in tickets:
        assert (priority, channel) == ("appointment", "appointment")
        assert queued_for == start and state in ("done", "no_show")


@pytest.mark.parametrize("profile", ["default", "peak"])
def test_hallqs_estimates_beat_the_naive_ones_by_30_percent(
    profile: str, tmp_path: Path, templates: Templates
) -> None:
    outcome = simulated(templates.sqlite(tmp_path / "hallq.db"), profile)
    report = outcome.report
    assert report is not None and report.tickets > 100
    assert report.hallq.mae_s is not None and report.naive.mae_s is not None
    assert report.hallq.mae_s <= 0.7 * report.naive.mae_s, report


def test_the_same_seed_makes_the_same_days_and_report(tmp_path: Path, templates: Templates) -> None:
    outputs = []
    for name in ("one", "two"):
        url = templates.sqlite(tmp_path / f"{name}.db")
        result = CliRunner().invoke(
            cli,
            ["simulate", "--halls", "1", "--days", "1", "--profile", "quiet", "--seed", "11",
             "--database-url", url],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append(re.sub(r"actions in [0-9.]+ s", "", result.output))
    assert outputs[0] == outputs[1]
    assert "hallq: MAE" in outputs[0] and "naive: MAE" in outputs[0]
    assert "general" in outputs[0]  # per service, by code
    assert re.search(r"appointments booked [1-9]", outputs[0])


def test_bad_options_are_refused(tmp_path: Path) -> None:
    for args in (["--profile", "busy"], ["--halls", "0"], ["--days", "0"]):
        result = CliRunner().invoke(cli, ["simulate", *args, "--database-url",
                                          f"sqlite:///{tmp_path}/x.db"])  # fmt: skip
        assert result.exit_code == 2, result.output


def test_the_demo_history_is_made_once(
    tmp_path: Path, templates: Templates, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.halls import bootstrap

    monkeypatch.setattr(run, "DEMO_DAYS", 2)
    ctx = ctx_on(templates.sqlite(tmp_path / "demo.db"))
    try:
        bootstrap.seed_demo(ctx)
        first = run.demo_history(ctx)
        assert first is not None and first.counts.issued > 0 and first.halls == [1]
        assert isinstance(first.report, p.EstimateAccuracy) and first.report.tickets > 0
        assert run.demo_history(ctx) is None  # once: the hall has history now
    finally:
        ctx.db.dispose()
