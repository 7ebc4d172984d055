"""Statistics (manager): the selection, summary and breakdown of API.md's Statistics section."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import NotFound, ValidationFailed
from server.core.models import Branch
from server.halls import repository as halls_repo
from server.stats import appointments as appointment_figures
from server.stats import regions, rollup
from server.stats import repository as repo_stats
from server.stats.figures import Figures, Scope, Segment, earlier_segments, wait_buckets
from server.stats.rollup_compute import counter_time_groups

STATS_ROLES = ("admin", "manager")
MAX_DAYS = 3660
FIRST_YEAR, LAST_YEAR = 1970, 9000
Key = rollup.Key


@dataclass(frozen=True)
class Selection:
    """What the caller asked for; resolved against what they may see."""

    branch_id: int | None = None
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    region_id: int | None = None  # the region's whole subtree


def resolve(
    ctx: Ctx, session: Session, selection: Selection, *, roles: Sequence[str] = STATS_ROLES
) -> Scope:
    """The branches (one, a region, or all the caller may see) and the business dates."""
    ctx.principal.require(roles, "statistics")
    given = [selection.branch_id, selection.region, selection.region_id]
    if sum(x is not None for x in given) > 1:
        raise ValidationFailed("give one of branch_id, region_id and region")
    rows: list[Branch]
    if selection.region_id is not None:
        rows = regions.subtree_halls(ctx, session, selection.region_id)
    elif selection.branch_id is not None:
        ctx.principal.require_branch(selection.branch_id)
        rows = [core_repo.get_or_404(session, Branch, selection.branch_id, "branch")]
    else:
        rows = list(halls_repo.branches(session, ctx.principal.visible_branches()))
        if selection.region is not None:
            rows = [b for b in rows if (b.region or "") == selection.region]
            if not rows:
                raise NotFound(f"no hall you may see is in region {selection.region!r}")
    now = ctx.clock()
    branches = tuple(rollup.branch_scope(b, now) for b in rows)
    today = branches[0].today if branches else now.date()
    date_to = selection.date_to or selection.date_from or today
    date_from = selection.date_from or date_to
    if date_to < date_from:
        raise ValidationFailed("`to` is before `from`")
    if date_from.year < FIRST_YEAR or date_to.year > LAST_YEAR:
        raise ValidationFailed(f"choose dates between {FIRST_YEAR} and {LAST_YEAR}")
    if (date_to - date_from).days > MAX_DAYS:
        raise ValidationFailed(f"choose at most {MAX_DAYS} days")
    return Scope(branches, date_from, date_to, now=now)


def _key(value: Any) -> Key:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return int(value)
    assert value is None or isinstance(value, int | str)
    return value


def figures(
    session: Session, scope: Scope, group: str | None, *, rollups: bool = True
) -> dict[Key, Figures]:
    """Every figure per group key (one key, 0, without a group): the rolled-up closed days
    merged with the days computed live (today, days not built); `rollups=False`: all live."""
    result: dict[Key, Figures] = defaultdict(Figures)
    if not scope.branches:
        return result
    repo_stats.tune(session)
    live: Scope | None = scope
    if rollups:
        chosen, live = rollup.plan(session, scope, group)
        rollup.read(session, chosen, group, result)
    if live is not None:
        _live(session, live, group, result)
    return result


def _live(session: Session, scope: Scope, group: str | None, result: dict[Key, Figures]) -> None:
    """The figures computed from the tickets (aggregates and histograms by the database)."""
    for row in repo_stats.ticket_figures(session, scope, group):
        f = result[_key(row.g_key)]
        f.issued += row.issued
        f.served += int(row.served)
        f.no_show += int(row.no_show)
        f.cancelled += int(row.cancelled)
        f.day_closed += int(row.day_closed)
        f.waiting_now += int(row.waiting_now)
        f.rating_n += row.rating_n
        f.rating_sum += int(row.rating_sum)
        f.rating_low += int(row.rating_low or 0)
        f.over_limit += int(row.over_limit or 0)
        if row.g_sec is not None:
            f.add_services(int(row.g_sec), row.service_n, int(row.service_sum_ms))
    for row in repo_stats.wait_figures(session, scope, group):
        result[_key(row.g_key)].add_waits(
            int(row.g_sec), row.n, int(row.sum_ms), int(row.max_ms), int(row.within)
        )
    targets = repo_stats.service_targets(session, scope.branch_ids)
    for ticket in repo_stats.moved_tickets(session, scope, group).values():
        for segment in earlier_segments(ticket.events):
            key = _segment_key(group, segment, ticket.key)
            result[key].add_wait(segment.wait_ms, targets.get(segment.service_id or 0, 0))
    if group in ("clerk", "counter"):
        for key, (open_ms, paused_ms, idle_ms) in counter_time_groups(
            session, scope, group
        ).items():
            f = result[key]
            f.open_ms, f.paused_ms, f.idle_ms = (
                f.open_ms + open_ms,
                f.paused_ms + paused_ms,
                f.idle_ms + idle_ms,
            )


def _segment_key(group: str | None, segment: Segment, ticket_key: Any) -> Key:
    """Waits count in the queue (service), at the counter and clerk that called them; the
    ticket-level groups (hour, day, branch) use the ticket's key."""
    if group == "service":
        return segment.service_id
    if group == "counter":
        return segment.counter_id
    if group == "clerk":
        return segment.clerk_id
    return _key(ticket_key)


def _resolved(ctx: Ctx, selection: Selection, group: str | None) -> Scope:
    """The scope, its closed days rolled up first (those missing built on demand, briefly)."""
    with ctx.db.read() as session:
        scope = resolve(ctx, session, selection)
    rollup.ensure(ctx, scope, group)
    return scope


