"""The queue view: what a hall TV or monitor shows, and the snapshot of the event stream."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from server import protocol as p
from server.core.models import Branch
from server.halls import repository as halls_repo
from server.halls.models import Service
from server.halls.views import schedule
from server.stream import repository as events_repo
from server.tickets import repository as tickets_repo
from server.tickets.views import service_waits


def queue_view(session: Session, branch: Branch, now: datetime, boost_min: int) -> p.QueueView:
    """What a hall TV or monitor shows; `seq` is the last event it reflects. `boost_min`: the
    installation's priority boost (`HALLQ_PRIORITY_BOOST_MIN`), for a hall that sets none."""
    services = [s for s in halls_repo.services(session, branch.id) if s.active]
    waits = service_waits(session, branch, services, now, boost_min)
    counters = halls_repo.counters(session, branch.id)
    served_by = halls_repo.counter_service_ids(session, [c.id for c in counters])
    hours = schedule(branch)
    closed = hours.issuing_closed(now)
    today = hours.business_date(now)

    def closed_reason(service: Service) -> str | None:
        if closed:
            return closed[0]
        quota = service.daily_quota
        if quota is not None and tickets_repo.issued_count(session, service.id, today) >= quota:
            return "quota_reached"
        return None

    reasons = {s.id: closed_reason(s) for s in services}
    in_hand = {c.ticket_id for c in counters if c.ticket_id is not None}
    hand_tickets = {t.id: t for t in tickets_repo.tickets_by_id(session, in_hand)}
    queue_counters = []
    for counter in counters:
        held = hand_tickets.get(counter.ticket_id or 0)
        queue_counters.append(
            p.QueueCounter(
                id=counter.id,
                number=counter.number,
                name=counter.name,
                state=counter.state,
                pause_reason=counter.pause_reason,
                ticket=p.QueueTicketRef(
                    id=held.id,
                    number=held.number,
                    state=held.state,
                    service_id=held.service_id,
                    serving_since=held.started_at or held.called_at,
                )
                if held
                else None,
                service_ids=served_by.get(counter.id, []),
                clerk_id=counter.clerk_id,
            )
        )
    recent = [
        p.RecentCall(
            ticket_id=int(e.data["id"]),
            number=str(e.data["number"]),
            counter_number=int(e.data["counter"]["number"]),
            called_at=e.ts,
            calls=int(e.data["calls"]),
        )
        for e in events_repo.recent_calls(session, branch.id)
    ]
    return p.QueueView(
        seq=branch.last_seq,
        branch_id=branch.id,
        business_date=today,
        services=[
            p.QueueService(
                id=s.id,
                code=s.code,
                prefix=s.prefix,
                name=dict(s.name),
                waiting=waits[s.id][0],
                estimated_wait_s=waits[s.id][1],
                open_counters=waits[s.id][2],
                open=reasons[s.id] is None,
                closed_reason=reasons[s.id],
                target_wait_min=s.target_wait_min,
                max_service_min=s.max_service_min,
            )
            for s in services
        ],
        counters=queue_counters,
        recent_calls=recent,
        opens_at=hours.opens_at(now) if closed else None,
        hours_today=hours.hours_of(today),
    )
