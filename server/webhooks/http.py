"""The deliveries' HTTP client: h11 (the HTTP/1.1 state machine httpx itself is built on) over
asyncio streams, with what a delivery needs on top of it.

httpx spent 2–3 ms of CPU per delivery here (its connection pool scans every pooled connection
per request, through anyio's stream attributes), ten times what the HTTP costs: on a loaded
machine the dispatcher fell behind (docs/decisions.md, "Webhooks"). h11 does all of HTTP —
writing the request, parsing the answer (1xx, Content-Length, chunked with trailers, HTTP/1.0
read to the close, keep-alive or not) — and raises on anything that is not HTTP; this module
keeps only the connections and the rules of a delivery:

- A total deadline (`timeout`, 10 s by default) over the whole exchange — looking the name up,
  connecting, sending, and every byte of the answer (a receiver dripping its answer included).
- Redirects are never followed: a 3xx is the receiver's answer (not 2xx: retried later).
- The answer is read up to `MAX_ANSWER` bytes (a robot's answer is tiny); the rest is never
  read, and that connection is dropped rather than kept.
- Targets: when the administrator restricts them (`HALLQ_WEBHOOK_ALLOW`), every attempt checks
  the target again at connect time, whatever was checked when the webhook was saved (the
  setting or the name's addresses may have changed since). A host listed by name is trusted
  as such. An address must lie in a listed network. A name that is not listed is resolved
  here, and only its addresses inside a listed network are used: the connection goes to that
  checked address (the name stays in `Host` and in TLS's SNI and certificate check), so a
  second lookup cannot hand it to another address (DNS rebinding).
- Connections are kept alive per receiver (at most `KEEP_IDLE`, each for `IDLE_S`); one kept
  connection the receiver had closed meanwhile is replaced once by a new one. https verifies
  certificates against the system's trust store (where a hall installs its own CA).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from server.webhooks.domain import allowed, allowed_address, listed_name

MAX_ANSWER = 64 * 1024  # a robot's answer is tiny; more is never read
KEEP_IDLE = 8  # idle connections kept per receiver
IDLE_S = 20.0  # an idle connection older than this is closed, not reused
READ = 65536


class NotAllowed(Exception):
    """The target is outside the webhook targets the administrator allows (checked at
    connect time)."""


ProtocolError = h11.ProtocolError
"""The receiver's answer is not HTTP/1.x (or our request could not be written as HTTP)."""

FAILURES = (OSError, h11.ProtocolError, NotAllowed, UnicodeError)
"""What a receiver can make `post` raise besides TimeoutError (refused, reset, TLS, unknown
host, not HTTP, not allowed)."""

Key = tuple[str, str, int, str]  # scheme, host as named, port, the address connected to


