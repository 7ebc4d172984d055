"""Printer status by real-time `DLE EOT n` with a short timeout.

python-escpos 3.1 reports "paper adequate" when the printer does not answer at all, so it is not
used here: silence means offline. Bits per the ESC/POS reference:
  n=1 printer status   bit 3: offline
  n=2 offline cause    bit 2: cover open, bit 5: stopped by paper end, bit 6: error
  n=4 paper sensor     bits 2-3: near end, bits 5-6: paper out
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kiosk.printers import PrinterError, drain, read_reply, send

if TYPE_CHECKING:
    from escpos.escpos import Escpos

Paper = Literal["ok", "near_end", "out"]
DLE_EOT = b"\x10\x04"

# `detail` values reported to the server (managers' pages translate them).
READY = None
NO_ANSWER = "no_answer"
COVER_OPEN = "cover_open"
PAPER_OUT = "paper_out"
PAPER_NEAR_END = "paper_near_end"
PRINTER_ERROR = "error"
OFFLINE = "offline"
NO_STATUS = "no_status"  # file: and dummy: cannot answer; printing is attempted anyway


@dataclass(frozen=True)
class Health:
    """`online`: the printer answered; `ready`: a ticket can be printed now."""

    online: bool
    paper: Paper = "ok"
    detail: str | None = None
    ready: bool = True

    @classmethod
    def unreachable(cls, reason: str) -> Health:
        return cls(online=False, paper="ok", detail=reason[:500], ready=False)


def _ask(device: Escpos, n: int, timeout: float) -> int | None:
    send(device, DLE_EOT + bytes((n,)))
    reply = read_reply(device, timeout)
    return reply[-1] if reply else None


def probe(device: Escpos, *, answers: bool = True, timeout: float = 1.0) -> Health:
    """Ask the printer how it is. `answers=False` for connections that cannot read."""
    if not answers:
        return Health(online=True, detail=NO_STATUS)
    try:
        drain(device)
        status = _ask(device, 1, timeout)
        if status is None:
            return Health.unreachable(NO_ANSWER)
        cause = _ask(device, 2, timeout) or 0
        sensor = _ask(device, 4, timeout) or 0
    except PrinterError as exc:
        return Health.unreachable(str(exc))
    paper: Paper = "ok"
    if sensor & 0x60 or cause & 0x20:
        paper = "out"
    elif sensor & 0x0C:
        paper = "near_end"
    if cause & 0x04:
        return Health(online=True, paper=paper, detail=COVER_OPEN, ready=False)
    if paper == "out":
        return Health(online=True, paper=paper, detail=PAPER_OUT, ready=False)
    if cause & 0x40:
        return Health(online=True, paper=paper, detail=PRINTER_ERROR, ready=False)
    if status & 0x08:
        return Health(online=True, paper=paper, detail=OFFLINE, ready=False)
    return Health(online=True, paper=paper, detail=PAPER_NEAR_END if paper == "near_end" else READY)
