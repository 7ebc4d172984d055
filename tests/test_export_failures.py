"""An XLSX export whose rows fail (a database error, a refusal found late) raises that error,
and leaves neither a temporary file nor a row writer that the garbage collector finishes
later onto a closed file (an "exception ignored" on stderr, seen in the schemathesis run)."""

from __future__ import annotations

import gc
import io
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.core.tables import write_xlsx

pytestmark = pytest.mark.unit


def test_a_failed_xlsx_export_leaves_no_file_and_nothing_for_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # openpyxl's temporary files
    ignored: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)

    def rows() -> Iterator[list[object]]:
        for n in range(3):
            yield [n, "ok"]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        write_xlsx(io.BytesIO(), "tickets", ["n", "state"], rows())
    gc.collect()
    assert ignored == []
    assert list(tmp_path.iterdir()) == []
