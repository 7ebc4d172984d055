"""Complaints per clerk, for the appraisal.

PLACEHOLDER (issue 15 item 1 builds complaints in server/complaints, in parallel): until that
lands there is no complaint table, and every clerk has none. Once it lands, this one function
counts the complaints of the scope's halls created in its dates, by `clerk_id`, and those with
`upheld` true — nothing else in the appraisal changes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.appraisal.domain import Complaints
from server.stats.figures import Scope


def complaints_by_clerk(session: Session, scope: Scope) -> dict[int, Complaints]:
    """{clerk id: complaints (total, upheld)} of the scope. No complaints table yet: none."""
    del session, scope
    return {}
