"""The grouped figures as a plain-text table for a terminal (CJK characters are two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from server.stats.reports.export import Cell


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def render(header: Sequence[str], records: Sequence[Sequence[Cell]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, numbers right."""
    rows = [[_cell(v) for v in record] for record in records]
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - width(cell))
            parts.append(cell + pad if i == 0 else pad + cell)
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
