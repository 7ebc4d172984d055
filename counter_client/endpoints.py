"""Every typed method of API v1, written once for `Client` and `AsyncClient`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeVar

from counter_client.calls import Call, endpoint, model, models, nothing, params, raw
from counter_client.config_endpoints import ConfigEndpoints
from server import protocol as p

V1 = "/api/v1"
Key = str | None
Acted = p.CounterActionResult
T = TypeVar("T")


def _post(path: str, parse: Callable[[Any], T], json: Any = None, key: Key = None,
          public: bool = False) -> Call[T]:  # fmt: skip
    return Call("POST", V1 + path, parse, json=json, idempotency_key=key, public=public)


def _act(counter_id: int, action: str, json: Any = None, key: Key = None) -> Call[Acted]:
    return _post(f"/counters/{counter_id}/{action}", model(Acted), json, key)


class _PlainAction(Protocol):
    def __call__(_, self: Any, counter_id: int, idempotency_key: Key = None) -> Call[Acted]: ...


def _plain(action: str, doc: str) -> _PlainAction:
    """A counter action without a body: open, close, recall, start, no-show, park."""

    def build(self: Any, counter_id: int, idempotency_key: Key = None) -> Call[Acted]:
        return _act(counter_id, action, key=idempotency_key)

    build.__doc__ = doc
    return build


class _TicketAction(Protocol):
    def __call__(_, self: Any, counter_id: int, ticket_id: int, complete_current: bool = False,
                 idempotency_key: Key = None) -> Call[Acted]: ...  # fmt: skip


def _with_ticket(action: str, doc: str) -> _TicketAction:
    """A counter action on a given ticket: call (a waiting one), resume (a parked one)."""

    def build(self: Any, counter_id: int, ticket_id: int, complete_current: bool = False,
              idempotency_key: Key = None) -> Call[Acted]:  # fmt: skip
        body = {"ticket_id": ticket_id, "complete_current": complete_current}
        return _act(counter_id, action, body, idempotency_key)

    build.__doc__ = doc
    return build


class Endpoints(ConfigEndpoints):
    """The API as methods. Mutating calls take `idempotency_key`: sending the same key again
    (after a timeout, say) returns the first answer and does nothing twice."""

    # ---- generic, auth, health -----------------------------------------------------------

    @endpoint
    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: Key = None,
    ) -> Call[Any]:
        """Any call, answering the decoded JSON (None for an empty answer)."""
        return Call(
            method.upper(), path, raw, json=json, params=params, idempotency_key=idempotency_key
        )

    @endpoint
    def login(self, username: str, password: str) -> Call[p.LoginResponse]:
        """Log in; the client keeps the token for the calls that follow."""
        return Call(
            "POST",
            f"{V1}/auth/login",
            model(p.LoginResponse),
            public=True,
            json={"username": username, "password": password},
            token="keep",
        )

    @endpoint
    def logout(self) -> Call[None]:
        return Call("POST", f"{V1}/auth/logout", nothing, token="forget")

    @endpoint
    def me(self) -> Call[p.Me]:
        return Call("GET", f"{V1}/auth/me", model(p.Me))

    @endpoint
    def health(self) -> Call[p.Health]:
        return Call("GET", "/healthz", model(p.Health), public=True)

    # ---- tickets -------------------------------------------------------------------------

    @endpoint
    def queue(self, branch_id: int = 1) -> Call[p.QueueView]:
        return Call("GET", f"{V1}/branches/{branch_id}/queue", model(p.QueueView))

    @endpoint
    def issue_ticket(
        self,
        service_id: int,
        priority: p.Priority = "normal",
        channel: p.Channel | None = None,
        kiosk_id: int | None = None,
        locale: p.Locale | None = None,
        idempotency_key: Key = None,
        note: str | None = None,
        priority_reason: str | None = None,
        override_cutoff: bool = False,
    ) -> Call[p.Ticket]:
        """Staff may add a note and a priority reason (clerks see them) and issue past the
        cut-off (`override_cutoff`, until closing)."""
        new = p.TicketCreate(
            service_id=service_id,
            priority=priority,
            channel=channel,
            kiosk_id=kiosk_id,
            locale=locale,
            note=note,
            priority_reason=priority_reason,
            override_cutoff=override_cutoff,
        )
        json = new.model_dump(mode="json", exclude_none=True)
        if not override_cutoff:
            del json["override_cutoff"]  # as before: only what the caller asked for
        return _post("/tickets", model(p.Ticket), json, idempotency_key)

    @endpoint
    def check_in(
        self, code: str, kiosk_id: int | None = None, idempotency_key: Key = None
    ) -> Call[p.Ticket]:
        """An appointment's code (typed or scanned) → its ticket (kiosk devices and staff)."""
        body = p.CheckIn(code=code, kiosk_id=kiosk_id).model_dump(mode="json", exclude_none=True)
        return _post("/appointments/check-in", model(p.Ticket), body, idempotency_key)

    @endpoint
    def ticket(self, ticket_id: int) -> Call[p.Ticket]:
        return Call("GET", f"{V1}/tickets/{ticket_id}", model(p.Ticket))

    @endpoint
    def tickets(
        self,
        branch_id: int | None = None,
        state: p.TicketStateName | None = None,
        service_id: int | None = None,
        business_date: date | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Call[list[p.Ticket]]:
        query = params(branch_id=branch_id, state=state, service_id=service_id,
                       business_date=business_date, limit=limit, offset=offset)  # fmt: skip
        return Call("GET", f"{V1}/tickets", models(p.Ticket), params=query)

    @endpoint
    def cancel(self, ticket_id: int, idempotency_key: Key = None) -> Call[p.Ticket]:
        return _post(f"/tickets/{ticket_id}/cancel", model(p.Ticket), key=idempotency_key)

    @endpoint
    def requeue(
        self, ticket_id: int, position: p.QueuePosition = "back", idempotency_key: Key = None
    ) -> Call[p.Ticket]:
        """A no-show goes back to waiting."""
        body = {"position": position}
        return _post(f"/tickets/{ticket_id}/requeue", model(p.Ticket), body, idempotency_key)

    @endpoint
    def reprint(
        self, ticket_id: int, kiosk_id: int, idempotency_key: Key = None
    ) -> Call[p.PrintJob]:
        body = {"kiosk_id": kiosk_id}
        return _post(f"/tickets/{ticket_id}/reprint", model(p.PrintJob), body, idempotency_key)

    @endpoint
    def public_branch(self, branch_id: int) -> Call[p.PublicBranch]:
        """A hall's public information: hours, special days, notice, each service's queue."""
        return Call("GET", f"{V1}/public/branches/{branch_id}", model(p.PublicBranch), public=True)

    @endpoint
    def public_ticket(self, public_id: str) -> Call[p.PublicTicket]:
        return Call("GET", f"{V1}/public/tickets/{public_id}", model(p.PublicTicket), public=True)

    @endpoint
    def public_cancel(self, public_id: str) -> Call[p.PublicTicket]:
        return _post(f"/public/tickets/{public_id}/cancel", model(p.PublicTicket), public=True)

    @endpoint
    def rate(
        self, public_id: str, score: int, comment: str | None = None, idempotency_key: Key = None
    ) -> Call[p.PublicTicket]:
        """The customer's 1–5 score of a done ticket (once)."""
        rating = p.RatingRequest(score=score, comment=comment).model_dump(exclude_none=True)
        path = f"/public/tickets/{public_id}/rating"
        return _post(path, model(p.PublicTicket), rating, idempotency_key, public=True)

    # ---- counter actions (each answers {"counter", "ticket"}) --------------------------

    open_counter = endpoint(_plain("open", "Open the counter; the caller becomes its clerk."))
    close_counter = endpoint(_plain("close", "Close the counter."))
    recall = endpoint(_plain("recall", "Announce the ticket in hand again (calls + 1)."))
    start = endpoint(_plain("start", "The customer arrived: start serving."))
    no_show = endpoint(_plain("no-show", "The called customer did not come."))
    park = endpoint(_plain("park", "Set the ticket in hand aside (resume it later)."))

    @endpoint
    def pause_counter(self, counter_id: int, reason: str = "", idempotency_key: Key = None
                      ) -> Call[Acted]:  # fmt: skip
        return _act(counter_id, "pause", {"reason": reason}, idempotency_key)

    @endpoint
    def call_next(self, counter_id: int, complete_current: bool = False,
                  idempotency_key: Key = None) -> Call[Acted]:  # fmt: skip
        """Call the next waiting ticket (`ticket` is None when nobody waits)."""
        body = {"complete_current": complete_current}
        return _act(counter_id, "call-next", body, idempotency_key)

    call = endpoint(_with_ticket("call", "Call a given waiting ticket out of order."))
    resume = endpoint(_with_ticket("resume", "Call a parked ticket back to this counter."))

    @endpoint
    def complete(self, counter_id: int, outcome: str | None = None,
                 idempotency_key: Key = None) -> Call[Acted]:  # fmt: skip
        return _act(counter_id, "complete", {"outcome": outcome}, idempotency_key)

    @endpoint
    def transfer(self, counter_id: int, *, service_id: int | None = None,
                 to_counter_id: int | None = None, position: p.QueuePosition = "original",
                 idempotency_key: Key = None) -> Call[Acted]:  # fmt: skip
        """Send the ticket in hand to another service or counter (exactly one of the two)."""
        target = p.TransferRequest(service_id=service_id, counter_id=to_counter_id,
                                   position=position)  # fmt: skip
        return _act(counter_id, "transfer", target.model_dump(exclude_none=True), idempotency_key)

    # ---- printing ------------------------------------------------------------------------

    @endpoint
    def print_jobs(
        self,
        state: p.PrintJobState | None = None,
        kiosk_id: int | None = None,
        branch_id: int | None = None,
    ) -> Call[list[p.PrintJob]]:
        query = params(state=state, kiosk_id=kiosk_id, branch_id=branch_id)
        return Call("GET", f"{V1}/print-jobs", models(p.PrintJob), params=query)

    @endpoint
    def report_print_result(
        self, job_id: int, ok: bool, error: str | None = None, idempotency_key: Key = None
    ) -> Call[p.PrintJob]:
        result = p.PrintResult(ok=ok, error=error).model_dump(exclude_none=True)
        return _post(f"/print-jobs/{job_id}/result", model(p.PrintJob), result, idempotency_key)

    @endpoint
    def report_printer_status(
        self, kiosk_id: int, online: bool, paper: p.Paper = "ok", detail: str | None = None
    ) -> Call[p.PrinterStatus]:
        report = p.PrinterStatusReport(online=online, paper=paper, detail=detail)
        json = report.model_dump(exclude_none=True)
        return _post(f"/kiosks/{kiosk_id}/printer-status", model(p.PrinterStatus), json)

    @endpoint
    def kiosks(self, branch_id: int | None = None) -> Call[list[p.Kiosk]]:
        return Call("GET", f"{V1}/kiosks", models(p.Kiosk), params=params(branch_id=branch_id))

    # ---- statistics (answers as plain JSON until they have wire models) ------------------

    @endpoint
    def stats_summary(
        self, branch_id: int | None = None, from_: date | None = None, to: date | None = None
    ) -> Call[Any]:
        query = params(branch_id=branch_id, to=to, **{"from": from_})
        return Call("GET", f"{V1}/stats/summary", raw, params=query)

    @endpoint
    def stats_breakdown(
        self,
        group_by: str,
        branch_id: int | None = None,
        from_: date | None = None,
        to: date | None = None,
    ) -> Call[Any]:
        query = params(group_by=group_by, branch_id=branch_id, to=to, **{"from": from_})
        return Call("GET", f"{V1}/stats/breakdown", raw, params=query)
