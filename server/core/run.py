"""Run a use case in one unit of work, through the database's writer: the one write path.

Every mutation runs as a job of `ctx.db.writes` (`perform`, `perform_async`, `write`): on
SQLite the group committer then holds the single writer connection alone, so it keeps its rows
from batch to batch (server/core/writer.py); a write beside it would make it read them again.

An Idempotency-Key is checked and stored inside the same transaction as the change, so a
retry either sees the stored answer or performs the change exactly once. If two requests with
one key race (PostgreSQL), the loser's insert violates the unique constraint, its whole
transaction is rolled back, and it then answers with the winner's stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import IdempotencyConflict
from server.core.models import IdempotencyKey
from server.core.unit_of_work import Actor, UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class Idem:
    scope: str
    """Whose keys these are: a user, a device, or one anonymous client (`anonymous_scope`)."""
    key: str
    request_hash: str
    """The request's fingerprint: method, path and the whole body; the same key with another
    fingerprint is an `idempotency_conflict`."""

    @classmethod
    def of(
        cls, key: str | None, scope: str, method: str, path: str, body: BaseModel | None
    ) -> Idem | None:
        """None without a key (the body is then never serialised)."""
        if not key:
            return None
        # the fields the client sent: {"region": null} (clear it) is not {} (keep it)
        payload = body.model_dump(mode="json", exclude_unset=True) if body is not None else None
        canonical = json.dumps([method, path, payload], sort_keys=True, default=str)
        return cls(
            scope=scope, key=key[:200], request_hash=hashlib.sha256(canonical.encode()).hexdigest()
        )


def anonymous_scope(client_address: str) -> str:
    """Callers without a login share no keys: each client address has its own (a digest, so
    no address is stored). Another client that reuses a key gets its own answer, never the
    first client's ticket and public_id."""
    return "anonymous:" + hashlib.sha256(client_address.encode()).hexdigest()[:28]


Outcome = tuple[int, dict[str, Any]]


def perform(
    ctx: Ctx,
    action: Callable[[UnitOfWork], BaseModel],
    *,
    idem: Idem | None = None,
    status: int = 200,
) -> Outcome:
    """Run `action` once; returns (status, JSON body) — the stored one on a replay."""
    for attempt in range(2):
        try:
            return ctx.db.writes.run(_job(ctx, action, idem, status))
        except IntegrityError:
            if idem is None or attempt == 1:
                raise
    raise AssertionError("unreachable")


async def perform_async(
    ctx: Ctx,
    action: Callable[[UnitOfWork], BaseModel],
    *,
    idem: Idem | None = None,
    status: int = 200,
) -> Outcome:
    """`perform` for the event loop: the writer decides how the request waits (on SQLite for
    its group commit, holding no thread; elsewhere in the threadpool)."""
    for attempt in range(2):
        try:
            return await ctx.db.writes.run_async(_job(ctx, action, idem, status))
        except IntegrityError:
            if idem is None or attempt == 1:
                raise
    raise AssertionError("unreachable")


def write(ctx: Ctx, action: Callable[[UnitOfWork], T]) -> T:
    """Run `action` in a unit of work as one job of the writer, and return what it returns:
    for writes with no Idempotency-Key (a login's token, housekeeping, the `hallq` command).
    The job runs on the writer's thread on SQLite, where it holds up every other write: do
    slow work (password hashing) before, and return plain values or wire models, not rows
    (they belong to the writer's session)."""

    def job(session: Session) -> T:
        with ctx.uow(session) as uow:
            result = action(uow)
            uow.commit()
            return result

    return ctx.db.writes.run(job)


def within(
    ctx: Ctx, session: Session, action: Callable[[UnitOfWork], T], *, now: datetime, actor: Actor
) -> T:
    """Run `action` in a unit of work of its own on `session`, which is already one job of the
    writer (`hallq simulate` plays a whole day of a hall, use case after use case, in one
    transaction): its events are numbered and stored; the job commits them. On PostgreSQL the
    hall's branch row then stays locked from the first such commit to the job's end, and a
    later issue takes its numbering row after it, against the usual order (server/core/
    unit_of_work.py): play halls and days that no live server is issuing in at the moment."""
    with UnitOfWork(ctx.db, now=now, actor=actor, session=session) as uow:
        result = action(uow)
        uow.commit()
        return result


def _job(
    ctx: Ctx, action: Callable[[UnitOfWork], BaseModel], idem: Idem | None, status: int
) -> Callable[[Session], Outcome]:
    """The transaction's body: check the key, act, store the answer under the key."""

    def job(session: Session) -> Outcome:
        with ctx.uow(session) as uow:
            if idem is not None:
                stored = core_repo.idempotency(session, idem.scope, idem.key)
                if stored is not None:
                    if stored.request_hash != idem.request_hash:
                        raise IdempotencyConflict(
                            "this Idempotency-Key was already used with another request"
                        )
                    return stored.status_code, stored.response
            body = action(uow).model_dump(mode="json")
            if idem is not None:
                session.add(
                    IdempotencyKey(
                        principal=idem.scope,
                        key=idem.key,
                        request_hash=idem.request_hash,
                        status_code=status,
                        response=body,
                        created_at=uow.now,
                    )
                )
                session.flush()
            uow.commit()
            return status, body

    return job
