"""A decoder of ESC/POS bytes: text runs (ASCII, and `FS &` runs in the codec), QR payloads
(`GS ( k`), raster images (`GS v 0`, decoded with zxing-cpp when they hold a QR code) and cuts
(`GS V`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ---- decoding ---------------------------------------------------------------------------


DLE_EOT = b"\x10\x04"  # a status query (DLE EOT n): not printed


@dataclass
class Raster:
    width: int  # dots
    height: int
    data: bytes
    continues: bool = False  # directly follows another raster block (same picture)

    def image(self) -> Any:
        from PIL import Image

        row = self.width // 8
        inverted = bytes(b ^ 0xFF for b in self.data[: row * self.height])
        return Image.frombytes("1", (self.width, self.height), inverted).convert("L")


@dataclass
class Decoded:
    texts: list[str] = field(default_factory=list)  # each printed line, decoded
    kanji: list[str] = field(default_factory=list)  # lines that came inside FS & … FS .
    qr_codes: list[str] = field(default_factory=list)  # GS ( k payloads
    rasters: list[Raster] = field(default_factory=list)  # GS v 0 blocks
    cuts: int = 0
    status_queries: list[int] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.texts)

    def raster_images(self) -> list[Any]:
        """The raster blocks glued into pictures (consecutive blocks of one width form one)."""
        from PIL import Image

        pictures: list[Any] = []
        groups: list[list[Raster]] = []
        for block in self.rasters:
            if groups and groups[-1][-1].width == block.width and block.continues:
                groups[-1].append(block)
            else:
                groups.append([block])
        for group in groups:
            height = sum(b.height for b in group)
            canvas = Image.new("L", (group[0].width, height), 255)
            top = 0
            for b in group:
                canvas.paste(b.image(), (0, top))
                top += b.height
            pictures.append(canvas)
        return pictures

    def raster_qr_codes(self) -> list[str]:
        import zxingcpp

        found: list[str] = []
        for picture in self.raster_images():
            found += [r.text for r in zxingcpp.read_barcodes(picture)]
        return found


class StreamParser:
    """Incremental: yields the n of each `DLE EOT n` found at a command boundary."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> list[int]:
        self.buffer += chunk
        found: list[int] = []
        i = 0
        buf = self.buffer
        while i < len(buf):
            size = command_length(buf, i)
            if size is None:  # incomplete: wait for more bytes
                break
            if buf[i : i + 2] == DLE_EOT:
                found.append(buf[i + 2])
            i += size
        del self.buffer[:i]
        return found


def command_length(buf: bytes | bytearray, i: int) -> int | None:
    """Length of the command starting at i (1 for a plain byte), None if it is cut off."""
    b = buf[i]
    need: int
    if b == 0x10:  # DLE EOT n
        need = 3 if buf[i + 1 : i + 2] == b"\x04" or i + 1 >= len(buf) else 1
    elif b == 0x1B:  # ESC x [n]
        if i + 1 >= len(buf):
            return None
        need = 2 if buf[i + 1] == 0x40 else 3
    elif b == 0x1C:  # FS & / FS . / FS ! n
        if i + 1 >= len(buf):
            return None
        need = 3 if buf[i + 1] == 0x21 else 2
    elif b == 0x1D:
        if i + 1 >= len(buf):
            return None
        op = buf[i + 1]
        if op == 0x76:  # GS v 0 m xL xH yL yH data
            if i + 8 > len(buf):
                return None
            need = 8 + (buf[i + 4] | buf[i + 5] << 8) * (buf[i + 6] | buf[i + 7] << 8)
        elif op == 0x28:  # GS ( x pL pH data
            if i + 5 > len(buf):
                return None
            need = 5 + (buf[i + 3] | buf[i + 4] << 8)
        elif op == 0x56:  # GS V m [n]
            if i + 3 > len(buf):
                return None
            need = 4 if buf[i + 2] in (65, 66) else 3
        else:
            need = 3
    else:
        need = 1
    return need if i + need <= len(buf) else None


def decode(data: bytes, codec: str = "gb18030") -> Decoded:
    """Walk the commands; collect printed lines, QR payloads, rasters and cuts."""
    out = Decoded()
    line = bytearray()
    kanji = False
    had_kanji = False
    last_was_raster = False

    def flush() -> None:
        nonlocal had_kanji
        text = line.decode(codec, errors="replace")
        out.texts.append(text)
        if had_kanji:
            out.kanji.append(text)
        line.clear()
        had_kanji = False

    i = 0
    while i < len(data):
        size = command_length(data, i)
        if size is None:
            break
        chunk = data[i : i + size]
        is_raster = False
        if chunk[:2] == DLE_EOT:
            out.status_queries.append(chunk[2])
        elif chunk == b"\x1c\x26":
            kanji = had_kanji = True
        elif chunk == b"\x1c\x2e":
            kanji = False
        elif chunk[:2] == b"\x1dv":
            width, height = (chunk[4] | chunk[5] << 8) * 8, chunk[6] | chunk[7] << 8
            out.rasters.append(Raster(width, height, bytes(chunk[8:]), last_was_raster))
            is_raster = True
        elif chunk[:3] == b"\x1d(k" and chunk[5:7] == b"1P":  # store QR data: cn=49 fn=80 m=48
            out.qr_codes.append(bytes(chunk[8:]).decode("utf-8"))
        elif chunk[:2] == b"\x1dV":
            out.cuts += 1
        elif size == 1 and chunk == b"\n":
            flush()
        elif size == 1 and (chunk[0] >= 0x20 or kanji):
            line += chunk
        last_was_raster = is_raster
        i += size
    if line:
        flush()
    out.texts = [t for t in out.texts if t.strip()]
    return out


def split_cuts(data: bytes) -> list[Decoded]:
    """Decode each printout (the bytes up to and including each cut) separately."""
    pieces: list[bytes] = []
    start = i = 0
    while i < len(data):
        size = command_length(data, i)
        if size is None:
            break
        if data[i : i + 2] == b"\x1dV":
            pieces.append(data[start : i + size])
            start = i + size
        i += size
    if start < len(data):
        pieces.append(data[start:])
    return [decode(piece) for piece in pieces]
