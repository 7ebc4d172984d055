"""Issuing and looking up tickets; the public (no login) ticket view."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from server import protocol as p
from server.auth.deps import BranchQuery, CtxDep, IdPath, Limit, Offset, StateDep, respond
from server.auth.router import CONFLICTS, ERR
from server.core.errors import NotFound
from server.tickets import repository as tickets_repo
from server.tickets import service as tickets
from server.tickets.views import public_ticket

router = APIRouter(prefix="/api/v1", tags=["tickets"])
STAFF = ("admin", "manager", "clerk")


@router.post("/tickets", status_code=201, response_model=p.Ticket, responses=CONFLICTS)
async def issue(body: p.TicketCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(
        ctx, lambda uow: tickets.issue(ctx, uow, body), request=request, body=body, status=201
    )


@router.get("/tickets", response_model=list[p.Ticket], responses=ERR)
def list_tickets(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    state: p.TicketStateName | None = None,
    service_id: BranchQuery = None,
    business_date: date | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.Ticket]:
    ctx.principal.require(STAFF, "listing tickets")
    return list(
        tickets.listing(
            ctx, branch_id=branch_id, state=state, service_id=service_id,
            business_date=business_date, limit=limit, offset=offset,
        )
    )  # fmt: skip


@router.get("/tickets/{ticket_id}", response_model=p.Ticket, responses=ERR)
def get_ticket(ticket_id: IdPath, ctx: CtxDep) -> p.Ticket:
    ctx.principal.require(STAFF, "reading tickets")
    return tickets.get(ctx, ticket_id)


@router.get("/counters/{counter_id}/rating-ticket", response_model=p.Ticket, responses=ERR)
def rating_ticket(counter_id: IdPath, ctx: CtxDep) -> p.Ticket:
    """The rating screen's ticket: the one just completed at this counter, with its public_id
    (display devices, managers, admins); 404 when there is none to rate now."""
    return tickets.rating_ticket(ctx, counter_id)


@router.post("/tickets/{ticket_id}/cancel", response_model=p.Ticket, responses=CONFLICTS)
async def cancel(ticket_id: IdPath, request: Request, ctx: CtxDep) -> JSONResponse:
    ctx.principal.require(STAFF, "cancelling tickets")
    return await respond(
        ctx, lambda uow: tickets.cancel(ctx, uow, ticket_id), request=request, body=None
    )


@router.post("/tickets/{ticket_id}/requeue", response_model=p.Ticket, responses=CONFLICTS)
async def requeue(
    ticket_id: IdPath, request: Request, ctx: CtxDep, body: p.RequeueRequest | None = None
) -> JSONResponse:
    ctx.principal.require(STAFF, "requeueing tickets")
    body = body or p.RequeueRequest()
    return await respond(
        ctx, lambda uow: tickets.requeue(ctx, uow, ticket_id, body), request=request, body=body
    )


PublicId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/public/tickets/{public_id}", response_model=p.PublicTicket, responses=ERR)
def public(public_id: PublicId, app: StateDep) -> p.PublicTicket:
    with app.db.read() as session:
        ticket = tickets_repo.ticket_by_public_id(session, public_id)
        if ticket is None:
            raise NotFound("no such ticket")
        return public_ticket(session, ticket, app.clock())


@router.post("/public/tickets/{public_id}/rating", response_model=p.PublicTicket,
             responses=CONFLICTS)  # fmt: skip
async def rate(
    public_id: PublicId, body: p.RatingRequest, request: Request, ctx: CtxDep
) -> JSONResponse:
    """The customer's 1–5 score, once, after the ticket is done (no login: the public id is the
    capability)."""
    return await respond(
        ctx, lambda uow: tickets.rate(uow, public_id, body), request=request, body=body
    )


@router.post("/public/tickets/{public_id}/cancel", response_model=p.PublicTicket,
             responses=CONFLICTS)  # fmt: skip
async def public_cancel(public_id: PublicId, request: Request, ctx: CtxDep) -> JSONResponse:
    """The customer gives up a waiting ticket from the mobile page."""
    return await respond(
        ctx, lambda uow: tickets.public_cancel(uow, public_id), request=request, body=None
    )
