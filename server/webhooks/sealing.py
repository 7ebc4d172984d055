"""Webhook secrets at rest: sealed with the server's key, so that the database alone — a copy,
a backup, an export — does not give them away, and opened only by the dispatcher to sign.

The key is `HALLQ_SECRET_KEY`, or when unset one derived from the installation id (then the
seal only keeps secrets out of plain sight; docs/operations.md). The construction uses only
the standard library: a keystream of HMAC-SHA256(enc_key, nonce ‖ counter) blocks XORed with
the secret, then HMAC-SHA256(mac_key, nonce ‖ ciphertext) as the tag (encrypt-then-MAC).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

PREFIX = "s1:"
NONCE = 16
TAG = 16


class Unsealable(ValueError):
    """Sealed with another key, or changed."""


class Sealer:
    def __init__(self, master: str) -> None:
        root = hashlib.sha256(b"hallq webhook secrets\0" + master.encode()).digest()
        self._enc = hmac.new(root, b"enc", hashlib.sha256).digest()
        self._mac = hmac.new(root, b"mac", hashlib.sha256).digest()

    def _stream(self, nonce: bytes, size: int) -> bytes:
        blocks = (size + 31) // 32
        return b"".join(
            hmac.new(self._enc, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
            for i in range(blocks)
        )[:size]

    def seal(self, secret: str) -> str:
        plain = secret.encode()
        nonce = os.urandom(NONCE)
        cipher = bytes(a ^ b for a, b in zip(plain, self._stream(nonce, len(plain)), strict=True))
        tag = hmac.new(self._mac, nonce + cipher, hashlib.sha256).digest()[:TAG]
        return PREFIX + base64.urlsafe_b64encode(nonce + cipher + tag).decode()

    def open(self, sealed: str) -> str:
        if not sealed.startswith(PREFIX):
            raise Unsealable("not a sealed secret")
        try:
            raw = base64.urlsafe_b64decode(sealed[len(PREFIX) :])
        except ValueError:
            raise Unsealable("not a sealed secret") from None
        nonce, cipher, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
        expected = hmac.new(self._mac, nonce + cipher, hashlib.sha256).digest()[:TAG]
        if len(raw) < NONCE + TAG or not hmac.compare_digest(tag, expected):
            raise Unsealable("sealed with another key (HALLQ_SECRET_KEY changed?)")
        stream = self._stream(nonce, len(cipher))
        return bytes(a ^ b for a, b in zip(cipher, stream, strict=True)).decode()