@dataclass
class Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    http: h11.Connection
    idle_since: float = 0.0


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
        self._idle: dict[Key, list[Conn]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `body`; (status, the answer's first `MAX_ANSWER` bytes). Raises TimeoutError
        past the deadline, NotAllowed for a target the setting excludes, else FAILURES."""
        async with asyncio.timeout(self.timeout):
            parts = urlsplit(url)
            https = parts.scheme == "https"
            host = parts.hostname or ""
            port = parts.port or (443 if https else 80)
            shown = f"[{host}]" if ":" in host else host
            if parts.port:
                shown += f":{parts.port}"
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            fields = [("Host", shown), ("Content-Length", str(len(body))),
                      ("User-Agent", "hallq-webhooks"), *headers.items()]  # fmt: skip
            request = h11.Request(method="POST", target=target, headers=fields)
            addresses = await self._addresses(host, port)
            for attempt in (0, 1):
                key, conn, reused = await self._connection(parts.scheme, host, port, addresses)
                try:
                    status, answer, keep = await _exchange(conn, request, body)
                except (ConnectionError, h11.RemoteProtocolError) as e:
                    conn.writer.close()
                    if reused and attempt == 0 and isinstance(e, _Unanswered):
                        continue  # a kept connection the receiver had closed: once more, anew
                    raise
                except BaseException:
                    conn.writer.close()
                    raise
                if keep:
                    self._give(key, conn)
                else:
                    conn.writer.close()
                return status, answer
            raise ConnectionError("the receiver closed the connection")

    async def _addresses(self, host: str, port: int) -> list[str] | None:
        """None: connect to the name as written; else the only addresses to connect to."""
        allow = self.allow()
        if not allow.strip() or listed_name(host, allow):
            return None
        try:
            ipaddress.ip_address(host)
        except ValueError:
            found = [a for a in await self.resolve(host, port) if allowed_address(a, allow)]
            if not found:
                raise NotAllowed(f"{host} resolves to no allowed webhook target") from None
            return found
        if not allowed(host, allow):
            raise NotAllowed(f"{host} is not among the allowed webhook targets")
        return [host]

    async def _connection(
        self, scheme: str, host: str, port: int, addresses: list[str] | None
    ) -> tuple[Key, Conn, bool]:
        """A kept connection to the receiver, else a new one (to the first checked address
        that answers)."""
        https = scheme == "https"
        last: OSError | None = None
        for address in addresses or [host]:
            key = (scheme, host, port, address)
            kept = self._take(key)
            if kept is not None:
                return key, kept, True
            if https and self._tls is None:
                self._tls = ssl.create_default_context()
            try:
                reader, writer = await asyncio.open_connection(
                    address, port, ssl=self._tls if https else None,
                    server_hostname=host if https else None, limit=READ,
                )  # fmt: skip
            except OSError as e:
                last = e  # the next checked address
                continue
            return key, Conn(reader, writer, h11.Connection(h11.CLIENT)), False
        assert last is not None  # at least one address was tried
        raise last

    def _take(self, key: Key) -> Conn | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if now - conn.idle_since < IDLE_S and not conn.reader.at_eof():
                return conn
            conn.writer.close()
        return None

    def _give(self, key: Key, conn: Conn) -> None:
        conn.http.start_next_cycle()
        conn.idle_since = time.monotonic()
        idle = self._idle.setdefault(key, [])
        if len(idle) < KEEP_IDLE:
            idle.append(conn)
        else:
            conn.writer.close()

    async def close(self) -> None:
        for idle in self._idle.values():
            for conn in idle:
                conn.writer.close()
                with contextlib.suppress(Exception):
                    await conn.writer.wait_closed()
        self._idle.clear()


class _Unanswered(ConnectionError):
    """The receiver closed the connection before a byte of its answer."""


async def _exchange(conn: Conn, request: h11.Request, body: bytes) -> tuple[int, bytes, bool]:
    """(status, the answer's first MAX_ANSWER bytes, whether the connection may be kept)."""
    http = conn.http
    conn.writer.write(http.send(request) + http.send(h11.Data(data=body))
                      + http.send(h11.EndOfMessage()))  # fmt: skip
    await conn.writer.drain()
    status: int | None = None
    answer = bytearray()
    heard = False
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            if len(answer) >= MAX_ANSWER:
                return status or 0, bytes(answer[:MAX_ANSWER]), False  # the rest stays unread
            try:
                data = await conn.reader.read(READ)
            except ConnectionError:
                if not heard:
                    raise _Unanswered("the receiver closed the connection") from None
                raise
            if not data and not heard:
                raise _Unanswered("the receiver closed the connection")
            heard = True
            http.receive_data(data)  # b"": the receiver closed its side
        elif isinstance(event, h11.Response):
            status = event.status_code  # (1xx interim answers are h11.InformationalResponse)
        elif isinstance(event, h11.Data):
            if len(answer) < MAX_ANSWER:
                answer += event.data
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            break
    if status is None:
        raise h11.RemoteProtocolError("the receiver closed the connection without an answer")
    keep = http.our_state is h11.DONE and http.their_state is h11.DONE
    return status, bytes(answer[:MAX_ANSWER]), keep
