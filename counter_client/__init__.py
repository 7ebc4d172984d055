"""Python SDK for the hallq API v1: `Client`, `AsyncClient`, `EventStream`, `ApiError`.

from counter_client import Client
with Client("http://127.0.0.1:8000") as hallq:
    hallq.login("clerk1", "…")
    result = hallq.call_next(counter_id=3)
"""

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from counter_client.client import AsyncClient, Client
    from counter_client.events import EventStream

_LAZY = {
    "AsyncClient": "counter_client.client",
    "Client": "counter_client.client",
    "EventStream": "counter_client.events",
}


def __getattr__(name: str) -> Any:
    """The clients are imported on first use: `hallq serve` imports this package for its command
    line, and httpx would add ~0.15 s to the server's start."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'counter_client' has no attribute {name!r}")


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
