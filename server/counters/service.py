"""Counter actions: open, pause, close, and calling and serving the ticket in hand."""

from __future__ import annotations

from typing import Any

from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import Conflict, CounterNotOpen, InvalidTransition, NotFound
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.hand import record_counter
from server.halls.models import Counter, Service
from server.halls.views import counter_ref, counter_wire, schedule
from server.tickets import repository as tickets_repo
from server.tickets.models import Ticket
from server.tickets.selection import Candidate, choose_next
from server.tickets.service import place
from server.tickets.states import IN_HAND, Action, TicketState, transition
from server.tickets.views import ticket_wire

COUNTER_STAFF = ("admin", "manager", "clerk")


def _counter(ctx: Ctx, uow: UnitOfWork, counter_id: int, *, staffing: bool = False) -> Counter:
    ctx.principal.require(COUNTER_STAFF, "counter actions")
    counter = core_repo.row(uow.session, Counter, counter_id)
    if counter is None or counter.deleted:
        raise NotFound(f"counter {counter_id} does not exist")
    ctx.principal.require_branch(counter.branch_id)
    uow.lock_branch(counter.branch_id)
    uow.reread(counter)
    me = ctx.principal.user_id
    if (
        not staffing
        and ctx.principal.kind == "clerk"
        and counter.clerk_id is not None
        and counter.clerk_id != me
    ):
        raise Conflict(f"counter {counter.number} is staffed by another clerk")
    return counter


def _result(uow: UnitOfWork, counter: Counter, ticket: Ticket | None) -> p.CounterActionResult:
    ids = halls_repo.served_by(uow.session, counter.id)
    return p.CounterActionResult(
        counter=counter_wire(counter, ids),
        ticket=ticket_wire(uow.session, ticket, uow.now) if ticket else None,
    )


def _record_ticket(
    uow: UnitOfWork, type_: str, ticket: Ticket, *, at: Counter | None = None, **extra: Any
) -> None:
    """Record a ticket event; `at` names the acting counter when the ticket has left it."""
    data = ticket_wire(uow.session, ticket, uow.now).model_dump(mode="json") | extra
    counter_id = at.id if at is not None else ticket.counter_id
    uow.record(ticket.branch_id, type_, data, ticket_id=ticket.id, counter_id=counter_id)


def _in_hand(uow: UnitOfWork, counter: Counter) -> Ticket:
    ticket = uow.session.get(Ticket, counter.ticket_id) if counter.ticket_id else None
    if ticket is None or ticket.state not in IN_HAND:
        raise InvalidTransition(f"counter {counter.number} has no ticket in hand")
    return ticket


def _finish(uow: UnitOfWork, counter: Counter, ticket: Ticket, action: Action) -> None:
    ticket.state = transition(TicketState(ticket.state), action)
    ticket.finished_at = uow.now
    counter.ticket_id = None
    event = "ticket.completed" if action is Action.COMPLETE else "ticket.no_show"
    _record_ticket(uow, event, ticket)


def _clear_hand(uow: UnitOfWork, counter: Counter, complete_current: bool) -> None:
    if counter.ticket_id is None:
        return
    ticket = uow.session.get(Ticket, counter.ticket_id)
    if ticket is None or ticket.state not in IN_HAND:
        counter.ticket_id = None
        return
    if not complete_current:
        raise Conflict(
            f"counter {counter.number} still has {ticket.number} in hand: complete, transfer "
            "or park it first, or send complete_current"
        )
    _finish(uow, counter, ticket, Action.COMPLETE)


def _require_open(counter: Counter) -> None:
    if counter.state != "open":
        raise CounterNotOpen(f"counter {counter.number} is {counter.state}; open it first")


def _call(uow: UnitOfWork, counter: Counter, ticket: Ticket, action: Action) -> None:
    ticket.state = transition(TicketState(ticket.state), action)
    ticket.counter_id = counter.id
    ticket.clerk_id = counter.clerk_id
    ticket.target_counter_id = None
    ticket.called_at = ticket.called_at or uow.now
    ticket.last_called_at = uow.now
    ticket.calls += 1
    counter.ticket_id = ticket.id
    if action is Action.CALL:
        is_priority = ticket.priority != "normal"
        counter.normals_since_priority = 0 if is_priority else counter.normals_since_priority + 1
    _record_ticket(uow, "ticket.called", ticket, counter=counter_ref(counter))
    record_counter(uow, counter)


def open_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id, staffing=True)
    if counter.clerk_id not in (None, ctx.principal.user_id) and counter.ticket_id is not None:
        raise Conflict(f"counter {counter.number} still has a ticket in hand of the previous clerk")
    counter.state, counter.pause_reason = "open", None
    counter.clerk_id = ctx.principal.user_id
    record_counter(uow, counter)
    return _result(uow, counter, None)


def pause_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int, reason: str) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    if counter.state == "closed":
        raise CounterNotOpen(f"counter {counter.number} is closed; open it first")
    if counter.ticket_id is not None:
        raise Conflict(f"counter {counter.number} has a ticket in hand: finish it before pausing")
    counter.state, counter.pause_reason = "paused", reason or None
    record_counter(uow, counter)
    return _result(uow, counter, None)


