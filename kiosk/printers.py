"""Printers by URL: `tcp://host:9100`, `usb://VID:PID`, `serial:///dev/ttyUSB0?baud=9600`,
`file:///path`, `dummy:`.

python-escpos owns the connection and the ESC/POS commands; this module parses the URL, opens a
fresh connection per use (a printer that was switched off or unplugged is simply opened again
next time) and gives the status probe a raw, short-timeout read on that connection.
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from escpos.escpos import Escpos

Scheme = Literal["tcp", "usb", "serial", "file", "dummy"]
DEFAULT_WIDTH_PX = 512  # fits every 80 mm printer; 58 mm printers have profiles saying 384


class PrinterError(Exception):
    """The printer could not be opened or written to (offline, unplugged, refused)."""


@dataclass(frozen=True)
class PrinterUrl:
    scheme: Scheme
    host: str = ""
    port: int = 9100
    vendor_id: int = 0
    product_id: int = 0
    path: str = ""
    baud: int = 9600

    def __str__(self) -> str:
        match self.scheme:
            case "tcp":
                return f"tcp://{self.host}:{self.port}"
            case "usb":
                return f"usb://{self.vendor_id:04x}:{self.product_id:04x}"
            case "serial":
                return f"serial://{self.path}?baud={self.baud}"
            case "file":
                return f"file://{self.path}"
            case _:
                return "dummy:"

    @property
    def answers_status(self) -> bool:
        """Whether the connection can read the printer's replies (file: and dummy: cannot)."""
        return self.scheme in ("tcp", "usb", "serial")


def parse_printer_url(url: str) -> PrinterUrl:
    """Parse a printer URL; raise ValueError with a readable message when it is malformed."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "dummy":
        return PrinterUrl("dummy")
    if scheme == "tcp":
        if not parts.hostname:
            raise ValueError(f"printer URL {url!r}: give tcp://host:9100")
        return PrinterUrl("tcp", host=parts.hostname, port=parts.port or 9100)
    if scheme == "usb":
        ids = (parts.netloc or parts.path.lstrip("/")).split(":")
        try:
            vendor, product = (int(x, 16) for x in ids)
        except ValueError:
            raise ValueError(
                f"printer URL {url!r}: give usb://VID:PID in hex, e.g. usb://0416:5011"
            ) from None
        return PrinterUrl("usb", vendor_id=vendor, product_id=product)
    if scheme in ("serial", "file"):
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError(f"printer URL {url!r}: give {scheme}:///dev/…")
        if scheme == "file":
            return PrinterUrl("file", path=path)
        query = parse_qs(parts.query)
        try:
            baud = int(query.get("baud", ["9600"])[0])
        except ValueError:
            raise ValueError(f"printer URL {url!r}: baud must be a number") from None
        return PrinterUrl("serial", path=path, baud=baud)
    raise ValueError(f"printer URL {url!r}: use tcp://, usb://, serial://, file:// or dummy:")


def check_profile(name: str | None) -> None:
    """Raise ValueError when `name` is not a python-escpos capabilities profile."""
    from escpos.capabilities import CAPABILITIES

    if name and name not in CAPABILITIES["profiles"]:
        known = ", ".join(sorted(CAPABILITIES["profiles"]))
        raise ValueError(f"unknown printer profile {name!r}; known profiles: {known}")


def open_printer(url: PrinterUrl, profile: str | None = None, timeout: float = 5.0) -> Escpos:
    """Open a connection to the printer; raise PrinterError when it is not there."""
    from escpos import printer as escpos_printer
    from escpos.exceptions import Error as EscposError

    try:
        device: Escpos
        match url.scheme:
            case "tcp":
                device = escpos_printer.Network(
                    url.host, url.port, timeout=timeout, profile=profile
                )
            case "usb":
                device = escpos_printer.Usb(
                    url.vendor_id, url.product_id, timeout=int(timeout * 1000), profile=profile
                )
            case "serial":
                device = escpos_printer.Serial(
                    url.path, baudrate=url.baud, timeout=timeout, profile=profile
                )
            case "file":
                device = escpos_printer.File(url.path, profile=profile)
            case _:
                device = escpos_printer.Dummy(profile=profile)
        if url.scheme == "file" and os.path.isfile(url.path):
            # A plain file collects every ticket: python-escpos opens it with "wb", which would
            # empty it on every status probe and print.
            device.device = open(url.path, "ab")  # noqa: SIM115 - closed by close_printer
        else:
            device.open()
    except (OSError, EscposError, RuntimeError) as exc:
        raise PrinterError(f"cannot open printer {url}: {' '.join(str(exc).split())}") from exc
    if url.scheme != "dummy" and not device.device:
        raise PrinterError(f"cannot open printer {url}")
    return device


def close_printer(device: Escpos) -> None:
    with contextlib.suppress(OSError, AttributeError):
        device.close()


def send(device: Escpos, data: bytes) -> None:
    """Write raw bytes; any failure of the connection becomes PrinterError."""
    from escpos.exceptions import Error as EscposError

    try:
        device._raw(data)
    except (OSError, EscposError, AssertionError, ValueError) as exc:
        raise PrinterError(f"printer write failed: {exc}") from exc


def read_reply(device: Escpos, timeout: float) -> bytes:
    """One reply from the printer within `timeout` seconds, or b"" (silence)."""
    conn: Any = device._device
    if not conn:
        return b""
    if isinstance(conn, socket.socket):
        conn.settimeout(timeout)
        try:
            return conn.recv(16)
        except (TimeoutError, BlockingIOError):
            return b""
        except OSError as exc:
            raise PrinterError(f"printer connection lost: {exc}") from exc
    try:
        if hasattr(conn, "timeout") and not callable(conn.timeout):  # pyserial
            conn.timeout = timeout
        return bytes(device._read() or b"")
    except NotImplementedError:
        return b""
    except Exception as exc:  # pyusb/pyserial raise their own types; a timeout is silence
        if "timeout" in str(exc).lower() or "timed out" in str(exc).lower():
            return b""
        raise PrinterError(f"printer read failed: {exc}") from exc


def drain(device: Escpos) -> None:
    """Drop bytes the printer sent unasked (late replies, automatic status), so a probe reads
    the answer to its own question."""
    conn: Any = device._device
    if not isinstance(conn, socket.socket):
        return
    conn.setblocking(False)
    try:
        while conn.recv(256):
            pass
    except (BlockingIOError, InterruptedError):
        pass
    except OSError as exc:
        raise PrinterError(f"printer connection lost: {exc}") from exc
    finally:
        conn.setblocking(True)


def profile_width_px(device: Escpos) -> int:
    """Printable width in dots from the profile, or a width every 80 mm printer can take."""
    try:
        pixels = device.profile.profile_data["media"]["width"]["pixels"]
        return int(pixels) // 8 * 8
    except (KeyError, TypeError, ValueError):
        return DEFAULT_WIDTH_PX


def supports(device: Escpos, feature: str) -> bool:
    return bool(device.profile.supports(feature))
