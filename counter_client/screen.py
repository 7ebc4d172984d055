"""The terminal client's screen as a pure function of what it shows: 80×24, CJK-width aware."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from counter_client.texts import KEYS, Lang, text
from server.protocol import Ticket

WIDTH, HEIGHT = 80, 24
RULE = "─" * WIDTH


@dataclass
class View:
    """Everything on the screen."""

    lang: Lang
    counter_number: int = 0
    clerk: str = ""
    branch: str = ""
    state: str = "closed"
    pause_reason: str | None = None
    hand: Ticket | None = None
    hand_service: str = ""
    waiting: int = 0
    parked: list[str] = field(default_factory=list)
    connected: bool = False
    message: str = ""
    prompt: str | None = None


def cells(s: str) -> int:
    """Display width: CJK characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def fit(s: str, width: int = WIDTH) -> str:
    """Cut to `width` cells."""
    out, used = [], 0
    for ch in s:
        w = cells(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


def pad(s: str, width: int) -> str:
    return s + " " * max(0, width - cells(s))


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _hand_lines(view: View, now: datetime) -> list[str]:
    t = view.hand
    if t is None:
        return [f" {pad(text(view.lang, 'hand'), 14)}{text(view.lang, 'hand.none')}", ""]
    waited = ((t.called_at or now) - t.issued_at).total_seconds()
    served = (now - (t.started_at or t.called_at or now)).total_seconds()
    state = text(view.lang, f"t.{t.state}")
    first = f" {pad(text(view.lang, 'hand'), 14)}{t.number}   {view.hand_service}   [{state}]"
    second = (
        f" {pad('', 14)}{text(view.lang, 'waited')} {duration(waited)}   "
        f"{text(view.lang, 'served')} {duration(served)}   {text(view.lang, 'calls')} {t.calls}"
    )
    return [first, second]


def _key_lines(lang: Lang, columns: int = 5) -> list[str]:
    items = [f"{key} {text(lang, action)}" for key, action in KEYS.items()]
    width = (WIDTH - 1) // columns
    rows = [items[i : i + columns] for i in range(0, len(items), columns)]
    return [" " + "".join(pad(fit(item, width - 1), width) for item in row) for row in rows]


def render(view: View, now: datetime) -> list[str]:
    """The screen's lines, at most 24, each at most 80 cells."""
    lang = view.lang
    state = text(lang, f"state.{view.state}")
    if view.state == "paused" and view.pause_reason:
        state += f" ({view.pause_reason})"
    left = f" {text(lang, 'title', number=view.counter_number)} · {view.clerk} · {view.branch}"
    right = f"{state}  {now.astimezone().strftime('%H:%M:%S')} "
    header = pad(fit(left, WIDTH - cells(right) - 1), WIDTH - cells(right)) + right
    parked = " ".join(view.parked) or text(lang, "none")
    link = "●" if view.connected else "○"
    status = text(lang, "online" if view.connected else "offline")
    lines = [
        header,
        RULE,
        *_hand_lines(view, now),
        "",
        f" {pad(text(lang, 'waiting'), 26)}{view.waiting}",
        f" {pad(text(lang, 'parked'), 26)}{parked}",
        RULE,
        *_key_lines(lang),
        RULE,
        f" {view.message}",
        f" {view.prompt}" if view.prompt is not None else "",
        f" {link} {status}",
    ]
    return [fit(line).rstrip() for line in lines[:HEIGHT]]
