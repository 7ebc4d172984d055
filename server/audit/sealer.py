"""The stream events join the audit chain a moment after their commit.

`settle(ctx)` seals every stored event not in the chain yet (server/audit/trail.py `seal`), a
batch per writer job so that issuing never waits long behind it. It runs before the trail is
read, verified, anchored or printed (so what a reader sees is whole), and every `SEAL_EVERY_S`
in the server (`Sealer`), whose idle round is one read: of two integers on SQLite, of the
halls' `last_seq` beside their last sealed seq on PostgreSQL. There every worker of every
instance runs one; they take turns at the head row's lock, and the second finds nothing left.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from server.audit import trail
from server.core import trail as core_trail
from server.core.context import Ctx
from server.core.periodic import Periodic

SEAL_EVERY_S = 1.0
"""How long an event may stay out of the chain while the server runs (the tamper window)."""


def settle(ctx: Ctx, *, wait: bool = True) -> int:
    """Seal what was stored before the call; returns how many events. A batch short of full
    ends it: the events committed meanwhile are the next round's, so that a busy hall's
    sealers do not chase them in a loop. `wait=False` (the server's rounds; PostgreSQL): when
    another process is sealing, leave it to that one rather than queue for the head."""
    total, batch = 0, trail.SEAL_BATCH
    job = partial(trail.seal, limit=batch, wait=wait)
    while True:
        with ctx.db.read() as session:
            if not trail.unsealed(session):
                return total
        sealed = ctx.db.writes.run(job)
        total += sealed
        if sealed < batch:
            return total


def _round(ctx: Ctx) -> int:
    return settle(ctx, wait=False)


core_trail.settle_with(settle)


class Sealer(Periodic):
    def __init__(self, ctx: Callable[[], Ctx], every_s: float = SEAL_EVERY_S) -> None:
        super().__init__(ctx, _round, every_s, "sealing the audit trail", at_start=True)
