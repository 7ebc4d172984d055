"""Python SDK for the hallq API v1: `Client`, `AsyncClient`, `EventStream`, `ApiError`.

from counter_client import Client
with Client("http://127.0.0.1:8000") as hallq:
    hallq.login("clerk1", "…")
    result = hallq.call_next(counter_id=3)
"""

from counter_client.client import AsyncClient, Client
from counter_client.errors import (
    ApiError,
    Conflict,
    CounterNotOpen,
    Forbidden,
    IdempotencyConflict,
    InvalidTransition,
    NotFound,
    QuotaReached,
    RateLimited,
    ServiceClosed,
    Unauthorized,
    Unreachable,
    ValidationFailed,
    api_error,
)
from counter_client.events import EventStream

__all__ = [
    "ApiError",
    "AsyncClient",
    "Client",
    "Conflict",
    "CounterNotOpen",
    "EventStream",
    "Forbidden",
    "IdempotencyConflict",
    "InvalidTransition",
    "NotFound",
    "QuotaReached",
    "RateLimited",
    "ServiceClosed",
    "Unauthorized",
    "Unreachable",
    "ValidationFailed",
    "api_error",
]
