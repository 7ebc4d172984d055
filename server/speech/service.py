"""Announcements the server speaks itself (branch setting `server_speech`)."""

from __future__ import annotations

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import (
    NotFound,
)
from server.core.models import Branch, TicketEvent
from server.halls.settings import branch_settings
from server.stream import repository as events_repo

ANNOUNCEMENT_READERS = ("admin", "manager", "clerk", "display")


def announced_call(ctx: Ctx, branch_id: int, seq: int) -> tuple[TicketEvent, p.BranchSettings, str]:
    """(the call event `seq`, branch settings, branch locale) for a server-spoken announcement."""
    ctx.principal.require(ANNOUNCEMENT_READERS, "announcements")
    ctx.principal.require_branch(branch_id)
    with ctx.db.read() as session:
        branch = core_repo.get_or_404(session, Branch, branch_id, "branch")
        settings = branch_settings(branch)
        if not settings.server_speech:
            raise NotFound("server speech is off for this branch (settings.server_speech)")
        events = events_repo.events_after(session, branch_id, seq - 1, seq)
        if not events or events[0].type not in events_repo.CALLS:
            raise NotFound(f"event {seq} of branch {branch_id} is not a call")
        return events[0], settings, branch.locale
