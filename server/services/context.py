"""What every use case needs: the database, the clock, the publisher and who is asking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from server.db.engine import Database
from server.db.unit_of_work import Actor, Publisher, UnitOfWork
from server.domain.errors import Forbidden, Unauthorized
from server.settings import Settings

STAFF = frozenset({"admin", "manager", "clerk"})


@dataclass(frozen=True)
class Principal:
    """An authenticated user or device; `kind` is a role or a device kind."""

    kind: str  # admin | manager | clerk | kiosk | display | anonymous
    user_id: int | None = None
    device_id: int | None = None
    branch_ids: frozenset[int] = field(default_factory=frozenset)
    username: str = ""

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

    def require(self, kinds: Sequence[str], what: str) -> None:
        if self.kind == "anonymous" and "anonymous" not in kinds:
            raise Unauthorized("log in first (Authorization: Bearer <token>)")
        if self.kind not in kinds:
            raise Forbidden(f"{what} needs one of: {', '.join(kinds)}")

    def visible_branches(self) -> list[int] | None:
        """Branch ids this principal may read, or None for all (admin)."""
        return None if self.is_admin else sorted(self.branch_ids)


ANONYMOUS = Principal(kind="anonymous")


@dataclass
class Ctx:
    db: Database
    settings: Settings
    clock: Callable[[], datetime]
    publisher: Publisher | None
    principal: Principal = ANONYMOUS

    def uow(self) -> UnitOfWork:
        actor = Actor(user_id=self.principal.user_id, device_id=self.principal.device_id)
        return UnitOfWork(self.db, now=self.clock(), actor=actor, publisher=self.publisher)
