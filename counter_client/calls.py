"""What a request is, independent of how it is sent: the typed methods are written once as
builders of `Call`s, and the `endpoint` descriptor binds each to the sync or the async sender."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, overload

from pydantic import BaseModel

if TYPE_CHECKING:
    from counter_client.client import AsyncClient, Client

T = TypeVar("T")
P = ParamSpec("P")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[T]):
    """One HTTP request and how to read its answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    params: dict[str, Any] | None = None
    idempotency_key: str | None = None
    public: bool = False  # sent without the token (the public id is the capability)
    token: Literal["keep", "forget"] | None = None  # login keeps the answer's, logout forgets


def model(cls: type[M]) -> Callable[[Any], M]:
    return cls.model_validate


def models(cls: type[M]) -> Callable[[Any], list[M]]:
    return lambda data: [cls.model_validate(item) for item in data]


def nothing(_: Any) -> None:
    return None


def raw(data: Any) -> Any:
    return data


def body(value: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """A request body from a protocol model (only the fields that were set) or a plain dict."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return dict(value)


def params(**values: Any) -> dict[str, Any]:
    """Query parameters without the ones left at None (dates become ISO strings)."""
    return {
        k: v if isinstance(v, int | str) else str(v) for k, v in values.items() if v is not None
    }


class endpoint(Generic[P, T]):
    """Turns `def name(self, ...) -> Call[T]` into a method that returns `T` on a `Client` and
    an awaitable of `T` on an `AsyncClient`."""

    def __init__(self, build: Callable[Concatenate[Any, P], Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> endpoint[P, T]: ...
    @overload
    def __get__(self, obj: Client, owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, obj: AsyncClient, owner: type[Any]
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...
    def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        build = self.build

        @functools.wraps(build)
        def bound(*args: Any, **kwargs: Any) -> Any:
            return obj._run(build(obj, *args, **kwargs))

        return bound
