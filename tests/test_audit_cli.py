"""`hallq audit verify | anchor | purge` and the day's head on `hallq report daily`."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.test_cli import ADMIN_PASSWORD, Hallq, hallq

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]
__all__ = ["hallq"]  # the fixture


def _with_records(hallq: Hallq) -> None:
    hallq("db", "upgrade")
    hallq("user", "add", "admin", "--role", "admin", "--password", ADMIN_PASSWORD)
    hallq("user", "add", "wang", "--password", "clerk-password-1")


def test_verify_prints_the_head_and_fails_on_tampering(hallq: Hallq) -> None:
    _with_records(hallq)
    good = json.loads(hallq("audit", "verify"))
    assert good["ok"] is True and good["records"] >= 2 and len(good["head"]) == 64
    path = hallq.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audit_record SET actor_name = 'someone' WHERE id = 1")
    bad = json.loads(hallq("audit", "verify", code=1))
    assert bad["ok"] is False and bad["first_bad"]["id"] == 1


def test_anchor_appends_the_head_to_a_file(hallq: Hallq, tmp_path: Path) -> None:
    _with_records(hallq)
    target = tmp_path / "anchors.jsonl"
    hallq("audit", "anchor", "--file", str(target))
    hallq("audit", "anchor", "--file", str(target))
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    head = json.loads(hallq("audit", "verify"))["head"]
    assert len(lines) == 2 and all(a["head"] == head for a in lines)
    assert "give --file or --url" in hallq("audit", "anchor", code=1)
    assert "http" in hallq("audit", "anchor", "--url", "ftp://x", code=1)
    assert "cannot POST" in hallq("audit", "anchor", "--url", "http://127.0.0.1:9/x", code=1)
    assert "cannot write" in hallq("audit", "anchor", "--file", str(tmp_path), code=1)


def test_purge_with_nothing_old_keeps_everything(hallq: Hallq) -> None:
    _with_records(hallq)
    before = json.loads(hallq("audit", "verify"))["records"]
    assert "purged 0 records" in hallq("audit", "purge", "--years", "1")
    assert json.loads(hallq("audit", "verify"))["records"] == before
    hallq("audit", "purge", "--years", "0", code=2)


def test_the_daily_report_prints_the_days_head(hallq: Hallq, tmp_path: Path) -> None:
    _with_records(hallq)
    out = hallq("report", "daily", "--branch", "1", "--output", str(tmp_path / "d.png"))
    match = re.search(r"audit head \d{4}-\d\d-\d\d: #(\d+) ([0-9a-f]{64})", out)
    assert match, out
    assert json.loads(hallq("audit", "verify"))["head"] == match.group(2)
