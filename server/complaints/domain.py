"""The rules of complaints and follow-ups (pure): states, moves, deadlines, and their events.

A complaint is `open` when recorded, `assigned` once a responsible person has it, and ends
`resolved` or `rejected` with a written resolution. The end states are final. Its answer is due
`complaint_reply_hours` after it was recorded; one still unanswered after that is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from server.core.errors import InvalidTransition, ValidationFailed

OPEN, ASSIGNED, RESOLVED, REJECTED = "open", "assigned", "resolved", "rejected"
FINAL = frozenset({RESOLVED, REJECTED})
MOVES: dict[str, frozenset[str]] = {
    OPEN: frozenset({ASSIGNED, RESOLVED, REJECTED}),
    ASSIGNED: frozenset({RESOLVED, REJECTED}),
    RESOLVED: frozenset(),
    REJECTED: frozenset(),
}


def due(created_at: datetime, hours: int) -> datetime:
    return created_at + timedelta(hours=hours)


def is_overdue(state: str, due_at: datetime, now: datetime) -> bool:
    """Unanswered past its deadline."""
    return state not in FINAL and now > due_at


def is_late(state: str, due_at: datetime, answered_at: datetime | None) -> bool:
    """Answered, but after its deadline."""
    return state in FINAL and answered_at is not None and answered_at > due_at


@dataclass(frozen=True)
class Change:
    """What a manager's PATCH asks: the state it moves to, and the fields it sets."""

    state: str
    assignee_id: int | None
    resolution: str | None
    upheld: bool | None
    action: str


def plan_change(
    current: str,
    current_assignee: int | None,
    *,
    state: str | None,
    assignee_id: int | None,
    resolution: str | None,
    upheld: bool | None,
) -> Change:
    """Check a requested change against the moves and say what it does.

    Giving an assignee to an open complaint assigns it; an assigned one may be given another.
    Resolving or rejecting needs a resolution. Nothing changes a resolved or rejected one."""
    if current in FINAL:
        raise InvalidTransition(f"the complaint is already {current}")
    target = state or current
    if target == current and assignee_id is not None and current == OPEN:
        target = ASSIGNED
    if target != current and target not in MOVES[current]:
        raise InvalidTransition(f"a complaint cannot go from {current} to {target}")
    text = (resolution or "").strip() or None
    if target in FINAL and text is None:
        raise ValidationFailed(f"a resolution is needed to mark the complaint {target}")
    assignee = assignee_id if assignee_id is not None else current_assignee
    if target == ASSIGNED and assignee is None:
        raise ValidationFailed("assigning a complaint needs an assignee_id")
    if target not in FINAL and (text is not None or upheld is not None):
        raise ValidationFailed("resolution and upheld are given when resolving or rejecting")
    if target == current and assignee_id is None:
        raise ValidationFailed("nothing to change: give assignee_id or state")
    if target in FINAL:
        action = target
    elif target == ASSIGNED and assignee != current_assignee:
        action = "assigned"
    else:
        action = "updated"
    return Change(target, assignee, text, upheld if target in FINAL else None, action)


@dataclass(frozen=True)
class ComplaintEvent:
    type: ClassVar[str] = "complaint.updated"
    complaint_id: int
    branch_id: int
    ticket_id: int | None
    counter_id: int | None
    from_state: str | None


@dataclass(frozen=True)
class ComplaintCreated(ComplaintEvent):
    type: ClassVar[str] = "complaint.created"


@dataclass(frozen=True)
class ComplaintUpdated(ComplaintEvent):
    type: ClassVar[str] = "complaint.updated"
    action: str = "updated"


@dataclass(frozen=True)
class FollowUpEvent:
    type: ClassVar[str] = "follow_up.updated"
    follow_up_id: int
    branch_id: int
    ticket_id: int | None


@dataclass(frozen=True)
class FollowUpCreated(FollowUpEvent):
    type: ClassVar[str] = "follow_up.created"


@dataclass(frozen=True)
class FollowUpDone(FollowUpEvent):
    type: ClassVar[str] = "follow_up.updated"
