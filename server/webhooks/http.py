"""A small HTTP/1.1 client for deliveries: POST a body, read the status and the answer.

httpx spent ~2 ms of CPU per request here, on the event loop that also serves the hall: at
100 deliveries a second a fifth of a core, taken from ticket issuing. This client writes one
request and parses only what a delivery needs (status line, Content-Length or chunked, the
Connection header) over asyncio streams, with kept-alive connections per receiver; https
verifies certificates as httpx does. The caller bounds each exchange with its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from urllib.parse import urlsplit

MAX_ANSWER = 64 * 1024  # a robot's answer is tiny; more is read and dropped, never kept
KEEP_IDLE = 8  # idle connections kept per receiver
IDLE_S = 20.0  # an idle connection older than this is closed, not reused

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter, float]


class ProtocolError(Exception):
    """The receiver's answer is not HTTP/1.x."""


FAILURES = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ProtocolError,
            UnicodeError)  # fmt: skip
"""What a receiver can make `post` raise (OSError: refused, reset, TLS, unknown host)."""


class Client:
    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], list[Conn]] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        parts = urlsplit(url)
        https = parts.scheme == "https"
        host = parts.hostname or ""
        port = parts.port or (443 if https else 80)
        key = (parts.scheme, host, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        shown = f"[{host}]" if ":" in host else host
        if parts.port:
            shown += f":{parts.port}"
        lines = [f"POST {target} HTTP/1.1", f"Host: {shown}", f"Content-Length: {len(body)}",
                 "User-Agent: hallq-webhooks"]  # fmt: skip
        lines += [f"{k}: {v}" for k, v in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (0, 1):
            conn = self._take(key)
            reused = conn is not None
            if conn is None:
                conn = await self._open(host, port, https)
            reader, writer, _ = conn
            try:
                writer.write(request)
                await writer.drain()
                status, answer, keep = await _answer(reader)
            except (ConnectionError, asyncio.IncompleteReadError) as e:
                writer.close()
                nothing = not isinstance(e, asyncio.IncompleteReadError) or not e.partial
                if reused and attempt == 0 and nothing:
                    continue  # a kept connection the receiver had closed: once more, anew
                raise
            except BaseException:
                writer.close()
                raise
            if keep:
                self._give(key, (reader, writer, time.monotonic()))
            else:
                writer.close()
            return status, answer
        raise ConnectionError("the receiver closed the connection")

    async def _open(self, host: str, port: int, https: bool) -> Conn:
        if https and self._tls is None:
            self._tls = ssl.create_default_context()
        reader, writer = await asyncio.open_connection(
            host, port, ssl=self._tls if https else None, server_hostname=host if https else None
        )
        return reader, writer, time.monotonic()

    def _take(self, key: tuple[str, str, int]) -> Conn | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if now - conn[2] < IDLE_S and not conn[0].at_eof():
                return conn
            conn[1].close()
        return None

    def _give(self, key: tuple[str, str, int], conn: Conn) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) < KEEP_IDLE:
            idle.append(conn)
        else:
            conn[1].close()

    async def close(self) -> None:
        for idle in self._idle.values():
            for _, writer, _ in idle:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
        self._idle.clear()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the connection may be used again)."""
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        first, *fields = head[:-4].split(b"\r\n")
        version, _, rest = first.partition(b" ")
        if not version.startswith(b"HTTP/1.") or len(rest) < 3 or not rest[:3].isdigit():
            raise ProtocolError("not an HTTP/1.x answer")
        status = int(rest[:3])
        if status >= 200 or status == 101:
            break  # 1xx interim answers are skipped
    found: dict[bytes, bytes] = {}
    for line in fields:
        name, _, value = line.partition(b":")
        found[name.strip().lower()] = value.strip().lower() if name.strip().lower() in (
            b"connection", b"transfer-encoding") else value.strip()  # fmt: skip
    keep = version == b"HTTP/1.1" and found.get(b"connection") != b"close"
    if b"chunked" in found.get(b"transfer-encoding", b""):
        return status, await _chunked(reader), keep
    if b"content-length" in found:
        try:
            length = int(found[b"content-length"])
        except ValueError:
            raise ProtocolError("a Content-Length that is not a number") from None
        if length > MAX_ANSWER:
            body = await reader.readexactly(MAX_ANSWER)
            return status, body, False  # the rest is left unread: the connection is dropped
        return status, await reader.readexactly(length), keep
    return status, await reader.read(MAX_ANSWER), False  # until the receiver closes


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ProtocolError("a bad chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return body[:MAX_ANSWER]
        chunk = await reader.readexactly(size + 2)
        if len(body) < MAX_ANSWER:
            body += chunk[:-2]
