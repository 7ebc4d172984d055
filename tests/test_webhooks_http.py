"""The deliveries' HTTP client (h11 over asyncio streams) against receivers that answer in the
ways HTTP allows: chunked, closing, HTTP/1.0, interim 100, a kept connection the receiver
dropped, garbage; and what it adds to the HTTP: a deadline over the whole exchange (a receiver
dripping its answer included), no redirects, a bounded answer, and the allowed targets checked
at connect time — names resolved, and the request sent to the checked address."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from server.webhooks.http import MAX_ANSWER, Client, NotAllowed, ProtocolError

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


def run(
    answer: Answer, posts: int = 2, client: Client | None = None, host: str = "127.0.0.1"
) -> tuple[list[tuple[int, bytes]], list[bytes]]:
    async def main() -> tuple[list[tuple[int, bytes]], list[bytes]]:
        nonlocal client
        server, url, seen = await serve(answer)
        url = url.replace("127.0.0.1", host)
        client = client or Client()
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


async def ok_answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    return True


def test_a_dripping_answer_meets_the_deadline_of_the_whole_exchange() -> None:
    """Each byte comes well within a read timeout; the whole answer would take 10 s."""

    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
        for _ in range(50):
            w.write(b"x")
            await w.drain()
            await asyncio.sleep(0.2)
        return False

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        run(answer, posts=1, client=Client(timeout=1.0))
    assert time.monotonic() - started < 5


def test_redirects_are_not_followed() -> None:
    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:9/elsewhere\r\n"
                b"Content-Length: 0\r\n\r\n")  # fmt: skip
        return True

    got, seen = run(answer, posts=1)
    assert got == [(307, b"")] and len(seen) == 1


def test_a_long_answer_is_read_only_so_far() -> None:
    big = 5 * 1024 * 1024

    async def answer(r: asyncio.StreamReader, w: asyncio.StreamWriter, body: bytes) -> bool:
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % big)
        try:
            for _ in range(big // 65536):
                w.write(b"y" * 65536)
                await w.drain()
        except ConnectionError:
            pass  # the client stopped reading and closed: what it should do
        return False

    got, seen = run(answer, posts=2)
    assert [(status, len(body)) for status, body in got] == [(200, MAX_ANSWER)] * 2
    assert len(seen) == 2  # the second on a new connection: the first was not kept


def test_the_allowed_targets_are_checked_at_connect_time() -> None:
    """An address outside the allowed networks is refused before any connection; a name not
    listed by name is resolved and goes to its allowed address only, with its Host header."""
    with pytest.raises(NotAllowed):
        run(ok_answer, posts=1, client=Client(allow=lambda: "10.0.0.0/8"))
    got, seen = run(ok_answer, posts=1, client=Client(allow=lambda: "127.0.0.0/8"),
                    host="localhost")  # fmt: skip
    assert got == [(200, b"ok")] and b"\r\nHost: localhost:" in seen[0]
    # listed by name: trusted as such, not resolved here
    named = Client(allow=lambda: "localhost")
    named.resolve = never_resolve
    got, _ = run(ok_answer, posts=1, client=named, host="localhost")
    assert got == [(200, b"ok")]


async def never_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} resolved")


def test_a_rebinding_name_reaches_only_the_address_that_was_checked() -> None:
    """The resolver answers an address outside the list first (a rebinding attacker's): the
    request goes to the allowed one, and a name with only outside addresses is refused."""
    answers = {"hook.test": ["10.9.9.9", "127.0.0.1"], "evil.test": ["169.254.169.254"]}
    asked: list[str] = []

    async def fake(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[host]

    client = Client(allow=lambda: "127.0.0.1/32")
    client.resolve = fake
    got, seen = run(ok_answer, posts=1, client=client, host="hook.test")
    assert got == [(200, b"ok")] and b"\r\nHost: hook.test:" in seen[0] and asked == ["hook.test"]
    client = Client(allow=lambda: "127.0.0.1/32")
    client.resolve = fake
    with pytest.raises(NotAllowed):
        run(ok_answer, posts=1, client=client, host="evil.test")


def test_the_setting_is_read_at_every_attempt() -> None:
    setting = [""]
    client = Client(allow=lambda: setting[0])

    async def main() -> None:
        server, url, seen = await serve(ok_answer)
        try:
            assert await client.post(url, b"{}", {}) == (200, b"ok")
            setting[0] = "192.168.0.0/16"
            with pytest.raises(NotAllowed):
                await client.post(url, b"{}", {})
            assert len(seen) == 1
        finally:
            await client.close()
            server.close()

    asyncio.run(main())
