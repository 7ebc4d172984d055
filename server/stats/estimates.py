"""Wait-estimate accuracy (API.md "Wait-estimate accuracy"): the estimates given at issue, hallq's
and the naive one, against the waits that followed.

A ticket counts when it was called from the queue it was issued to (not transferred or
requeued: its wait then is `called_at` − `issued_at`) and an estimate was given (a counter
serving it was open). `figures` is pure: `hallq simulate` prints the same report.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import protocol as p
from server.core.context import Ctx
from server.stats.service import Selection, resolve
from server.tickets.models import Ticket

WITHIN_S = 300  # ±5 minutes
WITHIN_SHARE = 0.2  # ±20 % of the wait


@dataclass(frozen=True)
class Outcome:
    """One called ticket: the wait that followed and the two estimates given at issue."""

    service_id: int
    hour: int  # of issue, local
    wait_s: float
    hallq_s: float
    naive_s: float


def _figures(estimates: Sequence[float], waits: Sequence[float]) -> p.EstimateFigures:
    if not waits:
        return p.EstimateFigures(mae_s=None, p90_abs_s=None, within_5min_pct=None,
                                 within_20pct_pct=None)  # fmt: skip
    errors = sorted(abs(e - w) for e, w in zip(estimates, waits, strict=True))
    n = len(errors)
    near = sum(1 for x in errors if x <= WITHIN_S)
    close = sum(1 for e, w in zip(estimates, waits, strict=True) if abs(e - w) <= WITHIN_SHARE * w)
    return p.EstimateFigures(
        mae_s=round(sum(errors) / n, 1),
        p90_abs_s=round(errors[max(0, math.ceil(0.9 * n) - 1)], 1),
        within_5min_pct=round(100.0 * near / n, 1),
        within_20pct_pct=round(100.0 * close / n, 1),
    )


def _group(outcomes: Sequence[Outcome]) -> tuple[int, p.EstimateFigures, p.EstimateFigures]:
    waits = [o.wait_s for o in outcomes]
    return (
        len(outcomes),
        _figures([o.hallq_s for o in outcomes], waits),
        _figures([o.naive_s for o in outcomes], waits),
    )


def figures(outcomes: Iterable[Outcome]) -> p.EstimateAccuracy:
    """The report over `outcomes`: in all, per service and per hour of issue."""
    every = list(outcomes)
    by_service: dict[int, list[Outcome]] = defaultdict(list)
    by_hour: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in every:
        by_service[outcome.service_id].append(outcome)
        by_hour[outcome.hour].append(outcome)
    n, hallq, naive = _group(every)
    services = []
    for service_id in sorted(by_service):
        k, h, v = _group(by_service[service_id])
        services.append(p.EstimateService(service_id=service_id, tickets=k, hallq=h, naive=v))
    hours = []
    for hour in sorted(by_hour):
        k, h, v = _group(by_hour[hour])
        hours.append(p.EstimateHour(hour=hour, tickets=k, hallq=h, naive=v))
    return p.EstimateAccuracy(tickets=n, hallq=hallq, naive=naive, by_service=services,
                              by_hour=hours)  # fmt: skip


_OUTCOMES = select(
    Ticket.branch_id, Ticket.service_id, Ticket.issued_at, Ticket.called_at,
    Ticket.issue_estimate_s, Ticket.naive_estimate_s,
).where(
    Ticket.called_at.is_not(None),
    Ticket.issue_estimate_s.is_not(None),
    Ticket.naive_estimate_s.is_not(None),
    Ticket.queued_at == Ticket.issued_at,  # never transferred nor requeued
)  # fmt: skip


def outcomes(
    session: Session, zones: dict[int, str], date_from: date, date_to: date
) -> Iterable[Outcome]:
    """The called tickets of these branches (id → timezone) over business dates from..to."""
    query = _OUTCOMES.where(
        Ticket.branch_id.in_(list(zones)),
        Ticket.business_date >= date_from,
        Ticket.business_date <= date_to,
    )
    tz = {branch_id: ZoneInfo(name) for branch_id, name in zones.items()}
    for branch_id, service_id, issued, called, hallq, naive in session.execute(query):
        if called is None or hallq is None or naive is None:  # the query leaves them out
            continue
        yield Outcome(
            service_id, _local_hour(issued, tz[branch_id]),
            (called - issued).total_seconds(), float(hallq), float(naive),
        )  # fmt: skip


def _local_hour(at: datetime, zone: ZoneInfo) -> int:
    return at.astimezone(zone).hour


def report(ctx: Ctx, selection: Selection) -> p.EstimateAccuracy:
    """GET /api/v1/stats/estimates: managers and admins, scoped like the other statistics."""
    with ctx.db.read() as session:
        scope = resolve(ctx, session, selection)
        zones = {b.id: b.timezone for b in scope.branches}
        if not zones:
            return figures([])
        return figures(outcomes(session, zones, scope.date_from, scope.date_to))
