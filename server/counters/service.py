"""Counter actions: open, pause, close, and calling and serving the ticket in hand.

Each use case loads the Counter (and Ticket) aggregates through the unit of work's repositories,
calls one aggregate method each, and saves them in the order their events should be told.
"""

from __future__ import annotations

from collections.abc import Callable

import server.tickets.serializers  # noqa: F401  (registers the ticket events' serializer)
from server import protocol as p
from server.core import repository as core_repo
from server.core.context import Ctx
from server.core.errors import Conflict, InvalidTransition, NotFound
from server.core.unit_of_work import UnitOfWork
from server.counters.domain import Counter
from server.counters.store import Counters
from server.halls.models import Service
from server.halls.settings import branch_settings
from server.halls.views import schedule
from server.tickets.domain import Ticket
from server.tickets.selection import Candidate, choose_next
from server.tickets.states import Action, transition
from server.tickets.store import Tickets
from server.tickets.views import shown_to

COUNTER_STAFF = ("admin", "manager", "clerk")


def _counter(ctx: Ctx, uow: UnitOfWork, counter_id: int, *, staffing: bool = False) -> Counter:
    """The counter, its branch locked; a clerk may act only at a desk nobody else staffs."""
    ctx.principal.require(COUNTER_STAFF, "counter actions")
    counters = uow.repo(Counters)
    branch_id = counters.branch_of(counter_id)
    if branch_id is None:
        raise NotFound(f"counter {counter_id} does not exist")
    ctx.principal.require_branch(branch_id)
    counter = counters.locked(counter_id, branch_id)
    if counter is None:  # deleted meanwhile
        raise NotFound(f"counter {counter_id} does not exist")
    if not staffing and ctx.principal.kind == "clerk":
        counter.check_operator(ctx.principal.user_id)
    return counter


def _result(
    ctx: Ctx, uow: UnitOfWork, counter: Counter, ticket: Ticket | None
) -> p.CounterActionResult:
    """The answer; its ticket carries the customer's key for managers and admins only (a
    clerk must not be able to rate the ticket they served)."""
    tickets = uow.repo(Tickets)
    return p.CounterActionResult(
        counter=uow.repo(Counters).wire(counter),
        ticket=shown_to(ctx.principal, tickets.wire(ticket), tickets.row(ticket.id))
        if ticket
        else None,
    )


def _in_hand(uow: UnitOfWork, counter: Counter) -> Ticket:
    ticket = uow.repo(Tickets).get(counter.ticket_id) if counter.ticket_id else None
    if ticket is None or not ticket.in_hand:
        raise InvalidTransition(f"counter {counter.number} has no ticket in hand")
    return ticket


def _clear_hand(uow: UnitOfWork, counter: Counter, complete_current: bool) -> None:
    """Before a call: the ticket still in hand is completed if the clerk said so."""
    if counter.ticket_id is None:
        return
    tickets = uow.repo(Tickets)
    ticket = tickets.get(counter.ticket_id)
    if ticket is None or not ticket.in_hand:
        counter.release()  # it left the desk some other way
        return
    if not complete_current:
        raise Conflict(
            f"counter {counter.number} still has {ticket.number} in hand: complete, transfer "
            "or park it first, or send complete_current"
        )
    ticket.complete(uow.now)
    counter.release()
    tickets.save(ticket)


def _call(uow: UnitOfWork, counter: Counter, ticket: Ticket, *, from_queue: bool) -> None:
    ticket.call(counter_id=counter.id, clerk_id=counter.clerk_id, now=uow.now)
    counter.take(ticket.id, priority=ticket.priority if from_queue else None)
    uow.repo(Tickets).save(ticket)
    uow.repo(Counters).save(counter)


def _desk(
    ctx: Ctx,
    uow: UnitOfWork,
    counter_id: int,
    change: Callable[[Counter], None],
    *,
    staffing: bool = False,
) -> p.CounterActionResult:
    """A change of the desk itself (open, pause, close)."""
    counter = _counter(ctx, uow, counter_id, staffing=staffing)
    change(counter)
    uow.repo(Counters).save(counter)
    return _result(ctx, uow, counter, None)  # fmt: skip


def open_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    opener = ctx.principal.user_id
    return _desk(ctx, uow, counter_id, lambda c: c.open(opener), staffing=True)


def pause_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int, reason: str) -> p.CounterActionResult:
    return _desk(ctx, uow, counter_id, lambda c: c.pause(reason))


