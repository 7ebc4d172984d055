"""Webhook secrets at rest (server/webhooks/sealing.py): Fernet, keyed from the installation's
master; values sealed by the earlier hand-made construction (`s1:`) still open with the same
master, and the dispatcher seals each again as Fernet the first time it uses it."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from server.app import create_app
from server.core.clock import utc_now
from server.core.settings import Settings
from server.webhooks.sealing import Sealer, Unsealable
from tests.conftest import Api
from tests.support import wait_until
from tests.test_webhooks_delivery import call_one, webhook
from tests.webhook_receiver import Receiver, docs_verifier

# Sealed by the construction of before (commit 060a8eb), to prove that upgrades open them.
LEGACY = {
    ("key-1", "whsec_legacy-secret-123"):
        "s1:KYnZibi4MxnHrlZyIWY5yYte_xhQtGDjKY0AgYzxDJkTM8gHm54-tiNjmEpbCJkbSldPVTIROw==",
    ("installation:00000000-0000-4000-8000-000000000001", "dingtalk-SEC-legacy-1"):
        "s1:-dd3B5c7JMv0T_ExW6pSbs-2qImzBAx6YAW5ujAn9bRnpm1DatTZtG7QS3MhsYm86JKce4g=",
    ("key-1", ""): "s1:ew0f6GvhHaOehoUexNPyZ1AGwEui-pqc6xnvrG0sLFY=",
}  # fmt: skip


@pytest.mark.integration
def test_a_worker_loads_cryptography_with_its_first_sealer_not_with_the_app() -> None:
    """Its bindings are ~8 MB of each worker, which needs them only for webhooks."""
    code = ("import sys, server.app; print('cryptography' in sys.modules); "
            "from server.webhooks.sealing import Sealer; Sealer('k').seal('s'); "
            "print('cryptography' in sys.modules)")  # fmt: skip
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()  # fmt: skip
    assert loaded == ["False", "True"]


@pytest.mark.unit
def test_new_seals_are_fernet_tokens_under_a_derived_key() -> None:
    sealer = Sealer("key-1")
    sealed = sealer.seal("whsec_abc")
    assert sealed.startswith("f1:") and "whsec_abc" not in sealed
    assert sealed != sealer.seal("whsec_abc")  # a fresh IV each time
    assert sealer.open(sealed) == "whsec_abc" and sealer.open(sealer.seal("")) == ""
    assert not Sealer.outdated(sealed)
    # a plain Fernet token: the key is not the master itself
    token = sealed[3:].encode()
    with pytest.raises(Exception):  # noqa: B017  (InvalidToken)
        Fernet(base64.urlsafe_b64encode(b"key-1".ljust(32, b"\0"))).decrypt(token)
    longest = sealer.seal("~" * 200)  # the longest secret the API takes
    assert len(longest) <= 400  # the column's size


@pytest.mark.unit
def test_a_seal_opens_only_with_its_key_and_unchanged() -> None:
    sealer = Sealer("key-1")
    sealed = sealer.seal("whsec_abc")
    with pytest.raises(Unsealable):
        Sealer("key-2").open(sealed)
    raw = bytearray(base64.urlsafe_b64decode(sealed[3:]))
    for at in (0, 9, 30, len(raw) - 1):  # version, timestamp, IV/ciphertext, HMAC
        changed = bytearray(raw)
        changed[at] ^= 1
        with pytest.raises(Unsealable):
            sealer.open("f1:" + base64.urlsafe_b64encode(bytes(changed)).decode())
    for bad in ("plain", "f1:", "f1:!!!", "s1:", "s1:!!!", "s1:" + "A" * 8):
        with pytest.raises(Unsealable):
            sealer.open(bad)


@pytest.mark.unit
def test_values_sealed_before_still_open() -> None:
    for (master, secret), sealed in LEGACY.items():
        assert Sealer(master).open(sealed) == secret
        assert Sealer.outdated(sealed)
    sealed = LEGACY[("key-1", "whsec_legacy-secret-123")]
    with pytest.raises(Unsealable):
        Sealer("key-2").open(sealed)
    raw = bytearray(base64.urlsafe_b64decode(sealed[3:]))
    raw[20] ^= 1
    with pytest.raises(Unsealable):
        Sealer("key-1").open("s1:" + base64.urlsafe_b64encode(bytes(raw)).decode())


@pytest.fixture
def live(settings: Settings) -> Iterator[Api]:
    keyed = settings.model_copy(update={"secret_key": "key-1"})
    with TestClient(create_app(keyed, clock=utc_now)) as client:
        yield Api(client)


@pytest.mark.integration
@pytest.mark.usefixtures("cheap_hashing")
def test_an_old_seal_signs_and_is_sealed_anew_at_its_first_delivery(live: Api, db_url: str) -> None:
    receiver = Receiver()
    try:
        made = webhook(live, receiver.url, secret="whsec_replaced-below")
        engine = create_engine(db_url)
        with engine.begin() as c:  # as a database from before the upgrade holds it
            old = LEGACY[("key-1", "whsec_legacy-secret-123")]
            c.execute(text("UPDATE webhook SET secret_sealed = :s WHERE id = :id"),
                      {"s": old, "id": made["id"]})  # fmt: skip
        call_one(live)
        got = receiver.wait(1)[0]
        assert docs_verifier()("whsec_legacy-secret-123", got.headers["x-hallq-signature"],
                               got.body)  # fmt: skip

        def stored() -> str:
            with engine.connect() as c:
                return str(c.execute(text("SELECT secret_sealed FROM webhook")).scalar_one())

        now = wait_until(lambda: stored() if stored().startswith("f1:") else None, 5, "resealed")
        assert Sealer("key-1").open(now) == "whsec_legacy-secret-123"
        engine.dispose()
    finally:
        receiver.close()
