"""Domain errors, each carrying the machine code of API.md's error body.

The API layer maps every subclass to its HTTP status in one place (server/core/http_errors.py);
nothing below the API raises HTTP exceptions.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client can cause; `code` is API.md's machine code."""

    code = "conflict"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    code = "not_found"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class ServiceClosed(DomainError):
    code = "service_closed"


class QuotaReached(DomainError):
    code = "quota_reached"


class CounterNotOpen(DomainError):
    code = "counter_not_open"


class Conflict(DomainError):
    code = "conflict"


class SlotFull(DomainError):
    code = "slot_full"


class SlotUnavailable(DomainError):
    code = "slot_unavailable"


class TooEarly(DomainError):
    code = "too_early"


class TooLate(DomainError):
    code = "too_late"


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"


class ValidationFailed(DomainError):
    code = "validation_error"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
        """Sent as Retry-After: when the client may try again, seconds."""