def close_counter(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    return _desk(ctx, uow, counter_id, Counter.close)


def call_next(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.CallNextRequest
) -> p.CounterActionResult:
    """Call the next ticket for this counter by effective time and interleave."""
    counter = _counter(ctx, uow, counter_id)
    counter.require_open()
    _clear_hand(uow, counter, body.complete_current)
    branch = uow.lock_branch(counter.branch_id)
    day = schedule(branch).business_date(uow.now)
    heads = uow.repo(Tickets).queue_heads(
        branch_id=branch.id, business_date=day, counter_id=counter.id,
        service_ids=uow.repo(Counters).services(counter),
    )  # fmt: skip
    normal, priority = (Candidate(t.id, t.priority, t.effective_at) if t else None for t in heads)
    chosen = choose_next(
        first_normal=normal,
        first_priority=priority,
        interleave=counter.interleave(branch_settings(branch).priority_interleave),
        normals_since_priority=counter.normals_since_priority,
    )
    if chosen is None:
        uow.repo(Counters).save(counter)  # a hand cleared above
        return _result(ctx, uow, counter, None)
    ticket = next(t for t in heads if t is not None and t.id == chosen.ticket_id)
    _call(uow, counter, ticket, from_queue=True)
    return _result(ctx, uow, counter, ticket)


def _call_one(
    ctx: Ctx,
    uow: UnitOfWork,
    counter_id: int,
    body: p.CallRequest | p.ResumeRequest,
    action: Action,
) -> p.CounterActionResult:
    counter = _counter(ctx, uow, counter_id)
    counter.require_open()
    ticket = uow.repo(Tickets).get_in(body.ticket_id, counter.branch_id)
    transition(ticket.state, action)  # refuse before touching the hand
    _clear_hand(uow, counter, body.complete_current)
    _call(uow, counter, ticket, from_queue=action is Action.CALL)
    return _result(ctx, uow, counter, ticket)


def call_specific(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.CallRequest
) -> p.CounterActionResult:
    """Call one waiting ticket out of order."""
    return _call_one(ctx, uow, counter_id, body, Action.CALL)


def resume(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.ResumeRequest
) -> p.CounterActionResult:
    """Call a parked ticket back to this counter."""
    return _call_one(ctx, uow, counter_id, body, Action.RESUME)


def _hand(
    ctx: Ctx,
    uow: UnitOfWork,
    counter_id: int,
    change: Callable[[Ticket], None],
    *,
    leaves: bool,
) -> p.CounterActionResult:
    """A change of the ticket in hand; with `leaves`, it then leaves the desk (saved first,
    so its event comes before the desk's)."""
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    change(ticket)
    if leaves:
        return _let_go(ctx, uow, counter, ticket)
    uow.repo(Tickets).save(ticket)
    return _result(ctx, uow, counter, ticket)  # fmt: skip


def _let_go(ctx: Ctx, uow: UnitOfWork, counter: Counter, ticket: Ticket) -> p.CounterActionResult:
    """Save a ticket that just left the counter's hand, then the counter."""
    counter.release()
    uow.repo(Tickets).save(ticket)
    uow.repo(Counters).save(counter)
    return _result(ctx, uow, counter, ticket)


def recall(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    now = uow.now
    return _hand(ctx, uow, counter_id, lambda t: t.recall(now), leaves=False)


def start(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    now = uow.now
    return _hand(ctx, uow, counter_id, lambda t: t.start(now), leaves=False)


def complete(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.CompleteRequest
) -> p.CounterActionResult:
    now = uow.now
    return _hand(ctx, uow, counter_id, lambda t: t.complete(now, body.outcome), leaves=True)


def no_show(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    now = uow.now
    return _hand(ctx, uow, counter_id, lambda t: t.no_show(now), leaves=True)


def park(ctx: Ctx, uow: UnitOfWork, counter_id: int) -> p.CounterActionResult:
    """Set the ticket in hand aside (customer fetching a document); resume calls it back."""
    return _hand(ctx, uow, counter_id, Ticket.park, leaves=True)


def transfer(
    ctx: Ctx, uow: UnitOfWork, counter_id: int, body: p.TransferRequest
) -> p.CounterActionResult:
    """Send the ticket in hand to another service's queue or to one counter."""
    counter = _counter(ctx, uow, counter_id)
    ticket = _in_hand(uow, counter)
    service_id, target_id = ticket.service_id, None
    if body.service_id is not None:
        service = core_repo.row(uow.session, Service, body.service_id)
        if service is None or service.deleted or service.branch_id != counter.branch_id:
            raise NotFound(f"service {body.service_id} does not exist in this branch")
        service_id = service.id
    elif body.counter_id is not None:  # the request names one of the two
        target = uow.repo(Counters).get(body.counter_id)
        if target is None or target.branch_id != counter.branch_id:
            raise NotFound(f"counter {body.counter_id} does not exist in this branch")
        target_id = target.id
    effective_at = uow.repo(Tickets).placement(ticket, body.position, service_id)
    ticket.transfer(
        now=uow.now, effective_at=effective_at, service_id=service_id, counter_id=target_id
    )
    return _let_go(ctx, uow, counter, ticket)
