"""A local webhook receiver for the tests: records every request, answers as told (fail the
first N, sleep), and checks signatures the way the senders' documents say a receiver should."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def docs_verifier() -> Any:
    """`verify(secret, header, body)` exactly as docs/operations.md shows it to receivers."""
    text = (ROOT / "docs/operations.md").read_text()
    snippet = re.search(r"```python\n(# Verify a hallq webhook.*?)```", text, re.S)
    assert snippet, "docs/operations.md has no receiver snippet"
    scope: dict[str, Any] = {}
    exec(snippet.group(1), scope)
    return scope["verify"]


def dingtalk_ok(secret: str, timestamp: str, sign: str, now_ms: int) -> bool:
    """DingTalk's check of a signed robot request (加签): the timestamp (ms) within an hour and
    sign = Base64(HmacSHA256(secret, timestamp + "\\n" + secret)), sent urlencoded."""
    if abs(now_ms - int(timestamp)) > 3600 * 1000:
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return hmac.compare_digest(base64.b64encode(digest.digest()).decode(), sign)


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    fail_first: int = 0
    sleep_s: float = 0.0
    answer: bytes = b'{"errcode":0,"errmsg":"ok"}'
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(size)
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = Received(parts.path, parse_qs(parts.query), headers, body, time.time())
                with receiver.lock:
                    receiver.requests.append(seen)
                    failing = len(receiver.requests) <= receiver.fail_first
                if receiver.sleep_s:
                    time.sleep(receiver.sleep_s)
                self.send_response(500 if failing else 200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a sender that went away mid-answer (killed, timed out)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.requests)} requests, expected {count}")
