"""The complaint's moves and deadlines, the per-client limit, and the registrations of the
complaint and follow-up events (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import server.app  # noqa: F401  (the assembly: imports every domain)
from server.complaints import domain as d
from server.complaints.throttle import ClientLimit
from server.core.errors import InvalidTransition, RateLimited, ValidationFailed
from server.core.events import handlers_of, has_serializer
from server.protocol import EVENT_TYPES
from server.tickets.domain import TicketRated
from server.tickets.states import TicketState

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def plan(current: str, assignee: int | None = None, **asked: object) -> d.Change:
    ask = {"state": None, "assignee_id": None, "resolution": None, "upheld": None} | asked
    return d.plan_change(current, assignee, **ask)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [(c, t, t in d.MOVES[c]) for c in d.MOVES for t in d.MOVES if t != c],
)
def test_every_move_of_the_table_is_allowed_or_refused_with_409(
    current: str, target: str, allowed: bool
) -> None:
    asked = {"state": target, "assignee_id": 7 if target == d.ASSIGNED else None,
             "resolution": "answer" if target in d.FINAL else None}  # fmt: skip
    if allowed:
        assert plan(current, **asked).state == target
    else:
        with pytest.raises(InvalidTransition):
            plan(current, **asked)


def test_an_assignee_alone_assigns_an_open_complaint_or_reassigns_an_assigned_one() -> None:
    assert plan(d.OPEN, assignee_id=3) == d.Change(d.ASSIGNED, 3, None, None, "assigned")
    assert plan(d.ASSIGNED, 3, assignee_id=4).action == "assigned"
    assert plan(d.ASSIGNED, 3, state="resolved", resolution=" ok ", upheld=True) == d.Change(
        d.RESOLVED, 3, "ok", True, "resolved"
    )


@pytest.mark.parametrize(
    "asked",
    [{"state": "resolved"}, {"state": "rejected", "resolution": "  "}, {"state": "assigned"},
     {"upheld": True}, {"resolution": "x"}, {}],
)  # fmt: skip
def test_a_resolution_is_needed_to_end_one_and_an_empty_change_is_refused(
    asked: dict[str, object],
) -> None:
    with pytest.raises(ValidationFailed):
        plan(d.OPEN, **asked)


def test_deadline_overdue_and_late() -> None:
    due = d.due(T0, 48)
    assert due == T0 + timedelta(hours=48)
    assert not d.is_overdue(d.OPEN, due, due)
    assert d.is_overdue(d.ASSIGNED, due, due + timedelta(seconds=1))
    assert not d.is_overdue(d.RESOLVED, due, due + timedelta(days=9))
    assert d.is_late(d.REJECTED, due, due + timedelta(seconds=1))
    assert not d.is_late(d.RESOLVED, due, due)


def test_the_client_limit_slides_and_says_when_to_retry() -> None:
    limit = ClientLimit(limit=2, window_s=60)
    limit.take("a", 0)
    limit.take("a", 10)
    limit.take("b", 10)  # another address has its own window
    with pytest.raises(RateLimited) as refused:
        limit.take("a", 30)
    assert refused.value.retry_after_s == 31
    limit.take("a", 60.5)  # the first has left the window


def test_the_events_have_serializers_types_and_the_low_rating_handler() -> None:
    for kind in (d.ComplaintCreated, d.ComplaintUpdated, d.FollowUpCreated, d.FollowUpDone):
        assert has_serializer(kind) and kind.type in EVENT_TYPES, kind
    handlers = handlers_of(TicketRated(1, 1, TicketState.DONE, 1))
    assert [h.__name__ for h in handlers] == ["follow_up_low_rating"]
