"""The chain's pure rules: the canonical form, and verify's first bad record for each kind of
tampering (issue 17, item 5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from server.audit.domain import GENESIS, PURGED, Head, Stored, canonical, data_text, link, verify
from server.core.trail import changes

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def chain(n: int, start: int = 1, previous: str = GENESIS) -> list[Stored]:
    out = []
    for i in range(start, start + n):
        r = Stored(i, T0 + timedelta(seconds=i), "ticket.called", "user", "wang", 2, None, 1,
                   f"ticket:{i}", data_text({"seq": i, "note": "叫号\x00"}))  # fmt: skip
        r = replace(r, hash=link(previous, r))
        previous = r.hash
        out.append(r)
    return out


def head(records: list[Stored], base: tuple[int, str] = (0, GENESIS)) -> Head:
    return Head(records[-1].id, records[-1].hash, *base)


def test_the_canonical_form_is_plain_json_with_the_stored_data() -> None:
    (r,) = chain(1)
    assert canonical(r) == (
        '[1,"2026-12-06T08:00:01.000000Z","ticket.called","user","wang",2,null,1,"ticket:1",'
        '{"note":"叫号\\u0000","seq":1}]'
    )
    assert data_text({"b": 1, "a": [1, "x"]}) == '{"a":[1,"x"],"b":1}'


def test_a_whole_chain_verifies() -> None:
    records = chain(5)
    verdict = verify(records, head(records))
    assert (verdict.ok, verdict.records, verdict.head) == (True, 5, records[-1].hash)
    assert verify([], Head(0, GENESIS)).ok


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        (lambda rs: [rs[0], replace(rs[1], data='{"seq":9}'), *rs[2:]], (2, "changed")),
        (lambda rs: [rs[0], replace(rs[1], ts=T0), *rs[2:]], (2, "changed")),
        (lambda rs: [rs[0], replace(rs[1], actor_name="li"), *rs[2:]], (2, "changed")),
        (lambda rs: [rs[0], rs[2], rs[3], rs[4]], (3, "gap")),
        (lambda rs: rs[:4], (5, "missing")),
        (lambda rs: [rs[0], replace(rs[2], id=2), replace(rs[1], id=3), rs[3], rs[4]],
         (2, "changed")),
        (lambda rs: [*rs, replace(rs[4], id=6)], (6, "after_head")),
    ],
)  # fmt: skip
def test_verify_names_the_first_bad_record(tamper: object, first_bad: tuple[int, str]) -> None:
    records = chain(5)
    verdict = verify(tamper(records), head(records))  # type: ignore[operator]
    assert verdict.first_bad is not None
    assert (verdict.ok, verdict.first_bad["id"], verdict.first_bad["reason"]) == (False, *first_bad)


def test_an_edited_head_is_found() -> None:
    records = chain(3)
    assert verify(records, Head(3, "f" * 64)).first_bad == {"id": 3, "reason": "head"}


def test_after_a_purge_the_chain_starts_at_the_cut() -> None:
    records = chain(6)
    cut = records[2]
    purge = Stored(7, T0, PURGED, "system", None, None, None, None, "audit",
                   data_text({"cut_id": cut.id, "cut_hash": cut.hash, "records": 3}))  # fmt: skip
    purge = replace(purge, hash=link(records[-1].hash, purge))
    kept = [*records[3:], purge]
    assert verify(kept, head(kept, (cut.id, cut.hash))).ok
    # one more record deleted from the start and the base moved to hide it: the purge record
    # in the chain still names the old cut
    moved = (records[3].id, records[3].hash)
    assert verify(kept[1:], head(kept, moved)).first_bad == {"id": 5, "reason": "base"}
    # records deleted from the start with no purge at all
    assert verify(records[2:], head(records)).first_bad["reason"] == "gap"  # type: ignore[index]


def test_changes_keep_only_what_changed() -> None:
    old = {"a": 1, "b": [1], "c": "x"}
    assert changes(old, {"a": 1, "b": [2], "c": "x"}) == {"old": {"b": [1]}, "new": {"b": [2]}}
    assert changes({"gone": 1}, {}) == {"old": {"gone": 1}, "new": {"gone": None}}
