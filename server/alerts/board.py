"""The HQ board's `active_alerts`: this package registers its count with the board
(server/regions/overview.py). The board itself goes live on `alert.raised` and `alert.cleared`
as on every other committed event of a hall: it re-reads the tiles of the halls that changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.alerts.models import Alert
from server.regions.overview import register_alert_count


def active_per_branch(
    session: Session, branch_ids: Sequence[int], now: datetime
) -> Mapping[int, int]:
    """Alerts not cleared yet, per hall (acknowledged ones too: seen is not solved)."""
    if not branch_ids:
        return {}
    query = (
        select(Alert.branch_id, func.count())
        .where(Alert.branch_id.in_(branch_ids), Alert.cleared_at.is_(None))
        .group_by(Alert.branch_id)
    )
    return {int(branch_id): int(n) for branch_id, n in session.execute(query)}


register_alert_count(active_per_branch)
