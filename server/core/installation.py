"""The installation's identity: a random id stored in the database, made at its first start.

`/healthz` returns it. The kiosk agent keys its memory of printed jobs by it: job ids are only
unique within one database, so a new database behind the same address must not find the jobs
of the old one "already printed".
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.core.context import Ctx
from server.core.models import Installation
from server.core.run import write
from server.core.unit_of_work import UnitOfWork

ROW = 1


def current(session: Session) -> str | None:
    """The installation id, or None before the first start."""
    return session.scalar(select(Installation.uuid).where(Installation.id == ROW))


def ensure(ctx: Ctx) -> str:
    """Make the installation id if the database has none yet; return it. Servers starting
    together on one database agree: the one row has a fixed key, the loser reads the winner's."""

    def make(uow: UnitOfWork) -> str:
        found = current(uow.session)
        if found is None:
            found = str(uuid.uuid4())
            uow.session.add(Installation(id=ROW, uuid=found, created_at=uow.now))
        return found

    with ctx.db.read() as session:
        found = current(session)
    if found is not None:  # every start but the first: no write
        return found
    try:
        return write(ctx, make)
    except IntegrityError:
        with ctx.db.read() as session:
            found = current(session)
        assert found is not None
        return found
