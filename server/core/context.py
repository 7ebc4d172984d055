"""What every use case needs: the database, the clock, the publisher and who is asking."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from server.core.clock import Clock
from server.core.engine import Database
from server.core.errors import Forbidden, Unauthorized
from server.core.settings import Settings
from server.core.unit_of_work import Actor, Publisher, UnitOfWork
from server.core.writer import on_commit

STAFF = frozenset({"admin", "manager", "clerk"})


@dataclass(frozen=True)
class Principal:
    """An authenticated user or device; `kind` is a role or a device kind."""

    kind: str  # admin | manager | clerk | kiosk | display | anonymous
    user_id: int | None = None
    device_id: int | None = None
    # Every branch the principal works in: its own and those of its regions' subtrees.
    branch_ids: frozenset[int] = field(default_factory=frozenset)
    username: str = ""
    # The regions it manages with every region below them (server/core/tree.py).
    region_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    @property
    def is_staff(self) -> bool:
        return self.kind in STAFF

    @property
    def key(self) -> str:
        """Scope of Idempotency-Key values."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.device_id is not None:
            return f"device:{self.device_id}"
        return "anonymous"

    def may_see(self, branch_id: int) -> bool:
        return self.is_admin or branch_id in self.branch_ids

    def require_branch(self, branch_id: int) -> None:
        if self.kind == "anonymous":
            raise Unauthorized("log in first (Authorization: Bearer <token>)")
        if not self.may_see(branch_id):
            raise Forbidden(f"no access to branch {branch_id}")

    def may_see_region(self, region_id: int) -> bool:
        return self.is_admin or region_id in self.region_ids

    def require_region(self, region_id: int) -> None:
        if self.kind == "anonymous":
            raise Unauthorized("log in first (Authorization: Bearer <token>)")
        if not self.may_see_region(region_id):
            raise Forbidden(f"no access to region {region_id}")

    def require(self, kinds: Sequence[str], what: str) -> None:
        if self.kind == "anonymous" and "anonymous" not in kinds:
            raise Unauthorized("log in first (Authorization: Bearer <token>)")
        if self.kind not in kinds:
            raise Forbidden(f"{what} needs one of: {', '.join(kinds)}")

    def visible_branches(self) -> list[int] | None:
        """Branch ids this principal may read, or None for all (admin)."""
        return None if self.is_admin else sorted(self.branch_ids)


ANONYMOUS = Principal(kind="anonymous")


class PrincipalCache:
    """Verified bearer tokens (by hash) → principal, for a few seconds: most requests then need
    no database read to authenticate. Changes to users, devices and tokens made through this
    process clear it at once (`forget`); another server process sees them within `ttl_s`."""

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl = timedelta(seconds=ttl_s)
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Principal, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str, now: datetime) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[1] <= now:
            return None
        return entry[0]

    def put(
        self, digest: str, principal: Principal, now: datetime, expires: datetime | None
    ) -> None:
        if not self.ttl:
            return
        until = now + self.ttl if expires is None else min(now + self.ttl, expires)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[digest] = (principal, until)

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class Ctx:
    db: Database
    settings: Settings
    clock: Clock
    publisher: Publisher | None
    principal: Principal = ANONYMOUS
    principals: PrincipalCache | None = None

    def forget_principals(self, session: Session) -> None:
        """Users, devices or tokens change in this transaction: re-authenticate after it. The
        cache is cleared as soon as the change is committed, before the request that made it
        is answered, so that the client's next request cannot find the old principal."""
        cache = self.principals
        if cache is not None:
            on_commit(session, cache.forget)

    def uow(self, session: Session) -> UnitOfWork:
        """A unit of work for a job in the writer's transaction `session`."""
        principal = self.principal
        actor = Actor(principal.user_id, principal.device_id, principal.username or None)
        return UnitOfWork(
            self.db, now=self.clock(), actor=actor, publisher=self.publisher, session=session
        )
