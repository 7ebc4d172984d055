"""API errors as exceptions: one class per machine code of API.md, all of them `ApiError`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A 4xx/5xx answer (`{"error", "detail"}`), or `status` 0 when the server was unreachable."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


class Unreachable(ApiError):
    """No answer at all: connection refused, reset or timed out."""


class Unauthorized(ApiError):
    pass


class Forbidden(ApiError):
    pass


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    """Any 409: the action does not fit the current state (see the subclasses)."""


class InvalidTransition(Conflict):
    pass


class ServiceClosed(Conflict):
    pass


class QuotaReached(Conflict):
    pass


class CounterNotOpen(Conflict):
    pass


class ValidationFailed(ApiError):
    pass


class IdempotencyConflict(ValidationFailed):
    pass


class RateLimited(ApiError):
    pass


BY_CODE: dict[str, type[ApiError]] = {
    "unreachable": Unreachable,
    "unauthorized": Unauthorized,
    "forbidden": Forbidden,
    "not_found": NotFound,
    "conflict": Conflict,
    "invalid_transition": InvalidTransition,
    "service_closed": ServiceClosed,
    "quota_reached": QuotaReached,
    "counter_not_open": CounterNotOpen,
    "validation_error": ValidationFailed,
    "idempotency_conflict": IdempotencyConflict,
    "rate_limited": RateLimited,
}
BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
}


def api_error(status: int, code: str, detail: str) -> ApiError:
    """The most specific exception for a code, else for the status, else a plain `ApiError`."""
    cls = BY_CODE.get(code) or BY_STATUS.get(status, ApiError)
    return cls(status, code, detail)


def error_from_body(status: int, body: Any, text: str = "") -> ApiError:
    """The exception for an error answer, whatever its body (a proxy may answer HTML)."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return api_error(status, body["error"], str(body.get("detail", "")))
    code = "server_error" if status >= 500 else f"http_{status}"
    return api_error(status, code, text[:500] or f"HTTP {status}")