def summary(ctx: Ctx, selection: Selection) -> p.StatsSummary:
    """API.md's summary over the selection."""
    scope = _resolved(ctx, selection, None)
    with ctx.db.read() as session:
        total = figures(session, scope, None).get(0, Figures())
        booked = appointment_figures.counts(session, scope, None).get(0)
    return p.StatsSummary.model_validate(total.report() | {"appointments": booked or {}})


def wait_distribution(ctx: Ctx, selection: Selection) -> list[p.StatsBucket]:
    """How many waits fell in each bucket (0–5, 5–10, … 60+ minutes)."""
    scope = _resolved(ctx, selection, None)
    with ctx.db.read() as session:
        total = figures(session, scope, None).get(0, Figures())
    return [p.StatsBucket(from_s=a, to_s=b, count=n) for a, b, n in wait_buckets(total.wait_hist)]


def breakdown(
    ctx: Ctx, selection: Selection, group_by: str, locale: str | None = None
) -> list[p.StatsRow]:
    """One row per group key, sorted by key (no key last), with a label in `locale`."""
    scope = _resolved(ctx, selection, "branch" if group_by == "region" else group_by)
    with ctx.db.read() as session:
        if group_by == "region":
            per_branch = figures(session, scope, "branch")
            groups = regions.by_region(session, per_branch, selection.region_id)
            booked = appointment_figures.by_region(
                session, appointment_figures.counts(session, scope, "branch"),
                regions.child_of(session, selection.region_id),
            )  # fmt: skip
        else:
            groups = figures(session, scope, group_by)
            booked = appointment_figures.counts(session, scope, group_by)
        for key in booked:
            groups.setdefault(key, Figures())  # a day or service with bookings and no ticket
        labels = Labels.load(session, scope, locale)
    keys = sorted(groups, key=lambda k: (k is None, str(type(k)), k if k is not None else 0))
    return [
        p.StatsRow.model_validate(
            {"key": k, "label": labels.label(group_by, k)}
            | groups[k].report()
            | {"appointments": booked.get(k) or {}}
        )
        for k in keys
    ]


def export_scope(
    ctx: Ctx, selection: Selection, locale: str | None, *, max_tickets: int | None = None
) -> tuple[Scope, Labels]:
    """The scope and labels of a file export; with `max_tickets`, refuse more tickets."""
    with ctx.db.read() as session:
        scope = resolve(ctx, session, selection)
        labels = Labels.load(session, scope, locale)
        count = repo_stats.ticket_count(session, scope) if max_tickets is not None else 0
    if max_tickets is not None and count > max_tickets:
        raise ValidationFailed(f"{count} tickets do not fit one sheet; export CSV or fewer days")
    return scope, labels


COUNTER_NAME = {"zh-CN": "{n}号窗口", "zh-TW": "{n}號窗口", "en": "Counter {n}"}
NONE_LABEL = {"zh-CN": "（未叫号）", "zh-TW": "（未叫號）", "en": "(not called)"}
NO_REGION = {"zh-CN": "（无区域）", "zh-TW": "（無區域）", "en": "(no region)"}


@dataclass
class Labels:
    """Names of the group keys in one language (the first branch's default language)."""

    locale: str
    branches: dict[int, str]
    services: dict[int, tuple[int, dict[str, str], str]]
    counters: dict[int, tuple[int, int, str]]
    users: dict[int, str]
    regions: dict[int, str]

    @classmethod
    def load(cls, session: Session, scope: Scope, locale: str | None) -> Labels:
        ids = scope.branch_ids
        return cls(
            locale=locale or (scope.branches[0].locale if scope.branches else "zh-CN"),
            branches={b.id: b.name for b in scope.branches},
            services={
                sid: (bid, dict(name or {}), code)
                for sid, (bid, name, code) in repo_stats.service_names(session, ids).items()
            },
            counters=repo_stats.counter_names(session, ids),
            users=repo_stats.usernames(session),
            regions=regions.names(session),
        )

    def _in_branch(self, branch_id: int, text: str) -> str:
        if len(self.branches) > 1:
            return f"{self.branches.get(branch_id, branch_id)} · {text}"
        return text

    def service(self, service_id: int | None) -> str:
        if service_id is None or service_id not in self.services:
            return "" if service_id is None else str(service_id)
        branch_id, names, code = self.services[service_id]
        name = names.get(self.locale) or next(iter(names.values()), code)
        return self._in_branch(branch_id, name)

    def counter(self, counter_id: int | None) -> str:
        if counter_id is None or counter_id not in self.counters:
            return "" if counter_id is None else str(counter_id)
        branch_id, number, name = self.counters[counter_id]
        text = COUNTER_NAME.get(self.locale, COUNTER_NAME["en"]).format(n=number)
        generated = {f.format(n=number) for f in COUNTER_NAME.values()}
        if name and name != str(number) and name not in generated:
            text = f"{text} {name}"
        return self._in_branch(branch_id, text)

    def clerk(self, user_id: int | None) -> str:
        return "" if user_id is None else self.users.get(user_id, str(user_id))

    def label(self, group: str, key: Key) -> str:
        if key is None:
            none = NO_REGION if group == "region" else NONE_LABEL
            return none.get(self.locale, none["en"])
        if group == "hour":
            return f"{int(key):02d}:00"
        if group == "branch":
            return self.branches.get(int(key), str(key))
        if group == "region":
            return self.regions.get(int(key), str(key))
        lookups = {"service": self.service, "counter": self.counter, "clerk": self.clerk}
        if group in lookups:
            return lookups[group](int(key))
        return str(key)
