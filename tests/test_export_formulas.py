"""Exports never hold a formula: text that a spreadsheet would evaluate (`=`, `+`, `-`, `@`, a
tab or a carriage return first) is written as text, in CSV and in XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from server.stats.reports.export import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.unit

HOSTILE = ["=1+2", '=HYPERLINK("http://example.invalid","click")', "+1", "-1+1", "@SUM(A1)",
           "\tx", "\rx"]  # fmt: skip
HEADER = ["service", "outcome", "count"]


def rows() -> list[list[object]]:
    return [[value, "ok", -3] for value in HOSTILE]


def test_csv_cells_that_start_like_a_formula_get_a_leading_quote() -> None:
    text = csv_bytes(HEADER, rows()).decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[0] for r in read] == [f"'{v}" for v in HOSTILE]
    assert [r[1:] for r in read] == [["ok", "-3"]] * len(HOSTILE)  # numbers stay numbers


def test_xlsx_cells_that_start_like_a_formula_are_text_cells() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes("t", HEADER, rows())))
    sheet = book.active
    cells = [row for row in sheet.iter_rows(min_row=2)]
    # XML reads a lone carriage return back as a line feed; either way it is text
    assert [row[0].value for row in cells] == [v.replace("\r", "\n") for v in HOSTILE]
    assert {row[0].data_type for row in cells} == {"s"}
    assert {(row[2].value, row[2].data_type) for row in cells} == {(-3, "n")}


def test_xlsx_cells_with_control_characters_are_written_not_refused() -> None:
    """A name typed with a control character (stored as given) must not make the file a 500:
    XLSX cannot hold it, so it is written as U+FFFD; tab, CR and LF stay."""
    records = [["a\x16b\x00c", "ok\tx", 1]]
    sheet = load_workbook(io.BytesIO(xlsx_bytes("t", HEADER, records))).active
    row = next(sheet.iter_rows(min_row=2))
    assert [row[0].value, row[1].value] == ["a\ufffdb\ufffdc", "ok\tx"]
