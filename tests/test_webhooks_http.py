"""The deliveries' HTTP client against receivers that answer in the ways HTTP allows: chunked,
closing, HTTP/1.0, interim 100, a kept connection the receiver dropped, garbage."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from server.webhooks.http import Client, ProtocolError

pytestmark = pytest.mark.integration

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[bool]]


async def serve(answer: Answer) -> tuple[asyncio.AbstractServer, str, list[bytes]]:
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                body = await reader.readexactly(length)
                seen.append(head + body)
                if not await answer(reader, writer, body):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/in?key=k", seen


def run(answer: Answer, posts: int = 2) -> tuple[list[tuple[int, bytes]], list[bytes]]:
    async def main() -> tuple[list[tuple[int, bytes]], list[bytes]]:
        server, url, seen = await serve(answer)
        client = Client()
        try:
            got = [await client.post(url, b'{"n":%d}' % i, {"X-Hallq-Event": "t"})
                   for i in range(posts)]  # fmt: skip
        finally:
            await client.close()
            server.close()
        return got, seen

    return asyncio.run(main())


def test_keep_alive_content_length() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    got, seen = run(answer)
    assert got == [(200, b"ok"), (200, b"ok")]
    assert seen[0].startswith(b"POST /in?key=k HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"X-Hallq-Event: t\r\n" in seen[0] and seen[1].endswith(b'{"n":1}')


def test_chunked_and_interim_answers() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n")
        w.write(b'Transfer-Encoding: chunked\r\n\r\n4\r\n{"er\r\n')
        w.write(b'9;x=1\r\nrcode":0}\r\n0\r\nTrailer: 1\r\n\r\n')
        return True

    got, _ = run(answer)
    assert got == [(201, b'{"errcode":0}')] * 2


def test_closing_and_http_1_0_receivers() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"HTTP/1.0 500 Oops\r\n\r\nwhatever until the end")
        await w.drain()
        return False

    got, seen = run(answer)
    assert got == [(500, b"whatever until the end")] * 2 and len(seen) == 2


def test_a_kept_connection_the_receiver_dropped_is_opened_again() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")  # says keep-alive, then closes
        await w.drain()
        return False

    got, seen = run(answer, posts=3)
    assert got == [(200, b"")] * 3 and len(seen) == 3


def test_garbage_is_a_protocol_error() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"SSH-2.0-OpenSSH\r\n\r\n")
        return False

    with pytest.raises(ProtocolError):
        run(answer, posts=1)
