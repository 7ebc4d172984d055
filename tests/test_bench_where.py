"""The profile of an issued ticket (bench/where.py): each sampled stack lands in its part."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.where import PARTS, Where, classify, figures, read_raw

pytestmark = pytest.mark.unit

WRITER = (
    "hallq-group-commit;GroupCommitter._loop (server/core/writer.py:237);"
    "_job.<locals>.job (server/core/run.py:150);issue (server/tickets/service.py:109)"
)
LOOP = "MainThread;Server.run (uvicorn/server.py:86);FastAPI.__call__ (fastapi/applications.py:1)"


@pytest.mark.parametrize(
    ("stack", "part"),
    [
        (WRITER + ";append (server/audit/trail.py:90)", "the audit chain's record"),
        (WRITER + ";_estimate (server/tickets/views.py:106)", "wait estimate"),
        (WRITER + ";UnitOfWork.publish (server/core/unit_of_work.py:1)",
         "events: serialise and store"),
        (WRITER + ";Tickets.save (server/tickets/store.py:3)", "ticket row, number and position"),
        (WRITER, "other use-case work"),
        ("hallq-group-commit;GroupCommitter._loop (server/core/writer.py:237)",
         "transaction: begin, savepoints, commit"),
        (LOOP + ";principal (server/auth/deps.py:4)", "authentication"),
        (LOOP + ";Logger.info (logging/__init__.py:1)", "access log line"),
        (LOOP, "HTTP, routing, validation, response"),
        ("uvloop_1;evaluate_all (server/alerts/engine.py:9)", "alerts' evaluation"),
        ("uvloop_1;any_due (server/webhooks/repository.py:3)", "other background tasks"),
    ],
)  # fmt: skip
def test_each_stack_is_put_in_its_part(stack: str, part: str) -> None:
    assert classify(stack) == part


def test_py_spy_raw_output_is_counted_by_part(tmp_path: Path) -> None:
    raw = tmp_path / "spy.txt"
    raw.write_text(
        f"thread (31344): {WRITER};append (server/audit/trail.py:90) 7\n"
        f"thread (31281): {LOOP} 5\nthread (31281): {LOOP} 2\n\n"
    )
    assert read_raw(raw) == Counter({"the audit chain's record": 7,
                                     "HTTP, routing, validation, response": 7})  # fmt: skip


def test_the_section_gives_each_part_in_microseconds() -> None:
    where = Where(bare_us=270, bare_rate=3600, hallq_us=1000, hallq_rate=900, samples=100,
                  held_s=0.8, profiled_us=1000, profiled_tickets=1000,
                  parts=Counter({PARTS[0][0]: 25, PARTS[-1][0]: 75}))  # fmt: skip
    text = figures(where)
    assert text.startswith("<!-- bench-where:begin -->")
    assert "| writer | the audit chain's record | 25.0% | 200 |" in text
    assert "800 µs per ticket with the GIL" in text
