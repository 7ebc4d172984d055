"""What a subscriber receives first: the missed events, or a snapshot of the queue view."""

from __future__ import annotations

from datetime import datetime

from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.engine import Database
from server.core.errors import NotFound
from server.core.models import Branch
from server.core.unit_of_work import event_text
from server.stream import repository as events_repo
from server.stream.views import queue_view


def fetch_events(
    db: Database, branch_id: int, after: int, upto: int | None
) -> list[tuple[int, str]]:
    """Committed events of a branch with after < seq <= upto, as wire texts."""
    with db.read() as session:
        return [
            (e.seq, event_text(e.seq, e.type, e.ts, e.data))
            for e in events_repo.events_after(session, branch_id, after, upto)
        ]


def initial_messages(ctx: Ctx, branch_id: int, since: int | None) -> tuple[list[str], int]:
    """(messages to send first, the seq they bring the client to)."""
    ctx.principal.require_branch(branch_id)
    now: datetime = ctx.clock()
    with ctx.db.read() as session:
        branch = core_repo.row(session, Branch, branch_id)
        if branch is None:
            raise NotFound(f"branch {branch_id} does not exist")
        last = branch.last_seq
        if (
            since is not None
            and 0 <= since <= last
            and last - since <= ctx.settings.replay_max_events
        ):
            events = events_repo.events_after(session, branch_id, since, last)
            if len(events) == last - since:
                return [event_text(e.seq, e.type, e.ts, e.data) for e in events], last
        view = queue_view(session, branch, now, ctx.settings.priority_boost_min)
        return [event_text(last, "snapshot", now, view.model_dump(mode="json"))], last


def queue(ctx: Ctx, branch_id: int) -> dict[str, object]:
    ctx.principal.require(("admin", "manager", "clerk", "display", "kiosk"), "the queue view")
    ctx.principal.require_branch(branch_id)
    with ctx.db.read() as session:
        branch = core_repo.row(session, Branch, branch_id)
        if branch is None:
            raise NotFound(f"branch {branch_id} does not exist")
        boost = ctx.settings.priority_boost_min
        return queue_view(session, branch, ctx.clock(), boost).model_dump(mode="json")
