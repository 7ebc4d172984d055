"""The HTTP edge, in front of every route: a bounded request body, no NUL or lone surrogate in
any text, security headers on every answer (API.md, "Limits and privacy").

A plain ASGI middleware, not a FastAPI dependency: a body must be refused before anything reads
it into memory, and a path or query parameter before any route sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.core import http_errors

# Neither PostgreSQL (NUL) nor either database's driver (an unpaired UTF-16 surrogate, which
# JSON's \uXXXX can carry) can store these: refused as bad input rather than failing in the
# database.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_IN_QUERY = re.compile(rb"%00|\x00")
NUL_REFUSED = "text may not contain NUL (\\u0000) or an unpaired surrogate"

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The pages load their scripts, styles, images, sounds and sockets from the hall's own origin
# only; 'self' covers ws:/wss: to the same host in CSP Level 3 browsers.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's interactive API docs load Swagger UI / ReDoc from their CDN with an inline script;
# they are a developer's page, not a hall page: only framing is forbidden there.
DOCS_POLICY = "frame-ancestors 'none'"
DOCS = ("/docs", "/redoc")


LINGER_S = 2.0
LINGER_BYTES = 32 * 1024 * 1024
"""After a 413 is sent whole, the rest of the body is read and dropped, for at most this long
and this much, before the connection closes. Closed with unread bytes, a connection is reset
by the kernel, and a client still sending may lose the 413 already sent to it (what nginx's
lingering close avoids; nginx bounds it by time only). At 8 MB a 20 MB body was cut short,
and a client on a busy machine that had not yet read its answer lost it (CI, once in 20):
32 MB drops such a body whole. On a LAN (12 MB/s at 100 Mbit/s) the 2 s bind first."""


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class UnstorableText(HTTPException):
    def __init__(self) -> None:
        super().__init__(422, NUL_REFUSED)


def policy_for(path: str) -> str:
    if path.startswith("/api/"):
        return API_POLICY
    if path.startswith(DOCS):
        return DOCS_POLICY
    return PAGE_POLICY


def _headers(policy: str) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", policy.encode()),
    )


HEADERS = {policy: _headers(policy) for policy in (API_POLICY, PAGE_POLICY, DOCS_POLICY)}


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    return list(HEADERS[policy_for(path)])


def has_unstorable(value: Any) -> bool:
    """Whether a decoded JSON value holds a NUL or an unpaired surrogate anywhere."""
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(has_unstorable(k) or has_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_unstorable(v) for v in value)
    return False


def body_has_unstorable(body: bytes) -> bool:
    """Only a \\u escape can carry these into valid JSON (a raw NUL byte is invalid JSON, which
    the route refuses itself): most bodies are never parsed here."""
    if b"\\u" not in body:
        return False
    try:
        return has_unstorable(json.loads(body))
    except ValueError:
        return False  # not JSON: the route answers 422 on its own


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class Edge:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        bad_text = "\x00" in scope["path"] or NUL_IN_QUERY.search(scope["query_string"])
        if scope["type"] == "websocket":
            if bad_text:
                await send({"type": "websocket.close", "code": 1008, "reason": NUL_REFUSED})
                return
            await self.app(scope, receive, send)
            return
        if bad_text:
            await self._refuse(scope, send, 422, "validation_error", NUL_REFUSED)
            return
        length = _content_length(scope["headers"])
        if length is not None and length > self.max_body_bytes:
            detail = BodyTooLarge(self.max_body_bytes).detail
            await self._refuse(scope, _lingering(scope, send, receive), 413, "too_large", detail)
            return
        started = refusing = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started, refusing
            if message["type"] == "http.response.start":
                started = True
                extra = security_headers(scope["path"])
                if message["status"] == 413:  # the client is still sending: stop it
                    extra.append((b"connection", b"close"))
                    refusing = True
                message["headers"] = [*message.get("headers", ()), *extra]
            if refusing:
                await _lingering(scope, send, receive)(message)
                return
            await send(message)

        try:
            await self.app(scope, self._bounded(receive), send_with_headers)
        except BodyTooLarge as exc:  # read outside a route (which would answer it itself)
            if started:
                raise
            refuse = _lingering(scope, send, receive)
            await self._refuse(scope, refuse, 413, "too_large", exc.detail)

    def _bounded(self, receive: Receive) -> Receive:
        """`receive` that counts the bytes as they arrive (a chunked body has no length) and
        checks the whole body's text once it is complete."""
        limit = self.max_body_bytes
        chunks: list[bytes] = []
        size = 0

        async def bounded() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False) and chunks:
                body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                chunks.clear()
                if body_has_unstorable(body):
                    raise UnstorableText()
            return message

        return bounded

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, code: str, detail: str) -> None:
        """Answer without reading the body; the connection is closed so the client stops
        sending the rest."""
        response = http_errors.error(status, code, detail)
        response.headers["connection"] = "close"
        response.raw_headers.extend(security_headers(scope["path"]))

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)


def _lingering(scope: Scope, send: Send, receive: Receive) -> Send:
    """`send` for a 413: the answer's last part is held open until the rest of the body has
    been read and dropped (LINGER_S, LINGER_BYTES), then the answer ends and the connection
    closes. The client has the whole answer (its length is in its headers) meanwhile. A
    client waiting for `100 Continue` has sent no body: nothing to drop (and reading would
    tell it to send)."""
    if any(k == b"expect" and v.lower() == b"100-continue" for k, v in scope["headers"]):
        return send

    async def send_then_linger(message: Message) -> None:
        if message["type"] != "http.response.body" or message.get("more_body", False):
            await send(message)
            return
        await send({**message, "more_body": True})
        await _drain(receive)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return send_then_linger


async def _drain(receive: Receive) -> None:
    dropped = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(LINGER_S):
            while dropped < LINGER_BYTES:
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body", False):
                    return
                dropped += len(message.get("body", b""))
