"""Builds the bytes of a printout with python-escpos' commands (an in-memory `Dummy` printer with
the real printer's profile), plus the two things its own text path gets wrong for Chinese:

- Native mode sends `FS &` (Kanji/Chinese mode on), the line encoded by us in GB18030, GBK or
  Big5, then `FS .` (off). python-escpos' `text()` sends GB18030 without `FS &` and turns
  full-width punctuation into "?". A line the codec cannot encode (simplified characters in Big5)
  is printed as an image instead, so nothing comes out as "?".
- Image mode draws every line that is not plain ASCII with a CJK font (Pillow) and prints it as a
  `GS v 0` raster image, which every ESC/POS printer understands.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kiosk.fonts import FontFile, find_cjk_font, load
from kiosk.printers import DEFAULT_WIDTH_PX

if TYPE_CHECKING:
    from PIL.Image import Image

Cjk = Literal["gb18030", "gbk", "big5", "image"]
Align = Literal["left", "center"]
FS_KANJI_ON = b"\x1c\x26"
FS_KANJI_OFF = b"\x1c\x2e"
DOT_W = 12  # font A: 12 x 24 dots; a Chinese character is 24 x 24
RASTER_ROWS = 256  # rows per GS v 0 block (cheap printers choke on taller ones)


@dataclass(frozen=True)
class Options:
    profile: str | None = None
    cjk: Cjk = "gb18030"
    font: str | None = None  # path[#index] of a CJK font for image mode
    width_px: int | None = None  # printable dots; default from the profile


def display_width(text: str) -> int:
    """Columns of font A: wide (CJK, full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_columns(text: str, columns: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if line and display_width(line + char) > columns:
                if char == " ":
                    lines.append(line)
                    line = ""
                    continue
                cut = line.rfind(" ")
                if cut > 0 and line.isascii():
                    lines.append(line[:cut])
                    line = line[cut + 1 :]
                else:
                    lines.append(line)
                    line = ""
            line += char
        lines.append(line.rstrip())
    return lines


class Writer:
    """Accumulates one printout. `output()` gives the bytes to send in one write."""

    def __init__(self, options: Options, locale: str = "zh-CN") -> None:
        from escpos.printer import Dummy

        from kiosk.printers import profile_width_px

        self.options = options
        self.locale = locale
        self.printer = Dummy(profile=options.profile)
        self.width_px = options.width_px or profile_width_px(self.printer) or DEFAULT_WIDTH_PX
        self.width_px -= self.width_px % 8
        self._font: FontFile | None = None
        self.printer._raw(b"\x1b\x40")  # ESC @: a known state whatever the last job left

    # -- capabilities ---------------------------------------------------------------------
    @property
    def native_qr(self) -> bool:
        return bool(self.printer.profile.supports("qrCode"))

    @property
    def can_cut(self) -> bool:
        profile = self.printer.profile
        return bool(profile.supports("paperFullCut") or profile.supports("paperPartCut"))

    def columns(self, size: int = 1) -> int:
        return self.width_px // (DOT_W * size)

    # -- text -----------------------------------------------------------------------------
    def line(self, text: str, *, size: int = 1, align: Align = "left", bold: bool = False) -> None:
        """One logical line, wrapped to the paper width; CJK as configured."""
        size = max(1, min(8, size))
        if self.options.cjk == "image" and not text.isascii():
            self._image_text(text, size=size, align=align, bold=bold)
            return
        for part in wrap_columns(text, self.columns(size)):
            self._text_line(part, size=size, align=align, bold=bold)

    def _text_line(self, text: str, *, size: int, align: Align, bold: bool) -> None:
        if text.isascii():
            payload = text.encode("ascii")
        else:
            codec = self.options.cjk if self.options.cjk != "image" else "gb18030"
            try:
                payload = FS_KANJI_ON + text.encode(codec) + FS_KANJI_OFF
            except UnicodeEncodeError:  # e.g. simplified characters on a Big5 printer
                self._image_text(text, size=size, align=align, bold=bold)
                return
        self.printer.set(align=align, bold=bold, custom_size=True, width=size, height=size)
        self.printer._raw(payload + b"\n")
        self.printer.set(bold=False, custom_size=True, width=1, height=1)

    def _image_text(self, text: str, *, size: int, align: Align, bold: bool) -> None:
        from PIL import Image, ImageDraw

        if self._font is None:
            self._font = find_cjk_font(self.locale, self.options.font)
        face = load(self._font, 24 * size)
        lines = self._wrap_pixels(text, face)
        ascent, descent = face.getmetrics()
        height = ascent + descent + 2 * size
        image = Image.new("L", (self.width_px, height * len(lines)), 255)
        draw = ImageDraw.Draw(image)
        for row, part in enumerate(lines):
            width = draw.textlength(part, font=face)
            x = (self.width_px - width) / 2 if align == "center" else 0
            draw.text(
                (x, row * height + size),
                part,
                font=face,
                fill=0,
                stroke_width=1 if bold else 0,
                stroke_fill=0,
            )
        self.image(image)

    def _wrap_pixels(self, text: str, face: object) -> list[str]:
        from PIL.ImageFont import FreeTypeFont

        assert isinstance(face, FreeTypeFont)
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line = ""
            for char in paragraph:
                if line and face.getlength(line + char) > self.width_px:
                    lines.append(line)
                    line = ""
                line += char
            lines.append(line)
        return lines

    # -- graphics -------------------------------------------------------------------------
    def image(self, image: Image) -> None:
        """Print a picture as `GS v 0` raster blocks (1 bit, dark pixels printed)."""
        from PIL import Image as PILImage

        gray = image.convert("L")
        if gray.width > self.width_px:
            ratio = self.width_px / gray.width
            gray = gray.resize((self.width_px, max(1, round(gray.height * ratio))))
        if gray.width % 8:
            padded = PILImage.new("L", (gray.width + 8 - gray.width % 8, gray.height), 255)
            padded.paste(gray, (0, 0))
            gray = padded
        bits = gray.point(lambda v: 255 if v >= 128 else 0).convert("1")
        data = bytes(b ^ 0xFF for b in bits.tobytes())  # PIL: 1 = white; ESC/POS: 1 = dot
        row_bytes = gray.width // 8
        self.printer.set(align="left")
        for top in range(0, gray.height, RASTER_ROWS):
            rows = min(RASTER_ROWS, gray.height - top)
            block = data[top * row_bytes : (top + rows) * row_bytes]
            header = b"\x1dv0\x00" + row_bytes.to_bytes(2, "little") + rows.to_bytes(2, "little")
            self.printer._raw(header + block)

    def qr(self, payload: str, *, module_px: int = 6) -> None:
        """A QR code, centred: the printer's own (GS ( k) when the profile has it, else raster."""
        if self.native_qr:
            from escpos.constants import QR_ECLEVEL_M

            self.printer.set(align="center")
            self.printer.qr(payload, ec=QR_ECLEVEL_M, size=module_px, native=True)
            self.printer._raw(b"\n")
            self.printer.set(align="left")
            return
        self.image(self.qr_image(payload, module_px=module_px))

    def qr_image(self, payload: str, *, module_px: int) -> Image:
        import qrcode  # type: ignore[import-untyped]
        from PIL import Image as PILImage

        code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(payload)
        code.make(fit=True)
        modules = code.modules_count + 2 * code.border
        box = max(1, min(module_px, (self.width_px * 2 // 3) // modules))
        code.box_size = box
        matrix = code.make_image().get_image().convert("L")
        canvas = PILImage.new("L", (self.width_px, matrix.height), 255)
        canvas.paste(matrix, ((self.width_px - matrix.width) // 2, 0))
        return canvas

    # -- paper ----------------------------------------------------------------------------
    def feed(self, lines: int = 1) -> None:
        self.printer._raw(b"\x1bd" + bytes((max(0, min(255, lines)),)))

    def finish(self) -> None:
        """Feed past the cutter and cut when the printer has one."""
        if self.can_cut:
            self.printer.cut()
        else:
            self.feed(6)

    def output(self) -> bytes:
        return bytes(self.printer.output)
