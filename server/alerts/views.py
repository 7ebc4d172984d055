"""Alert rows → the wire model, and how its events are stored and sent."""

from __future__ import annotations

from server import protocol as p
from server.alerts.events import AlertChanged
from server.alerts.models import Alert
from server.auth import repository as auth_repo
from server.core.events import Record, serializer
from server.core.unit_of_work import UnitOfWork


def alert_wire(alert: Alert, acked_by_name: str | None = None) -> p.Alert:
    return p.Alert(
        id=alert.id,
        branch_id=alert.branch_id,
        kind=alert.kind,
        subject=p.AlertSubject.model_validate(alert.subject),
        detail=alert.detail,
        raised_at=alert.raised_at,
        cleared_at=alert.cleared_at,
        acked_at=alert.acked_at,
        acked_by=alert.acked_by,
        acked_by_name=acked_by_name,
    )


@serializer(AlertChanged)
def alert_changed(uow: UnitOfWork, event: AlertChanged) -> Record:
    alert = uow.session.get(Alert, event.alert_id)
    assert alert is not None  # the event's own alert, written by the change
    subject = alert.subject
    # Who acknowledged it, by name, as the list and the acknowledgment's answer give it: the
    # monitor takes the event's copy of the alert, which arrives after the answer as often as
    # before it.
    name = None
    if alert.acked_by is not None:
        name = auth_repo.usernames(uow.session, [alert.acked_by]).get(alert.acked_by)
    return Record(
        event.branch_id, event.type, alert_wire(alert, name).model_dump(mode="json"),
        ticket_id=subject.get("ticket_id"), counter_id=subject.get("counter_id"),
    )  # fmt: skip
