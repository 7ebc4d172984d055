"""Webhook secrets at rest: sealed with the server's key, so that the database alone — a copy,
a backup, an export — does not give them away, and opened only by the dispatcher to sign.

The key is `HALLQ_SECRET_KEY`, or when unset one derived from the installation id (then the
seal only keeps secrets out of plain sight; docs/operations.md). Sealing is `cryptography`'s
Fernet (AES-128-CBC with HMAC-SHA256, authenticated), its key derived from that master with
HKDF-SHA256; a sealed value is `f1:` and the Fernet token.

Values sealed before (`s1:`: a hand-made HMAC-SHA256 keystream and tag) are still opened, with
the same master, so an upgrade loses no secret; the dispatcher seals each again as `f1:` the
first time it opens it (server/webhooks/dispatcher.py), and every secret saved anew is `f1:`.

`cryptography` is imported when the first sealer is made, not with this module: its bindings
(OpenSSL built in) are ~8 MB of every worker's RSS, and a worker without webhooks never needs
them (docs/architecture.md, "How it scales past one machine").
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "f1:"
LEGACY_PREFIX = "s1:"  # opened only, never written
_LEGACY_NONCE = 16
_LEGACY_TAG = 16


class Unsealable(ValueError):
    """Sealed with another key, or changed."""


class Sealer:
    def __init__(self, master: str) -> None:
        from cryptography.fernet import Fernet
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hallq webhook secrets",
                   info=b"fernet v1").derive(master.encode())  # fmt: skip
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self._legacy = _Legacy(master)

    def seal(self, secret: str) -> str:
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        if sealed.startswith(LEGACY_PREFIX):
            return self._legacy.open(sealed[len(LEGACY_PREFIX) :])
        if not sealed.startswith(PREFIX):
            raise Unsealable("not a sealed secret")
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(sealed[len(PREFIX) :].encode()).decode()
        except (InvalidToken, UnicodeError):
            raise Unsealable("sealed with another key (HALLQ_SECRET_KEY changed?)") from None

    @staticmethod
    def outdated(sealed: str) -> bool:
        """Sealed the old way: to be sealed again."""
        return sealed.startswith(LEGACY_PREFIX)


class _Legacy:
    """Opens `s1:` values: a keystream of HMAC-SHA256(enc_key, nonce ‖ counter) blocks XORed
    with the secret, and HMAC-SHA256(mac_key, nonce ‖ ciphertext) as the tag."""

    def __init__(self, master: str) -> None:
        root = hashlib.sha256(b"hallq webhook secrets\0" + master.encode()).digest()
        self._enc = hmac.new(root, b"enc", hashlib.sha256).digest()
        self._mac = hmac.new(root, b"mac", hashlib.sha256).digest()

    def open(self, text: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(text)
        except ValueError:
            raise Unsealable("not a sealed secret") from None
        if len(raw) < _LEGACY_NONCE + _LEGACY_TAG:
            raise Unsealable("not a sealed secret")
        nonce, cipher, tag = (
            raw[:_LEGACY_NONCE],
            raw[_LEGACY_NONCE:-_LEGACY_TAG],
            raw[-_LEGACY_TAG:],
        )
        expected = hmac.new(self._mac, nonce + cipher, hashlib.sha256).digest()[:_LEGACY_TAG]
        if not hmac.compare_digest(tag, expected):
            raise Unsealable("sealed with another key (HALLQ_SECRET_KEY changed?)")
        blocks = (len(cipher) + 31) // 32
        stream = b"".join(
            hmac.new(self._enc, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
            for i in range(blocks)
        )
        try:
            return bytes(a ^ b for a, b in zip(cipher, stream, strict=False)).decode()
        except UnicodeError:
            raise Unsealable("not a sealed secret") from None
