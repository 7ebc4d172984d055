"""The ratings list and the clerk appraisal (API.md, "Ratings, complaints and follow-up" and
"Clerk appraisal"): who may see what, and the rows."""

from __future__ import annotations

from dataclasses import dataclass

from server import protocol as p
from server.appraisal import repository as repo
from server.appraisal.complaints import complaints_by_clerk
from server.appraisal.domain import Complaints, appraisal_row
from server.appraisal.repository import RatingFilter
from server.core.context import Ctx
from server.stats import repository as repo_stats
from server.stats import rollup
from server.stats import service as stats
from server.stats.figures import Figures, Scope

APPRAISAL_ROLES = ("admin", "manager", "clerk")
"""A clerk sees its own row only (the counter page's "My figures")."""


@dataclass(frozen=True)
class Appraisal:
    scope: Scope
    rows: list[p.ClerkAppraisal]
    locale: str


def clerks(ctx: Ctx, selection: stats.Selection, locale: str | None = None) -> Appraisal:
    """One row per clerk of the scope's halls (or who worked there), by username; a clerk's
    own row only when a clerk asks."""
    own = ctx.principal.kind == "clerk"
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, selection, roles=APPRAISAL_ROLES)
    rollup.ensure(ctx, scope, "clerk")
    with ctx.db.read() as session:
        groups = stats.figures(session, scope, "clerk")
        since, until = scope.utc_window() if scope.branches else (None, None)
        transfers = (
            repo.transfers_by_clerk(session, scope.branch_ids, since, until)
            if since is not None and until is not None
            else {}
        )
        complaints = complaints_by_clerk(session, scope)
        names = repo.clerks_of(session, scope.branch_ids)
        users = repo_stats.usernames(session)
    ids = {k for k in groups if isinstance(k, int)} | set(names)
    if own:
        ids = {ctx.principal.user_id} if ctx.principal.user_id is not None else set()
    rows = [
        p.ClerkAppraisal.model_validate(
            appraisal_row(
                clerk_id,
                users.get(clerk_id, str(clerk_id)),
                groups.get(clerk_id, Figures()),
                transfers.get(clerk_id, 0),
                complaints.get(clerk_id, Complaints()),
            )
        )
        for clerk_id in ids
    ]
    rows.sort(key=lambda r: (r.username, r.clerk_id))
    chosen = locale or (scope.branches[0].locale if scope.branches else "zh-CN")
    return Appraisal(scope, rows, chosen)


def ratings(
    ctx: Ctx, selection: stats.Selection, where: RatingFilter, *, limit: int, offset: int
) -> list[p.RatingOut]:
    """The rated tickets of the selection, newest first (managers of the halls)."""
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, selection)
        if not scope.branches:
            return []
        rows = repo.ratings(session, scope, where, limit=limit, offset=offset)
    return [p.RatingOut.model_validate(dict(r._mapping)) for r in rows]
