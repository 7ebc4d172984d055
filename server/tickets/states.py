"""The ticket state machine: one explicit transition table, the single source of truth.

Many clerks never press *start*, so complete, transfer and park are allowed from `called` too;
recall only from `called` (announcing a customer already at the desk makes no sense).
"""

from __future__ import annotations

from enum import StrEnum

from server.core.errors import InvalidTransition


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Action(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    COMPLETE = "complete"
    NO_SHOW = "no_show"
    TRANSFER = "transfer"
    PARK = "park"
    RESUME = "resume"
    CANCEL = "cancel"
    REQUEUE = "requeue"


S, A = TicketState, Action

TRANSITIONS: dict[tuple[TicketState, Action], TicketState] = {
    (S.WAITING, A.CALL): S.CALLED,
    (S.WAITING, A.CANCEL): S.CANCELLED,
    (S.CALLED, A.RECALL): S.CALLED,
    (S.CALLED, A.START): S.SERVING,
    (S.CALLED, A.COMPLETE): S.DONE,
    (S.CALLED, A.NO_SHOW): S.NO_SHOW,
    (S.CALLED, A.TRANSFER): S.WAITING,
    (S.CALLED, A.PARK): S.PARKED,
    (S.CALLED, A.CANCEL): S.CANCELLED,
    (S.SERVING, A.COMPLETE): S.DONE,
    (S.SERVING, A.TRANSFER): S.WAITING,
    (S.SERVING, A.PARK): S.PARKED,
    (S.PARKED, A.RESUME): S.CALLED,
    (S.PARKED, A.CANCEL): S.CANCELLED,
    (S.NO_SHOW, A.REQUEUE): S.WAITING,
}

#: States in which a ticket is "in hand" at a counter.
IN_HAND = frozenset({S.CALLED, S.SERVING})
FINAL = frozenset({S.DONE, S.CANCELLED})


def transition(state: TicketState, action: Action) -> TicketState:
    """Return the state `action` leads to from `state`, or raise InvalidTransition."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise InvalidTransition(
            f"cannot {action.value.replace('_', '-')} a ticket that is {state.value}"
        ) from None
