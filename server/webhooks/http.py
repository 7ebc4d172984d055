"""The deliveries' HTTP client: httpx, with what a delivery needs on top of it.

- A total deadline (`timeout`, 10 s by default) over the whole exchange — connecting, sending,
  and every byte of the answer. httpx's timeouts bound each read, so a receiver dripping a byte
  a second would pass them; `asyncio.timeout` around the exchange does not.
- Redirects are never followed: a 3xx is the receiver's answer (not 2xx: retried later).
- The answer is read up to `MAX_ANSWER` bytes (a robot's answer is tiny), without content
  decoding (`Accept-Encoding: identity`); the rest is never read, and that connection is
  dropped rather than kept.
- Targets: when the administrator restricts them (`HALLQ_WEBHOOK_ALLOW`), every attempt checks
  the target again at connect time, whatever was checked when the webhook was saved (the
  setting or the name's addresses may have changed since). A host listed by name is trusted
  as such. An address must lie in a listed network. A name that is not listed is resolved
  here, and only its addresses inside a listed network are used: the request goes to that
  checked address (the name stays in `Host` and in TLS's SNI and certificate check), so a
  second lookup cannot hand the connection to another address (DNS rebinding).
- Connections are kept alive per receiver (httpx's pool); https verifies certificates against
  the system's trust store (where a hall installs its own CA), not certifi's bundle.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable

import httpx

from server.webhooks.domain import allowed, allowed_address, listed_name

MAX_ANSWER = 64 * 1024  # a robot's answer is tiny; more is never read
IDLE_S = 20.0  # an idle connection older than this is closed, not reused
KEEP_IDLE = 64  # idle connections kept, all receivers together


class NotAllowed(Exception):
    """The target is outside the webhook targets the administrator allows (checked at
    connect time)."""


FAILURES = (httpx.HTTPError, OSError, NotAllowed, UnicodeError)
"""What a receiver can make `post` raise besides TimeoutError (refused, reset, TLS, unknown
host, not HTTP)."""


async def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host`, in the resolver's order, each once."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Client:
    def __init__(self, allow: Callable[[], str] = lambda: "", timeout: float = 10.0) -> None:
        """`allow`: the current `HALLQ_WEBHOOK_ALLOW` (read at every attempt); `timeout`: the
        deadline of one whole exchange, in seconds."""
        self.allow = allow
        self.timeout = timeout
        self.resolve: Callable[[str, int], Awaitable[list[str]]] = resolve  # tests swap it
        self._http = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: receivers are reached directly
            verify=ssl.create_default_context(),  # the system's CAs (a hall's own CA), as before
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=None, max_keepalive_connections=KEEP_IDLE, keepalive_expiry=IDLE_S
            ),
            headers={"User-Agent": "hallq-webhooks", "Accept-Encoding": "identity"},
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `body`; (status, the answer's first `MAX_ANSWER` bytes). Raises TimeoutError
        past the deadline, NotAllowed for a target the setting excludes, else FAILURES."""
        async with asyncio.timeout(self.timeout):
            target = httpx.URL(url)
            addresses = await self._addresses(target.host, target.port or _port(target))
            if addresses is None:  # no restriction, or a name the administrator listed
                return await self._exchange(target, body, headers, {})
            last: Exception | None = None
            for address in addresses:  # the checked addresses, in the resolver's order
                pinned = target.copy_with(host=address)
                extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
                named = headers | {"Host": _host_header(target)}
                try:
                    return await self._exchange(pinned, body, named, extensions)
                except httpx.ConnectError as e:
                    last = e  # the next address
            assert last is not None  # `_addresses` gives at least one
            raise last

    async def _addresses(self, host: str, port: int) -> list[str] | None:
        """None: connect as httpx does; else the only addresses the request may go to."""
        allow = self.allow()
        if not allow.strip() or listed_name(host, allow):
            return None
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            if not allowed(host, allow):
                raise NotAllowed(f"{host} is not among the allowed webhook targets")
            return [host]
        found = [a for a in await self.resolve(host, port) if allowed_address(a, allow)]
        if not found:
            raise NotAllowed(f"{host} resolves to no allowed webhook target")
        return found

    async def _exchange(
        self, url: httpx.URL, body: bytes, headers: dict[str, str], extensions: dict[str, str]
    ) -> tuple[int, bytes]:
        request = self._http.build_request("POST", url, content=body, headers=headers,
                                           extensions=extensions)  # fmt: skip
        for attempt in (0, 1):
            try:
                response = await self._http.send(request, stream=True)
            except httpx.RemoteProtocolError as e:
                # A kept connection the receiver had closed meanwhile: once more, anew.
                if attempt == 0 and "without sending" in str(e):
                    continue
                raise
            try:
                answer = bytearray()
                async for chunk in response.aiter_raw():
                    answer += chunk
                    if len(answer) >= MAX_ANSWER:
                        break  # the rest is not read: the connection is closed, not kept
                return response.status_code, bytes(answer[:MAX_ANSWER])
            finally:
                await response.aclose()
        raise httpx.RemoteProtocolError("the receiver closed the connection")

    async def close(self) -> None:
        await self._http.aclose()


def _port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _host_header(url: httpx.URL) -> str:
    host = f"[{url.host}]" if ":" in url.host else url.host
    return host if url.port is None else f"{host}:{url.port}"
