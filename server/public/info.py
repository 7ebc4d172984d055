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
from server.core.errors import NotFound, RateLimited
from server.core.models import Branch
from server.halls import repository as halls_repo
from server.halls.settings import branch_settings
from server.halls.views import bookable, schedule
from server.stream.views import queue_view

CACHE_S = 2.0  # a page polling every few seconds sees figures at most this old
# Requests one client address may make per WINDOW_S: HALLQ_PUBLIC_INFO_PER_MIN (120; a hall's
# shared Wi-Fi with a hundred phones on /hall polls about 4 a minute each: far below).
WINDOW_S = 60.0
MAX_CLIENTS = 100_000
AHEAD_DAYS = 30  # the special days and holidays announced
MAX_CACHED = 10_000  # halls kept in memory (far more than an installation has)
AROUND_THE_CLOCK = [["00:00", "24:00"]]


def public_branch(
    session: Session, branch: Branch, now: datetime, boost_min: int
) -> p.PublicBranch:
    settings = branch_settings(branch)
    hours = schedule(branch)
    today = hours.business_date(now)
    view = queue_view(session, branch, now, boost_min)
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
                bookable=settings.public_booking and bookable(rows[s.id]),
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


class ClientWindow:
    """Requests per client address in fixed windows of WINDOW_S, in this process's memory: one
    address that floods the open endpoint gets 429 instead of the hall's CPU."""

    def __init__(self, limit: int, window_s: float = WINDOW_S) -> None:
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def take(self, address: str, now: float | None = None) -> None:
        if not self.limit:
            return
        at = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) >= MAX_CLIENTS:
                self._seen.clear()
            start, count = self._seen.get(address, (at, 0))
            if at - start >= self.window_s:
                start, count = at, 0
            if count >= self.limit:
                raise RateLimited(
                    "too many requests for the hall's information from this address",
                    retry_after_s=int(start + self.window_s - at) + 1,
                )
            self._seen[address] = (start, count + 1)


class PublicCache:
    """The answers per hall, each kept CACHE_S (thread-safe; one build at a time per process:
    a burst of requests for a stale hall waits for one read instead of making many)."""

    def __init__(self, ttl_s: float = CACHE_S) -> None:
        self.ttl_s = ttl_s
        self._kept: dict[int, tuple[float, bytes]] = {}
        self._build = threading.Lock()

    def get(self, db: Database, branch_id: int, now: datetime, boost_min: int) -> bytes:
        """The hall's answer as JSON, ready to send (serialised once per build, not per
        request: most of a cached answer's cost would otherwise be its serialisation)."""
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
                view = public_branch(session, branch, now, boost_min)
                answer = view.model_dump_json().encode()
            if len(self._kept) >= MAX_CACHED:
                self._kept.clear()
            self._kept[branch_id] = (time.monotonic(), answer)
            return answer
