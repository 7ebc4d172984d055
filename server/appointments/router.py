"""Appointments over HTTP (thin: the use cases are in service.py and checkin.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from server import protocol as p
from server.appointments import checkin
from server.appointments import service as appointments
from server.auth.deps import BranchQuery, CtxDep, IdPath, Limit, Offset, respond
from server.auth.router import CONFLICTS, ERR
from server.complaints.throttle import ClientLimit
from server.core.errors import ValidationFailed

router = APIRouter(prefix="/api/v1", tags=["appointments"])
PublicId = Annotated[str, Path(min_length=1, max_length=64)]
LIMITED = CONFLICTS | {429: {"model": p.ErrorBody}}
PER_CLIENT = 10
"""Bookings one client address may make within `WINDOW_S` without a login: a family books a
few, nobody books out a day."""
WINDOW_S = 3600.0


def client_limit(request: Request) -> ClientLimit:
    """One per app (each test builds its own app)."""
    found: ClientLimit | None = getattr(request.app.state, "booking_limit", None)
    if found is None:
        found = request.app.state.booking_limit = ClientLimit(
            PER_CLIENT, WINDOW_S, "too many bookings from this address; please try again later"
        )
    return found


@router.get("/public/branches/{branch_id}/booking", response_model=p.BookingInfo,
            responses=ERR)  # fmt: skip
def booking_info(branch_id: IdPath, ctx: CtxDep) -> p.BookingInfo:
    """What the booking page needs: the hall's name and zone, the days it books, the services
    that can be booked (anyone when the hall books online, else its staff)."""
    return appointments.booking_info(ctx, branch_id)


@router.get("/public/branches/{branch_id}/slots", response_model=list[p.Slot], responses=ERR)
def slots(
    branch_id: IdPath, ctx: CtxDep, service_id: Annotated[int, Query(ge=1, le=2**62)],
    date: date,
) -> list[p.Slot]:  # fmt: skip
    """A service's slots of one date with the places still free (anyone when the hall books
    online, else its staff)."""
    if not p.APPOINTMENT_YEARS[0] <= date.year <= p.APPOINTMENT_YEARS[1]:
        raise ValidationFailed(f"date must lie between years {p.APPOINTMENT_YEARS}")
    return appointments.slots(ctx, branch_id, service_id, date)


@router.post("/public/appointments", status_code=201, response_model=p.Appointment,
             responses=LIMITED)  # fmt: skip
async def book(body: p.AppointmentCreate, request: Request, ctx: CtxDep) -> JSONResponse:
    """Book a place (anyone when the hall books online; its staff always). Limited per client
    address and per phone number (429 `rate_limited`)."""
    if not ctx.principal.is_staff:
        # Counted before anything is looked up: every attempt counts, refused ones too.
        client_limit(request).take(request.client.host if request.client else "")
    return await respond(ctx, lambda uow: appointments.book(ctx, uow, body), request=request,
                         body=body, status=201)  # fmt: skip


@router.get("/public/appointments/{public_id}", response_model=p.Appointment, responses=ERR)
def lookup(public_id: PublicId, ctx: CtxDep) -> p.Appointment:
    """The customer's booking (no login: the public_id is the key; no name, phone masked)."""
    return appointments.lookup(ctx, public_id)


@router.post("/public/appointments/{public_id}/cancel", response_model=p.Appointment,
             responses=CONFLICTS)  # fmt: skip
async def cancel(public_id: PublicId, request: Request, ctx: CtxDep) -> JSONResponse:
    return await respond(ctx, lambda uow: appointments.cancel(uow, public_id), request=request,
                         body=None)  # fmt: skip


@router.get("/appointments", response_model=list[p.StaffAppointment], responses=ERR)
def listed(
    ctx: CtxDep,
    branch_id: BranchQuery = None,
    date: date | None = None,
    state: p.AppointmentState | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> list[p.StaffAppointment]:
    """The hall's bookings with name and phone (staff of the hall)."""
    return list(appointments.listing(ctx, branch_id=branch_id, day=date, state=state,
                                     limit=limit, offset=offset))  # fmt: skip


@router.post("/appointments/check-in", status_code=201, response_model=p.Ticket,
             responses=CONFLICTS)  # fmt: skip
async def check_in(body: p.CheckIn, request: Request, ctx: CtxDep) -> JSONResponse:
    """A booked customer's code → their ticket (kiosk devices and staff)."""
    return await respond(ctx, lambda uow: checkin.check_in(ctx, uow, body), request=request,
                         body=body, status=201)  # fmt: skip
