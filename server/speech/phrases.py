"""What the hall hears: one sentence per locale for a call, built from the branch's templates.

Pure functions, no I/O, nothing but the standard library and the wire models: the display
agent (display/) and the server's speech route (server/speech/router.py) share them.

Mandarin needs no pinyin step: espeak-ng's `cmn-latn-pinyin` voice reads hanzi (simplified and
traditional) itself and gives the same phonemes as the hand-written pinyin with tone digits
(`espeak-ng -v cmn-latn-pinyin -x` shows `tS;h'i21N … X'Au51 … ts.hw'A55N kh'ou21 p'a51n l'i214`
for both), reads single Latin letters by name (A → "ei", B → "bi") and digits as Chinese
numerals; SAPI5's Chinese voices on Windows read hanzi natively too. So the sentence stays in
hanzi, and a manager's own template works without a pinyin table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.protocol import LOCALES, Locale

DEFAULT_TEMPLATES: dict[Locale, str] = {
    "zh-CN": "请 {number} 号到 {counter} 号窗口办理",
    "zh-TW": "請 {number} 號到 {counter} 號窗口辦理",
    "en": "Number {number}, please go to counter {counter}",
}
ANNOUNCED_EVENTS = frozenset({"ticket.called", "ticket.recalled"})
_PLACEHOLDER = re.compile(r"\{(number|counter)\}")
# In English a lone capital "A" is read as the article (a schwa); "A." is read as the letter
# by espeak-ng, without a pause, so the ticket's letters keep their names when spoken.
_SPOKEN_LETTER_EN = {"A": "A."}


def spell(number: str) -> str:
    """Letters and digits one by one: "A012" → "A 0 1 2" (anything else is dropped)."""
    return " ".join(ch for ch in number.upper() if ch.isascii() and ch.isalnum())


def template_for(
    locale: Locale, templates: Mapping[Locale, str] | Mapping[str, str] | None = None
) -> str:
    """The branch's template for `locale` when it has one that is not blank, else the default."""
    custom = (templates or {}).get(locale, "")
    return custom if custom.strip() else DEFAULT_TEMPLATES[locale]


def phrase(
    locale: Locale,
    number: str,
    counter: int | str,
    templates: Mapping[Locale, str] | Mapping[str, str] | None = None,
    *,
    for_speech: bool = False,
) -> str:
    """The sentence for one call: `请 A 0 1 2 号到 3 号窗口办理`.

    Only `{number}` and `{counter}` are replaced, so a manager's template may hold any other
    braces or text without breaking the announcement. `for_speech` gives the text handed to
    the speech engine (see `_SPOKEN_LETTER_EN`)."""
    spelled = spell(number)
    if for_speech and locale == "en":
        spelled = " ".join(_SPOKEN_LETTER_EN.get(part, part) for part in spelled.split())
    values = {"number": spelled, "counter": str(counter)}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template_for(locale, templates))


def parse_locales(value: str | Iterable[str]) -> list[Locale]:
    """`"zh-CN,en"` → ["zh-CN", "en"]; unknown or repeated locales are refused."""
    items = value.split(",") if isinstance(value, str) else list(value)
    result: list[Locale] = []
    for raw in (item.strip() for item in items):
        if not raw:
            continue
        match = next((loc for loc in LOCALES if loc.lower() == raw.lower()), None)
        if match is None:
            raise ValueError(f"unknown locale {raw!r}: use {', '.join(LOCALES)}")
        if match in result:
            raise ValueError(f"locale {match} given twice")
        result.append(match)
    if not result:
        raise ValueError("give at least one locale")
    return result


def default_locales(branch_locale: str) -> tuple[Locale, ...]:
    """The branch's language, then English (English alone for an English branch)."""
    first: Locale = next((loc for loc in LOCALES if loc == branch_locale), "zh-CN")
    return ("en",) if first == "en" else (first, "en")


@dataclass(frozen=True)
class Announcement:
    """One `ticket.called` / `ticket.recalled` event, as much of it as the voice needs."""

    seq: int
    kind: str  # "called" | "recalled"
    ticket_id: int
    number: str
    counter_number: int
    counter_name: str
    ts: datetime


def announcement(
    seq: int, type_: str, ts: datetime, data: Mapping[str, Any]
) -> Announcement | None:
    """The announcement carried by an event, or None for any other event."""
    if type_ not in ANNOUNCED_EVENTS:
        return None
    counter = data.get("counter") or {}
    return Announcement(
        seq=seq,
        kind=type_.removeprefix("ticket."),
        ticket_id=int(data["id"]),
        number=str(data["number"]),
        counter_number=int(counter.get("number", 0)),
        counter_name=str(counter.get("name") or ""),
        ts=ts,
    )


def sentences(
    item: Announcement,
    locales: Iterable[Locale],
    templates: Mapping[Locale, str] | Mapping[str, str] | None = None,
    *,
    for_speech: bool = False,
) -> list[tuple[Locale, str]]:
    """(locale, sentence) for each language of the announcement, in the configured order."""
    return [
        (loc, phrase(loc, item.number, item.counter_number, templates, for_speech=for_speech))
        for loc in locales
    ]
