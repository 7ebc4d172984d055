"""The HQ board's tiles: one per hall of a region's subtree, read in a few grouped queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from server import protocol as p
from server.core import tree
from server.core.context import Ctx
from server.core.models import Branch
from server.halls.views import schedule
from server.regions import inspections
from server.regions import repository as repo
from server.stats import rollup
from server.stats import service as stats
from server.stats.figures import BranchScope, Figures, Scope

BranchCounts = Callable[[Session, Sequence[int], datetime], Mapping[int, int]]
_ALERT_COUNTS: list[BranchCounts] = []


def register_alert_count(count: BranchCounts) -> None:
    """Hook for the alerts package: `count(session, branch_ids, now)` → active alerts per
    branch. Until one is registered every tile shows 0 active alerts."""
    _ALERT_COUNTS.append(count)


def active_alerts(session: Session, branch_ids: Sequence[int], now: datetime) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for count in _ALERT_COUNTS:
        for branch_id, n in count(session, branch_ids, now).items():
            totals[branch_id] += n
    return totals


def subtree_branches(ctx: Ctx, session: Session, region_id: int) -> list[int]:
    """The halls of a region's subtree, for a caller who manages it (else 403/404)."""
    ctx.principal.require(("admin", "manager"), "the HQ board")
    return tree.region_branches(session, ctx.principal, region_id)


def overview(ctx: Ctx, region_id: int) -> list[p.OverviewTile]:
    """API.md's `GET /regions/{id}/overview`."""
    with ctx.db.read() as session:
        return tiles(session, subtree_branches(ctx, session, region_id), ctx.clock())


def tiles(session: Session, branch_ids: Sequence[int], now: datetime) -> list[p.OverviewTile]:
    if not branch_ids:
        return []
    rows = repo.branches(session, branch_ids)
    ids = [b.id for b in rows]
    scopes = {b.id: rollup.branch_scope(b, now) for b in rows}
    waiting = repo.waiting(session, ids, [s.today for s in scopes.values()])
    counters = repo.open_counters(session, ids)
    targets = repo.longest_targets_s(session, ids)
    alerts = active_alerts(session, ids, now)
    today = _today_figures(session, list(scopes.values()))
    inspected = inspections.last_inspected(session, ids)
    within = inspections.inspection_days(session, rows)
    result = []
    for b in rows:
        n_waiting, first = waiting.get(b.id, (0, None))
        longest = max(0, int((now - first).total_seconds())) if first else None
        figures = today.get(b.id, Figures())
        tile = p.OverviewTile(
            branch_id=b.id, name=b.name, region_id=b.region_id, open_now=_open_now(b, now),
            waiting=n_waiting, open_counters=counters.get(b.id, 0), longest_wait_s=longest,
            served_today=figures.served, sla_pct_today=_pct(figures.within, figures.called),
            rating_today=round(figures.rating_sum / figures.rating_n, 2)
            if figures.rating_n else None,
            active_alerts=alerts.get(b.id, 0), last_seq=b.last_seq,
            last_inspected=inspected.get(b.id), inspection_days=within[b.id],
            inspection_overdue=inspections.overdue(
                inspected.get(b.id), within[b.id], scopes[b.id].today
            ),
        )  # fmt: skip
        tile.state = _state(tile, targets.get(b.id, 0))
        result.append(tile)
    return result


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _open_now(branch: Branch, now: datetime) -> bool:
    closed = schedule(branch).issuing_closed(now)
    return closed is None or closed[0] == "cutoff"


def _state(tile: p.OverviewTile, target_s: int) -> str:
    """What the tile is coloured by: alert > busy > closed > ok."""
    if tile.active_alerts:
        return "alert"
    unserved = tile.waiting > 0 and tile.open_counters == 0
    if unserved or (tile.longest_wait_s is not None and tile.longest_wait_s > max(target_s, 60)):
        return "busy"
    return "ok" if tile.open_now else "closed"


def _today_figures(session: Session, scopes: list[BranchScope]) -> dict[int, Figures]:
    """Today's figures per hall (its own today in its timezone), computed live."""
    by_day: dict[object, list[BranchScope]] = defaultdict(list)
    for scope in scopes:
        by_day[scope.today].append(scope)
    result: dict[int, Figures] = {}
    for group in by_day.values():
        figures = stats.figures(
            session, Scope(tuple(group), group[0].today, group[0].today), "branch",
            rollups=False,
        )  # fmt: skip
        result.update({int(k): f for k, f in figures.items() if k is not None})
    return result
