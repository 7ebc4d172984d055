"""A hall's public information (API.md, "Opening days and public information"): the hours, the
next special days, the notice and each service's queue and commitments, for anyone.

Nobody logs in, so the answer is built at most once every CACHE_S per hall in each process and
served from memory in between: a flood of requests costs a dictionary look-up each, not a read
of the hall's queue. An unknown hall is one primary-key read (404). Nothing personal is in it:
no ticket, no clerk, no counter.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from server import protocol as p
from server.core import repository as core_repo
from server.core.engine import Database
from server.core.errors import NotFound
from server.core.models import Branch
from server.halls import repository as halls_repo
from server.halls.models import Service
from server.halls.settings import branch_settings
from server.halls.views import schedule
from server.stream.views import queue_view

CACHE_S = 2.0  # a page polling every few seconds sees figures at most this old
AHEAD_DAYS = 30  # the special days and holidays announced
MAX_CACHED = 10_000  # halls kept in memory (far more than an installation has)
AROUND_THE_CLOCK = [["00:00", "24:00"]]


def _bookable(service: Service) -> bool:
    """Whether the service can be booked online (the hall page links to `/book?branch=`).
    appointments: replaced at merge (server/appointments/public.py: bookable(...))."""
    return False


def public_branch(session: Session, branch: Branch, now: datetime) -> p.PublicBranch:
    settings = branch_settings(branch)
    hours = schedule(branch)
    today = hours.business_date(now)
    view = queue_view(session, branch, now)
    rows = {s.id: s for s in halls_repo.services(session, branch.id)}
    today_hours = hours.hours_of(today)
    last = (today + timedelta(days=AHEAD_DAYS - 1)).isoformat()
    return p.PublicBranch(
        id=branch.id,
        name=branch.name,
        timezone=branch.timezone,
        open_now=hours.open_now(now),
        hours_today=AROUND_THE_CLOCK if today_hours is None else today_hours,
        opening_hours=settings.opening_hours,
        special_days=hours.special_days_ahead(today, AHEAD_DAYS),
        cutoff_min=settings.cutoff_min,
        notice=dict(settings.notice),
        services=[
            p.PublicService(
                id=s.id,
                code=s.code,
                prefix=s.prefix,
                name=s.name,
                open_now=s.open,
                closed_reason=s.closed_reason,
                waiting=s.waiting,
                estimated_wait_s=s.estimated_wait_s,
                target_wait_min=s.target_wait_min,
                max_service_min=s.max_service_min,
                bookable=_bookable(rows[s.id]),
            )
            for s in view.services
        ],
        names=dict(settings.hall_names),
        locale=branch.locale,
        business_date=today,
        holidays=sorted(
            d.isoformat() for d in settings.holidays if today.isoformat() <= d.isoformat() <= last
        ),
        opens_at=view.opens_at,
        public_issue=settings.public_issue,
    )


class PublicCache:
    """The answers per hall, each kept CACHE_S (thread-safe; one build at a time per process:
    a burst of requests for a stale hall waits for one read instead of making many)."""

    def __init__(self, ttl_s: float = CACHE_S) -> None:
        self.ttl_s = ttl_s
        self._kept: dict[int, tuple[float, p.PublicBranch]] = {}
        self._build = threading.Lock()

    def get(self, db: Database, branch_id: int, now: datetime) -> p.PublicBranch:
        kept = self._kept.get(branch_id)
        if kept is not None and time.monotonic() - kept[0] < self.ttl_s:
            return kept[1]
        with self._build:
            kept = self._kept.get(branch_id)
            if kept is not None and time.monotonic() - kept[0] < self.ttl_s:
                return kept[1]
            with db.read() as session:
                branch = core_repo.row(session, Branch, branch_id)
                if branch is None:
                    raise NotFound(f"branch {branch_id} does not exist")
                answer = public_branch(session, branch, now)
            if len(self._kept) >= MAX_CACHED:
                self._kept.clear()
            self._kept[branch_id] = (time.monotonic(), answer)
            return answer
