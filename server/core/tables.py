"""Tables written as files: CSV (UTF-8 with a BOM, so Excel shows Chinese) or XLSX (numbers as
numbers, times as date-times). No cell ever holds a formula (API.md, "Limits and privacy").
Shared by every domain that exports a table (statistics, the follow-up ledger)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any
from urllib.parse import quote

Cell = int | float | str | datetime | None
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def csv_chunks(header: Sequence[str], records: Iterable[Sequence[Cell]]) -> Iterator[bytes]:
    """CSV in UTF-8 with a BOM, yielded in chunks of about 64 KB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for record in records:
        writer.writerow(["" if v is None else _csv_value(v) for v in record])
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_bytes(header: Sequence[str], records: Iterable[Sequence[Cell]]) -> bytes:
    return b"".join(csv_chunks(header, records))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Text a spreadsheet would read as a formula (a service named `=1+2`, an outcome
`=HYPERLINK(…)`): exports never hold one (API.md, Limits and privacy)."""


def _is_formula_like(value: Cell) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _csv_value(value: Cell) -> Cell:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if _is_formula_like(value):
        return f"'{value}"  # shown as text by Excel and LibreOffice
    return value


def xlsx_bytes(title: str, header: Sequence[str], records: Iterable[Sequence[Cell]]) -> bytes:
    """A one-sheet workbook; numbers stay numbers, times are Excel date-times."""
    out = io.BytesIO()
    write_xlsx(out, title, header, records)
    return out.getvalue()


def write_csv(out: IO[bytes], header: Sequence[str], records: Iterable[Sequence[Cell]]) -> None:
    for chunk in csv_chunks(header, records):
        out.write(chunk)


def write_xlsx(
    out: IO[bytes], title: str, header: Sequence[str], records: Iterable[Sequence[Cell]]
) -> None:
    """xlsx_bytes, written to `out` (a file: the rows need not fit in memory twice)."""
    # openpyxl is imported here, not at server start: it is a fifth of the start-up time.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    try:
        for count, record in enumerate(records, start=1):
            if count > XLSX_MAX_ROWS:
                break
            sheet.append([_xlsx_cell(sheet, v, WriteOnlyCell) for v in record])
    except BaseException:
        _discard(sheet)
        raise
    book.save(out)


def _discard(sheet: Any) -> None:
    """A sheet whose rows failed: its row writer finished and its temporary file removed now.
    Left to the garbage collector, the writer wrote to its closed file (an "exception ignored"
    on stderr) and the file stayed in the temporary directory, one per failed export."""
    with contextlib.suppress(Exception):
        sheet.close()
    writer = sheet._writer  # openpyxl's WorksheetWriter: no public way to it
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.cleanup()


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters an XLSX cell cannot hold (openpyxl refuses them): written as U+FFFD."""


def _xlsx_cell(sheet: Any, value: Cell, make_cell: Any) -> Any:
    if isinstance(value, str) and CONTROL.search(value):
        value = CONTROL.sub("\ufffd", value)
    if isinstance(value, datetime):
        cell = make_cell(sheet, value=value)
        cell.number_format = TIME_FORMAT
        return cell
    if _is_formula_like(value):
        cell = make_cell(sheet, value=value)
        cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
        return cell
    return value


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
