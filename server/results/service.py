"""The published results of a hall: read without a login when the hall's `publish_results`
is on, computed by the statistics (rollup and live) and kept for a minute."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import NotFound
from server.core.models import Branch
from server.halls.settings import branch_settings
from server.results.domain import month_span, published_figures, shown
from server.stats import repository as repo_stats
from server.stats import rollup
from server.stats import service as stats
from server.stats.figures import Figures, Scope

KEEP_S = 60.0
"""How long a hall's results are kept: the figures of a month move slowly, and a public
address must not make the server compute them on every request."""
MAX_KEPT = 2000  # halls × months asked for; beyond it the cache starts afresh

Key = tuple[int, date, str]


class ResultsCache:
    """Computed results by (hall, month, mode), each kept KEEP_S. The setting is read on every
    request before this is asked, so turning publishing off takes effect at once."""

    def __init__(self, keep_s: float = KEEP_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep_s = keep_s
        self._clock = clock
        self._kept: dict[Key, tuple[float, p.PublishedResults]] = {}
        self._lock = threading.Lock()

    def get(self, key: Key) -> p.PublishedResults | None:
        with self._lock:
            found = self._kept.get(key)
        if found is None or self._clock() - found[0] >= self.keep_s:
            return None
        return found[1]

    def put(self, key: Key, value: p.PublishedResults) -> None:
        with self._lock:
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[key] = (self._clock(), value)


def published(
    ctx: Ctx, cache: ResultsCache, branch_id: int, month: str | None
) -> p.PublishedResults:
    """This month's (or `month`'s) results of a hall that publishes them; 404 otherwise."""
    with ctx.db.read() as session:
        branch = core_repo.get_or_404(session, Branch, branch_id, "hall")
        settings = branch_settings(branch)
        mode = settings.publish_results
        if not mode:
            raise NotFound(f"hall {branch_id} does not publish its results")
        hall = rollup.branch_scope(branch, ctx.clock())
        names = dict(settings.hall_names)
    first, last = month_span(month, hall.today)
    key = (branch_id, first, mode)
    kept = cache.get(key)
    if kept is not None:
        return kept
    scope = Scope((hall,), first, last, now=ctx.clock())
    groups = ("service", "counter") if mode == "counter" else ("service",)
    for group in groups:
        rollup.ensure(ctx, scope, group)
    with ctx.db.read() as session:
        per_service = stats.figures(session, scope, "service")
        per_counter = stats.figures(session, scope, "counter") if mode == "counter" else None
        services = repo_stats.service_names(session, [branch_id])
        counters = repo_stats.counter_names(session, [branch_id])
    total = Figures()
    for figures in per_service.values():
        total.merge(figures)
    result = p.PublishedResults(
        branch_id=branch_id, name=hall.name, names=names, locale=hall.locale,
        month=first.strftime("%Y-%m"), date_from=first, date_to=last, mode=mode,
        computed_at=ctx.clock(),
        total=p.PublishedFigures.model_validate(published_figures(total)),
        services=_services(per_service, services),
        counters=None if per_counter is None else _counters(per_counter, counters),
    )  # fmt: skip
    cache.put(key, result)
    return result


def _services(
    groups: dict[rollup.Key, Figures], names: dict[int, tuple[int, dict[str, str], str]]
) -> list[p.PublishedService]:
    rows = [
        p.PublishedService(
            id=sid, code=names[sid][2], name=dict(names[sid][1] or {}), **published_figures(f)
        )
        for sid, f in groups.items()
        if isinstance(sid, int) and sid in names and shown(f)
    ]
    return sorted(rows, key=lambda r: (r.code, r.id))


def _counters(
    groups: dict[rollup.Key, Figures], names: dict[int, tuple[int, int, str]]
) -> list[p.PublishedCounter]:
    """Counters by number, under their number and name (a counter, never who sat at it)."""
    rows = [
        p.PublishedCounter(
            id=cid, number=names[cid][1], name=names[cid][2] or "", **published_figures(f)
        )
        for cid, f in groups.items()
        if isinstance(cid, int) and cid in names and shown(f)
    ]
    return sorted(rows, key=lambda r: (r.number, r.id))
