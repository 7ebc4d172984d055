"""The HTTP edge against a real `hallq serve` (uvicorn): client addresses, secrets in the log,
streamed bodies (API.md, "Limits and privacy")."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
import websockets.sync.client

from server.core.edge import LINGER_BYTES
from server.core.logs import REDACTED, redact
from tests.databases import Kind, Templates
from tests.support import LiveServer, live_env, ok

LOGIN = "/api/v1/auth/login"


@pytest.mark.e2e
def test_x_forwarded_for_from_localhost_is_not_believed(server: LiveServer) -> None:
    """uvicorn believes it from 127.0.0.1 by default: each forged address was a new client."""
    with httpx.Client(base_url=server.url) as guesser:
        body = {"username": "nobody", "password": "wrong"}
        for i in range(5):
            ok(guesser.post(LOGIN, json=body, headers={"X-Forwarded-For": f"10.9.{i}.1"}), 401)
        ok(guesser.post(LOGIN, json=body, headers={"X-Forwarded-For": "10.9.99.1"}), 429)


@pytest.mark.e2e
def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(server: LiveServer) -> None:
    head = (f"POST {LOGIN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()  # fmt: skip
    chunk = b" " * 65536
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(head)
        sent = 0
        try:
            while sent < 64 * 1024 * 1024:  # far more than the limit, unless refused
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:
            pass  # the server answered and closed the connection
        answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"error":"too_large"' in answer
    # refused at the limit (1 MiB); what follows is only dropped, LINGER_BYTES at most
    assert sent < LINGER_BYTES + 8 * 1024 * 1024


def test_the_redaction_rewrites_every_secret_in_a_line() -> None:
    line = ('127.0.0.1:5 - "GET /api/v1/branches/1/events?since=3&token=abc.DEF-1 HTTP/1.1" 101; '
            "/x.wav?langs=en&TOKEN=zz /t/Ab_9-x /api/v1/public/tickets/Q1w2/rating "
            "?access_token=1&password=p&api_key=k")  # fmt: skip
    out = redact(line)
    for secret in ("abc.DEF-1", "zz ", "Ab_9-x", "Q1w2", "token=1", "=p", "=k"):
        assert secret not in out, (secret, out)
    assert "since=3&token=" + REDACTED in out and "langs=en" in out


@pytest.mark.e2e
def test_tokens_never_reach_the_log(tmp_path: Path, templates: Templates) -> None:
    log_file = tmp_path / "server.log"
    live = LiveServer(live_env(templates.sqlite(tmp_path / "hallq.db", Kind.SCHEMA)), log=log_file)
    secret, public_id = "Sekrit-token-value-123", "PublicId_987"
    try:
        live.start()
        admin = live.login()
        token = admin["Authorization"].split()[1]
        httpx.get(f"{live.url}/api/v1/branches/1/announcements/1.wav?token={secret}")
        httpx.get(f"{live.url}/api/v1/branches/1/announcements/1.wav?token={token}&langs=en")
        httpx.get(f"{live.url}/t/{public_id}")
        httpx.get(f"{live.url}/api/v1/public/tickets/{public_id}")
        ws_url = f"ws://127.0.0.1:{live.port}/api/v1/branches/1/events?token={token}"
        with websockets.sync.client.connect(ws_url) as ws:
            ws.recv(timeout=10)
        with websockets.sync.client.connect(ws_url.replace(token, secret)) as ws:
            ws.recv(timeout=10)  # the refusal, then the socket closes
    finally:
        live.stop()
    log = log_file.read_text()
    assert "announcements/1.wav?token=" + REDACTED in log and "WebSocket" in log, log[-3000:]
    for leaked in (secret, token, public_id):
        assert leaked not in log, (leaked, log[-3000:])


@pytest.mark.e2e
def test_every_sender_of_too_large_a_body_reads_its_413(server: LiveServer) -> None:
    """Five at once, each sending 20 MB as fast as the server takes it: every one reads its
    413 (the rest of its body is dropped before the connection closes; closed with bytes
    unread, the connection was reset, and some lost the answer already sent to them)."""
    from bench.bodies import send_body

    async def rounds() -> list[str]:
        statuses = []
        for chunked in (False, True, False, True):
            sent = await asyncio.gather(
                *(send_body(server.port, 20 * 1024 * 1024, chunked) for _ in range(5))
            )
            statuses += [s.status for s in sent]
        return statuses

    assert asyncio.run(rounds()) == ["413"] * 20
