"""The printer as the agent uses it: one operation at a time (a lock), a fresh connection per
operation, status probed before and after every print. Blocking: call it from a thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from kiosk.printers import PrinterError, PrinterUrl, close_printer, open_printer, send
from kiosk.status import Health, probe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str | None
    health: Health


class PrinterPort:
    def __init__(
        self,
        url: PrinterUrl,
        profile: str | None = None,
        *,
        probe_timeout: float = 1.0,
        io_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.profile = profile
        self.probe_timeout = probe_timeout
        self.io_timeout = io_timeout
        self._lock = threading.Lock()

    def probe(self) -> Health:
        with self._lock:
            try:
                device = open_printer(self.url, self.profile, self.io_timeout)
            except PrinterError as exc:
                return Health.unreachable(f"unreachable: {exc}")
            try:
                return probe(device, answers=self.url.answers_status, timeout=self.probe_timeout)
            finally:
                close_printer(device)

    def print(self, data: bytes) -> Outcome:
        """Print only when the printer says it is ready; a problem seen after printing makes the
        job failed too (the customer then gets the number on screen: better twice than never)."""
        with self._lock:
            try:
                device = open_printer(self.url, self.profile, self.io_timeout)
            except PrinterError as exc:
                health = Health.unreachable(f"unreachable: {exc}")
                return Outcome(False, health.detail, health)
            try:
                answers = self.url.answers_status
                before = probe(device, answers=answers, timeout=self.probe_timeout)
                if not before.ready:
                    return Outcome(False, before.detail or "printer not ready", before)
                send(device, data)
                # The printer answers after it has taken the ticket into its buffer: allow for it.
                after = probe(
                    device, answers=answers, timeout=max(self.probe_timeout, self.io_timeout)
                )
                if not after.ready:
                    return Outcome(False, f"after printing: {after.detail}", after)
                log.info("printed %d bytes on %s", len(data), self.url)
                return Outcome(True, None, after)
            except PrinterError as exc:
                health = Health.unreachable(str(exc))
                return Outcome(False, health.detail, health)
            finally:
                close_printer(device)
