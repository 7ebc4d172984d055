"""The estimate's inputs, read once per write transaction and forgotten by the writes that
change them.

A group commit runs many issues in one transaction, and each issue's estimate needs the open
counters per service and the recent mean service time: reading them once per transaction is a
large part of what makes a batch of issues cheap. A figure read earlier in the batch must not
outlive a change of its inputs, or the estimate would depend on how requests happened to be
batched. So the repositories that write the inputs forget the figures: a counter that opens,
pauses or closes (`counters_changed`, from the counters' repository), a ticket that is done
(`service_finished`, from the tickets' repository), and any change of a hall's set-up
(`core_repo.forget_figures`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from server.core import repository as core_repo
from server.halls import repository as halls_repo
from server.halls.models import Service
from server.tickets import repository as tickets_repo
from server.tickets.estimate import mean_service_s as mean_of

RECENT_DAYS = 7


def open_counters(session: Session, branch_id: int) -> dict[int, int]:
    """Open counters per service id of a branch."""
    return core_repo.memo(
        session,
        ("open_counters", branch_id),
        lambda: halls_repo.open_counters_by_service(session, branch_id),
    )


def mean_service_s(session: Session, service: Service, now: datetime) -> float:
    """Mean service time of the service's recent tickets (else its configured minutes)."""

    def compute() -> float:
        since = now - timedelta(days=RECENT_DAYS)
        durations = tickets_repo.recent_service_durations(session, [service.id], since)
        return mean_of(durations[service.id], configured_min=service.service_min)

    return core_repo.memo(session, ("mean_service_s", service.id), compute)


def counters_changed(session: Session, branch_id: int) -> None:
    core_repo.forget(session, ("open_counters", branch_id))


def service_finished(session: Session, service_id: int) -> None:
    core_repo.forget(session, ("mean_service_s", service_id))
