"""Complaints per clerk, for the appraisal: those of the scope's halls recorded within its
business dates, counted against the clerk the complaint names (filled in from its ticket), and
those of them found upheld (属实)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.appraisal.domain import Complaints
from server.complaints.models import Complaint
from server.stats import repository as repo_stats
from server.stats.figures import Scope


def complaints_by_clerk(session: Session, scope: Scope) -> dict[int, Complaints]:
    """{clerk id: complaints (total, upheld)} recorded in the scope's halls and dates."""
    if not scope.branches:
        return {}
    since, until = scope.utc_window()
    query = (
        select(Complaint.clerk_id, func.count(), func.count().filter(Complaint.upheld.is_(True)))
        .where(
            Complaint.branch_id.in_(scope.branch_ids),
            Complaint.clerk_id.is_not(None),
            Complaint.created_at >= since,
            Complaint.created_at < until,
        )
        .group_by(Complaint.clerk_id)
    )
    return {
        clerk_id: Complaints(int(total), int(upheld))
        for clerk_id, total, upheld in repo_stats.rows(session, query)
    }
