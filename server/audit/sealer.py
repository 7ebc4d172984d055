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

from server.audit import trail
from server.core import trail as core_trail
from server.core.context import Ctx
from server.core.periodic import Periodic

SEAL_EVERY_S = 1.0
"""How long an event may stay out of the chain while the server runs (the tamper window)."""


def settle(ctx: Ctx) -> int:
    """Seal what is pending; returns how many events."""
    total = 0
    while True:
        with ctx.db.read() as session:
            if not trail.unsealed(session):
                return total
        sealed = ctx.db.writes.run(lambda session: trail.seal(session))
        total += sealed
        if not sealed:
            return total


core_trail.settle_with(settle)


class Sealer(Periodic):
    def __init__(self, ctx: Callable[[], Ctx], every_s: float = SEAL_EVERY_S) -> None:
        super().__init__(ctx, settle, every_s, "sealing the audit trail", at_start=True)
