"""Bar charts drawn with Pillow, and a CJK font found through fontconfig."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Sequence

from PIL import ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Box = tuple[int, int, int, int]  # left, top, right, bottom
INK, GRID, MUTED = (33, 37, 41), (222, 226, 230), (108, 117, 125)
FAMILIES = {"zh-TW": "Noto Sans CJK TC", "zh-CN": "Noto Sans CJK SC", "en": "Noto Sans CJK SC"}


@functools.cache
def _font_file(pattern: str) -> tuple[str, int] | None:
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", pattern],
                               capture_output=True, text=True, timeout=10, check=True)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = found.stdout.partition("\n")
    return (path, int(index or 0)) if path else None


@functools.cache
def font(size: int, *, bold: bool = False, locale: str = "zh-CN") -> Font:
    """Noto Sans CJK in the locale's variant (fc-match); Pillow's own font when missing."""
    family = FAMILIES.get(locale, FAMILIES["zh-CN"])
    found = _font_file(f"{family}:{'bold' if bold else 'regular'}")
    if found is not None:
        try:
            return ImageFont.truetype(found[0], size, index=found[1])
        except OSError:
            pass
    return ImageFont.load_default(size)


def text_width(draw: ImageDraw.ImageDraw, text: str, face: Font) -> float:
    return draw.textlength(text, font=face)


def fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: float) -> str:
    """`text`, cut short with an ellipsis when it is wider than `width` pixels."""
    if text_width(draw, text, face) <= width:
        return text
    while text and text_width(draw, text + "…", face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _frame(draw: ImageDraw.ImageDraw, box: Box, title: str, title_font: Font) -> Box:
    left, top, right, bottom = box
    draw.rounded_rectangle(box, radius=12, outline=GRID, width=2)
    draw.text((left + 20, top + 14), title, font=title_font, fill=INK)
    return left + 20, top + 64, right - 20, bottom - 20


def bars(
    draw: ImageDraw.ImageDraw,
    box: Box,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    fonts: tuple[Font, Font, Font],
    color: tuple[int, int, int],
    fmt: Callable[[float], str] = lambda v: f"{v:.0f}",
) -> None:
    """Vertical bars with the value above each and the label below."""
    title_font, small, tiny = fonts
    left, top, right, bottom = _frame(draw, box, title, title_font)
    bottom -= 34  # labels
    top += 26  # values
    if not values:
        return
    peak = max(max(values), 1e-9)
    slot = (right - left) / len(values)
    draw.line((left, bottom, right, bottom), fill=GRID, width=2)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + i * slot + slot * 0.15
        x1 = left + (i + 1) * slot - slot * 0.15
        y0 = bottom - (bottom - top) * value / peak
        if value > 0:
            draw.rectangle((x0, y0, x1, bottom), fill=color)
            text = fmt(value)
            draw.text(((x0 + x1) / 2, y0 - 4), text, font=small, fill=INK, anchor="md")
        face = small if text_width(draw, label, small) < slot - 4 else tiny
        draw.text(((x0 + x1) / 2, bottom + 8), label, font=face, fill=MUTED, anchor="ma")


def hbars(
    draw: ImageDraw.ImageDraw,
    box: Box,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    fonts: tuple[Font, Font, Font],
    color: tuple[int, int, int],
    peak: float | None = None,
    fmt: Callable[[float], str] = lambda v: f"{v:.0f}",
    notes: Sequence[str] | None = None,
) -> None:
    """Horizontal bars, one line per label (at most what fits), value at the bar's end."""
    title_font, small, _ = fonts
    left, top, right, bottom = _frame(draw, box, title, title_font)
    if not labels:
        return
    label_w = min(max(text_width(draw, label, small) for label in labels) + 16, (right - left) / 3)
    line = min(56.0, (bottom - top) / len(labels))
    top_value = peak or max([v or 0 for v in values] + [1e-9])
    span = right - left - label_w - (170 if notes is not None else 90)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * line
        if y + line > bottom + 1:
            break
        mid = y + line / 2
        label = fit(draw, label, small, label_w - 12)
        draw.text((left + label_w - 12, mid), label, font=small, fill=INK, anchor="rm")
        length = 0.0 if value is None else span * value / top_value
        draw.rectangle((left + label_w, y + line * 0.2, left + label_w + length, y + line * 0.8),
                       fill=color)  # fmt: skip
        text = "–" if value is None else fmt(value)
        if notes is not None:
            text = f"{text}  {notes[i]}"
        draw.text((left + label_w + length + 8, mid), text, font=small, fill=INK, anchor="lm")