def close_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    if counter.ticket_id is not None:
        raise Conflict(
            f"counter {counter.number} has a ticket in hand: complete, transfer or park it first"
        )
    counter.state, counter.pause_reason, counter.clerk_id = "closed", None, None
    record_counter(uow, counter)
    return _result(uow, counter, None)


def call_next(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.CallNextRequest
) -> p.CounterActionResult:
    """Call the next ticket for this counter by effective time and interleave."""
    counter = _counter(ctx, uow, counter_id)
    _require_open(counter)
    _clear_hand(uow, counter, body.complete_current)
    branch = uow.lock_branch(counter.branch_id)
    day = schedule(branch).business_date(uow.now)
    service_ids = halls_repo.served_by(uow.session, counter.id)
    heads = [
        tickets_repo.queue_head(
            uow.session,
            branch_id=branch.id,
            business_date=day,
            service_ids=service_ids,
            counter_id=counter.id,
            priority=flag,
        )
        for flag in (False, True)
    ]
    normal, priority = (Candidate(t.id, t.priority, t.effective_at) if t else None for t in heads)
    interleave = counter.priority_interleave
    if interleave is None:
        interleave = int((branch.settings or {}).get("priority_interleave") or 0)
    chosen = choose_next(
        first_normal=normal,
        first_priority=priority,
        interleave=interleave,
        normals_since_priority=counter.normals_since_priority,
    )
    if chosen is None:
        return _result(uow, counter, None)
    ticket = uow.session.get(Ticket, chosen.ticket_id)
    assert ticket is not None
    _call(uow, counter, ticket, Action.CALL)
    return _result(uow, counter, ticket)


def _branch_ticket(uow: UnitOfWork, counter: Counter, ticket_id: int) -> Ticket:
    ticket = uow.session.get(Ticket, ticket_id)
    if ticket is None or ticket.branch_id != counter.branch_id:
        raise NotFound(f"ticket {ticket_id} does not exist in this branch")
    return ticket


def call_specific(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.CallRequest
) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    _require_open(counter)
    ticket = _branch_ticket(uow, counter, body.ticket_id)
    transition(TicketState(ticket.state), Action.CALL)  # refuse before touching the hand
    _clear_hand(uow, counter, body.complete_current)
    _call(uow, counter, ticket, Action.CALL)
    return _result(uow, counter, ticket)


def resume(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.ResumeRequest
) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    _require_open(counter)
    ticket = _branch_ticket(uow, counter, body.ticket_id)
    transition(TicketState(ticket.state), Action.RESUME)
    _clear_hand(uow, counter, body.complete_current)
    _call(uow, counter, ticket, Action.RESUME)
    return _result(uow, counter, ticket)


def recall(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    ticket.state = transition(TicketState(ticket.state), Action.RECALL)
    ticket.calls += 1
    ticket.last_called_at = uow.now
    _record_ticket(uow, "ticket.recalled", ticket, counter=counter_ref(counter))
    return _result(uow, counter, ticket)


def start(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    ticket.state = transition(TicketState(ticket.state), Action.START)
    ticket.started_at = uow.now
    _record_ticket(uow, "ticket.started", ticket)
    return _result(uow, counter, ticket)


def complete(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.CompleteRequest
) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    ticket.outcome = body.outcome
    _finish(uow, counter, ticket, Action.COMPLETE)
    record_counter(uow, counter)
    return _result(uow, counter, ticket)


def no_show(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    _finish(uow, counter, ticket, Action.NO_SHOW)
    record_counter(uow, counter)
    return _result(uow, counter, ticket)


def transfer(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.TransferRequest
) -> p.CounterActionResult:
    """Send the ticket in hand to another service's queue or to one counter."""
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    target_counter = None
    if body.service_id is not None:
        service = uow.session.get(Service, body.service_id)
        if service is None or service.deleted or service.branch_id != counter.branch_id:
            raise NotFound(f"service {body.service_id} does not exist in this branch")
        ticket.service_id = service.id
    else:
        target_counter = uow.session.get(Counter, body.counter_id)
        if (
            target_counter is None
            or target_counter.deleted
            or target_counter.branch_id != counter.branch_id
        ):
            raise NotFound(f"counter {body.counter_id} does not exist in this branch")
    ticket.state = transition(TicketState(ticket.state), Action.TRANSFER)
    place(uow, ticket, body.position)
    ticket.target_counter_id = target_counter.id if target_counter else None
    ticket.counter_id = ticket.clerk_id = None
    ticket.called_at = ticket.last_called_at = ticket.started_at = None
    ticket.calls = 0
    counter.ticket_id = None
    _record_ticket(
        uow,
        "ticket.transferred",
        ticket,
        at=counter,
        from_counter=counter_ref(counter),
        to_counter=counter_ref(target_counter) if target_counter else None,
    )
    record_counter(uow, counter)
    return _result(uow, counter, ticket)


def park(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    """Set the ticket in hand aside (customer fetching a document); resume calls it back."""
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    ticket.state = transition(TicketState(ticket.state), Action.PARK)
    counter.ticket_id = None
    _record_ticket(uow, "ticket.parked", ticket)
    record_counter(uow, counter)
    return _result(uow, counter, ticket)
