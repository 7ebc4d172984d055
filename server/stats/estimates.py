"""Wait-estimate accuracy (API.md "Wait-estimate accuracy"): the estimates given at issue, hallq's
and the naive one, against the waits that followed.

A ticket counts when it was called from the queue it was issued to (not transferred or
requeued: its wait then is `called_at` − `issued_at`) and an estimate was given (a counter
serving it was open). `figures` is pure: `hallq simulate` prints the same report.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
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


@dataclass
class _Errors:
    """One estimator's absolute errors over a group (compact: a ticket is 8 bytes), and how
    many were within ±20 % of their wait."""

    errors: array[float] = field(default_factory=lambda: array("d"))
    close: int = 0

    def add(self, estimate: float, wait: float) -> None:
        error = abs(estimate - wait)
        self.errors.append(error)
        self.close += error <= WITHIN_SHARE * wait

    def figures(self) -> p.EstimateFigures:
        n = len(self.errors)
        if not n:
            return p.EstimateFigures(mae_s=None, p90_abs_s=None, within_5min_pct=None,
                                     within_20pct_pct=None)  # fmt: skip
        errors = sorted(self.errors)
        near = bisect.bisect_right(errors, WITHIN_S)
        return p.EstimateFigures(
            mae_s=round(math.fsum(errors) / n, 1),
            p90_abs_s=round(errors[max(0, math.ceil(0.9 * n) - 1)], 1),
            within_5min_pct=round(100.0 * near / n, 1),
            within_20pct_pct=round(100.0 * self.close / n, 1),
        )


@dataclass
class _Group:
    hallq: _Errors = field(default_factory=_Errors)
    naive: _Errors = field(default_factory=_Errors)

    def add(self, outcome: Outcome) -> None:
        self.hallq.add(outcome.hallq_s, outcome.wait_s)
        self.naive.add(outcome.naive_s, outcome.wait_s)

    @property
    def tickets(self) -> int:
        return len(self.hallq.errors)


def figures(outcomes: Iterable[Outcome]) -> p.EstimateAccuracy:
    """The report over `outcomes`: in all, per service and per hour of issue."""
    every = _Group()
    by_service: dict[int, _Group] = defaultdict(_Group)
    by_hour: dict[int, _Group] = defaultdict(_Group)
    for outcome in outcomes:
        every.add(outcome)
        by_service[outcome.service_id].add(outcome)
        by_hour[outcome.hour].add(outcome)
    services = [
        p.EstimateService(service_id=key, tickets=g.tickets, hallq=g.hallq.figures(),
                          naive=g.naive.figures())
        for key, g in sorted(by_service.items())
    ]  # fmt: skip
    hours = [
        p.EstimateHour(hour=key, tickets=g.tickets, hallq=g.hallq.figures(),
                       naive=g.naive.figures())
        for key, g in sorted(by_hour.items())
    ]  # fmt: skip
    return p.EstimateAccuracy(tickets=every.tickets, hallq=every.hallq.figures(),
                              naive=every.naive.figures(), by_service=services,
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
