"""`Client` (sync) and `AsyncClient` (asyncio) over httpx. Both inherit every typed method
from `Endpoints`; they differ only in how a `Call` is sent."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from counter_client.calls import Call
from counter_client.endpoints import Endpoints
from counter_client.errors import Unreachable, error_from_body

T = TypeVar("T")


class _Base(Endpoints):
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _request_args(self, call: Call[Any]) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if self.token and not call.public:
            headers["Authorization"] = f"Bearer {self.token}"
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        return {
            "method": call.method,
            "url": call.path,
            "json": call.json,
            "params": call.params,
            "headers": headers,
        }

    def _finish(self, call: Call[T], response: httpx.Response) -> T:
        try:
            data = response.json() if response.content else None
        except json.JSONDecodeError:
            data = None
        if response.status_code >= 400:
            raise error_from_body(response.status_code, data, response.text)
        result = call.parse(data)
        if call.token == "keep" and isinstance(data, dict):
            self.token = str(data["token"])
        elif call.token == "forget":
            self.token = None
        return result

    def _unreachable(self, call: Call[Any], exc: httpx.TransportError) -> Unreachable:
        what = type(exc).__name__
        return Unreachable(0, "unreachable", f"{call.method} {self.base_url}{call.path}: {what}")

    @staticmethod
    def _content(response: httpx.Response) -> bytes:
        if response.status_code >= 400:
            raise error_from_body(response.status_code, None, response.text)
        return response.content


class Client(_Base):
    """Synchronous client: `Client(url).login(user, password)`, then the typed methods."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        super().__init__(base_url, token, timeout)
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def _run(self, call: Call[T]) -> T:
        try:
            response = self._http.request(**self._request_args(call))
        except httpx.TransportError as exc:
            raise self._unreachable(call, exc) from exc
        return self._finish(call, response)

    def download(self, path: str) -> bytes:
        """A public file (not JSON), e.g. `/static/common/chime.wav`, as bytes."""
        call: Call[None] = Call("GET", path, lambda _: None, public=True)
        try:
            response = self._http.request(**self._request_args(call))
        except httpx.TransportError as exc:
            raise self._unreachable(call, exc) from exc
        return self._content(response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(_Base):
    """Asynchronous client: the same methods as `Client`, each to be awaited."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        super().__init__(base_url, token, timeout)
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def _run(self, call: Call[T]) -> T:
        try:
            response = await self._http.request(**self._request_args(call))
        except httpx.TransportError as exc:
            raise self._unreachable(call, exc) from exc
        return self._finish(call, response)

    async def download(self, path: str) -> bytes:
        """A public file (not JSON), e.g. `/static/common/chime.wav`, as bytes."""
        call: Call[None] = Call("GET", path, lambda _: None, public=True)
        try:
            response = await self._http.request(**self._request_args(call))
        except httpx.TransportError as exc:
            raise self._unreachable(call, exc) from exc
        return self._content(response)

    async def aclose(self) -> None:
        await self._http.aclose()

    close = aclose

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
