"""A CJK font on this machine for `--cjk image`: fontconfig's choice for the language, else a
few well-known files (Debian Noto CJK, WenQuanYi, Windows YaHei, macOS PingFang)."""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

log = logging.getLogger(__name__)
KNOWN: tuple[tuple[str, dict[str, int]], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", {"zh-CN": 2, "zh-TW": 3}),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", {"zh-CN": 2, "zh-TW": 3}),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", {}),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", {}),
    ("C:/Windows/Fonts/msyh.ttc", {}),
    ("C:/Windows/Fonts/simhei.ttf", {}),
    ("/System/Library/Fonts/PingFang.ttc", {}),
)
FC_LANG = {"zh-CN": "zh-cn", "zh-TW": "zh-tw", "en": "zh-cn"}


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0


class FontNotFound(Exception):
    """No font with Chinese glyphs was found; give one with --font."""


@functools.cache
def find_cjk_font(locale: str = "zh-CN", override: str | None = None) -> FontFile:
    """The font file for `locale` (traditional glyph shapes for zh-TW where the file has them)."""
    if override:
        path, _, index = override.partition("#")
        return FontFile(path, int(index or 0))
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}|%{index}", f"sans-serif:lang={FC_LANG[locale]}"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
            path, _, index = out.partition("|")
            if path and Path(path).exists() and _has_cjk(FontFile(path, int(index or 0))):
                return FontFile(path, int(index or 0))
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            log.warning("fc-match failed: %s", exc)
    for path, indexes in KNOWN:
        if Path(path).exists():
            return FontFile(path, indexes.get(locale, indexes.get("zh-CN", 0)))
    raise FontNotFound("no CJK font found: install fonts-noto-cjk or pass --font /path/font.ttc")


def _has_cjk(font: FontFile) -> bool:
    from PIL import ImageFont

    try:
        face = ImageFont.truetype(font.path, 24, index=font.index)
    except OSError:
        return False
    # A font without these glyphs draws the same ".notdef" box for both characters.
    return _glyph(face, "号") != _glyph(face, "龘")


def _glyph(face: FreeTypeFont, char: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (32, 32), 0)
    ImageDraw.Draw(image).text((0, 0), char, font=face, fill=255)
    return image.tobytes()


@functools.cache
def load(font: FontFile, size: int) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(font.path, size, index=font.index)
