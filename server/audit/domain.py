"""The chain's rules, pure: a record's canonical form, its hash, and the check of a stored
chain (which record is the first one changed, removed or inserted).

canonical = the JSON array [id, ts, kind, actor, actor_name, user_id, device_id, branch_id,
subject, data] (compact, UTF-8, `ts` as 2026-12-06T23:05:00.000000Z, `data` the stored JSON
text with sorted keys); hash = SHA-256 hex of (previous hash + canonical). The first record
follows GENESIS; after a purge, the record it cut at.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
PURGED = "audit.purged"
_HEAD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_DATA = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
"""Made once: json.dumps with options builds an encoder per call (a fifth of verify's time)."""


def data_text(data: dict[str, Any]) -> str:
    """The canonical JSON text of a record's data (control characters escaped, so a NUL
    never reaches the database)."""
    return _DATA.encode(data)


def ts_text(ts: datetime) -> str:
    """2026-12-06T08:00:00.000000Z (isoformat: a third of strftime's time, in verify's loop)."""
    if ts.tzinfo is not UTC:
        ts = ts.astimezone(UTC)
    return ts.isoformat(timespec="microseconds")[:26] + "Z"


@dataclass(frozen=True)
class Stored:
    id: int
    ts: datetime
    kind: str
    actor: str
    actor_name: str | None
    user_id: int | None
    device_id: int | None
    branch_id: int | None
    subject: str
    data: str
    hash: str = ""


def tail(r: Stored) -> str:
    """The canonical text after its id: canonical = "[" + id + "," + tail. PostgreSQL puts the
    id in front as it hashes the record (server/audit/trail.py), where the id is decided."""
    return tail_of(ts_text(r.ts), r.kind, r.actor, r.actor_name, r.user_id, r.device_id,
                   r.branch_id, r.subject, r.data)  # fmt: skip


def tail_of(
    ts: str, kind: str, actor: str, actor_name: str | None, user_id: int | None,
    device_id: int | None, branch_id: int | None, subject: str, data: str,
) -> str:  # fmt: skip
    """`tail` of the fields, `ts` as `ts_text` gives it (the sealer has it as stored)."""
    head = _HEAD.encode([ts, kind, actor, actor_name, user_id, device_id, branch_id, subject])
    return f"{head[1:-1]},{data}]"


def canonical(r: Stored) -> str:
    return f"[{r.id},{tail(r)}"


def link(previous: str, record: Stored) -> str:
    return hashlib.sha256((previous + canonical(record)).encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    last_id: int
    last_hash: str
    base_id: int = 0
    base_hash: str = GENESIS


@dataclass
class Verdict:
    ok: bool
    records: int
    head: str
    first_bad: dict[str, Any] | None = None


def _bad(records: int, head: Head, id_: int, reason: str, **more: Any) -> Verdict:
    return Verdict(False, records, head.last_hash, {"id": id_, "reason": reason, **more})


def verify(records: Iterable[Stored], head: Head) -> Verdict:
    """Walk the stored records in id order from the chain's base. Reasons: "changed" (its hash
    is not that of its content after the previous one), "gap" (records before it are
    missing), "after_head" (inserted after the head), "missing" (the last ones are gone),
    "base" (the start does not match the last purge record)."""
    expected, previous, count = head.base_id + 1, head.base_hash, 0
    cut: tuple[int, str] | None = None
    for r in records:
        if r.id > head.last_id:
            return _bad(count, head, r.id, "after_head", kind=r.kind)
        if r.id != expected:
            return _bad(count, head, r.id, "gap", kind=r.kind, missing_from=expected)
        if link(previous, r) != r.hash:
            return _bad(count, head, r.id, "changed", kind=r.kind)
        if r.kind == PURGED:
            data = json.loads(r.data)
            cut = (int(data.get("cut_id", 0)), str(data.get("cut_hash", "")))
        previous, expected, count = r.hash, expected + 1, count + 1
    if expected - 1 != head.last_id:
        return _bad(count, head, expected, "missing")
    if previous != head.last_hash:
        return _bad(count, head, head.last_id, "head")
    if head.base_id and cut != (head.base_id, head.base_hash):
        return _bad(count, head, head.base_id + 1, "base")
    return Verdict(True, count, head.last_hash)
