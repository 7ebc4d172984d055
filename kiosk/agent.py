"""The kiosk agent: follows this kiosk's print jobs, prints each at most once, reports every
result and the printer's status, and (with `--keys`) issues tickets from a button box and
checks in appointments whose code a USB scanner on the same input types (the code and Enter).

Jobs come from `GET /print-jobs?state=pending` (this kiosk's own jobs, the only place that
carries the ticket's public_id for the QR code): at once on a `print.requested` event for this
kiosk, after every (re)connect and every few seconds. The on-disk `PrintedStore` makes repeated
fetches harmless: a job id it knows is never printed again, only its result is reported again
until the server has it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from typing import TypeVar
from zoneinfo import ZoneInfo

from counter_client import ApiError, AsyncClient, EventStream, Unreachable
from kiosk.escpos_writer import Options
from kiosk.keys import keypresses
from kiosk.port import Outcome, PrinterPort
from kiosk.printers import parse_printer_url
from kiosk.render import render_ticket
from kiosk.settings import KioskSettings
from kiosk.status import Health
from kiosk.store import JobState, PrintedStore, default_state_dir
from server import protocol as p

log = logging.getLogger("hallq.kiosk")
T = TypeVar("T")


def fingerprint(job: p.PrintJob) -> str:
    """What tells one job from another with the same id in a restored database."""
    return f"{job.ticket_id}@{job.created_at.isoformat()}"


class KioskError(Exception):
    """The agent cannot run with this configuration (wrong token, not a kiosk)."""


def _retryable(exc: ApiError) -> bool:
    return isinstance(exc, Unreachable) or exc.status >= 500 or exc.status == 429


async def _back_off(delay: float) -> float:
    """Sleep about `delay` (jitter, so kiosks restarting together do not retry in lockstep);
    answer the next delay: doubled, at most 30 s."""
    await asyncio.sleep(delay * random.uniform(0.5, 1.0))
    return min(30.0, delay * 2)


class KioskAgent:
    def __init__(self, settings: KioskSettings, echo: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.printer_url = parse_printer_url(settings.printer)
        self.port = PrinterPort(
            self.printer_url, settings.profile, probe_timeout=settings.probe_timeout
        )
        self.options = Options(
            profile=settings.profile,
            cjk=settings.cjk,
            font=settings.font,
            width_px=settings.width_px,
        )
        self.client = AsyncClient(settings.server, settings.token)
        self.echo = echo or log.info
        self.kiosk_id = 0
        self.branch_id = 0
        self.tz: tzinfo | None = None
        self.store: PrintedStore | None = None
        self.installation = ""  # the database the store belongs to (`_open_store`)
        self.health: Health | None = None
        self.stream: EventStream | None = None
        self._jobs: asyncio.Queue[p.PrintJob] = asyncio.Queue()
        self._queued: set[int] = set()
        self._fetch_now = asyncio.Event()
        self._key_services: list[p.Service | None] | None = None
        self.unreported_results = 0  # results the server could not be told yet (monitoring)

    # ---- start ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled."""
        try:
            me = await self._until_done(self.client.me, "asking the server who this kiosk is")
            if me.kind != "device" or me.role != "kiosk" or not me.branch_ids:
                raise KioskError(
                    "the token is not a kiosk device token (hallq device add --kind kiosk)"
                )
            self.kiosk_id, self.branch_id = me.id, me.branch_ids[0]
            with contextlib.suppress(ApiError, KeyError, ValueError):
                branch = await self.client.branch(self.branch_id)
                self.tz = ZoneInfo(branch.timezone)
            self._open_store(
                await self._until_done(self.client.health, "asking the server's identity")
            )
            self.echo(
                f"kiosk {self.kiosk_id} (branch {self.branch_id}), printer {self.printer_url}"
            )
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._status_loop())
                tasks.create_task(self._print_loop())
                tasks.create_task(self._follow())
                tasks.create_task(self._poll_pending())
                if self.settings.keys:
                    tasks.create_task(self._keys_loop())
        finally:
            if self.stream is not None:
                await self.stream.close()
            await self.client.aclose()

    def _open_store(self, health: p.Health) -> None:
        """The printed-jobs memory of the server's database (`installation` in /healthz; the
        address for a server too old to tell) and this kiosk. Job ids are unique only within
        one database: another database behind the same address gets its own memory rather
        than this one's "already printed"."""
        installation = health.installation or f"url:{self.settings.server}"
        if self.store is not None and installation == self.installation:
            return
        if self.store is not None:
            self.echo("the server has another database now: its print jobs are new to this kiosk")
        self.installation = installation
        key = hashlib.sha256(installation.encode()).hexdigest()[:16]
        state_dir = self.settings.state_dir or default_state_dir()
        self.store = PrintedStore(state_dir / f"printed-{key}-kiosk{self.kiosk_id}.json")

    async def _until_done(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        """Retry while the server is unreachable (backoff with jitter, at most 30 s apart)."""
        delay = 0.5
        while True:
            try:
                return await call()
            except ApiError as exc:
                if not _retryable(exc):
                    raise KioskError(f"{what}: {exc}") from exc
                log.warning("%s: %s; retrying in %.1f s", what, exc, delay)
            delay = await _back_off(delay)

    # ---- printer status -------------------------------------------------------------------

    async def _status_loop(self) -> None:
        while True:
            await self._report_health(await asyncio.to_thread(self.port.probe))
            await asyncio.sleep(self.settings.status_interval)

    async def _report_health(self, health: Health) -> None:
        if health != self.health:
            state = "ready" if health.ready else "NOT READY"
            self.echo(
                f"printer {state}: online={health.online} paper={health.paper} "
                f"{health.detail or ''}".rstrip()
            )
        self.health = health
        try:
            await self.client.report_printer_status(
                self.kiosk_id, health.online, health.paper, health.detail
            )
        except ApiError as exc:
            log.warning("printer status not reported: %s", exc)

    # ---- jobs -----------------------------------------------------------------------------

    def _enqueue(self, job: p.PrintJob) -> None:
        if job.kiosk_id != self.kiosk_id or job.id in self._queued:
            return
        self._queued.add(job.id)
        self._jobs.put_nowait(job)

    def _mine(self, data: dict[str, object]) -> bool:
        job = data.get("job")
        return isinstance(job, dict) and job.get("kiosk_id") == self.kiosk_id

    async def _follow(self) -> None:
        """The event stream: print.requested for this kiosk; a snapshot or a reconnect means
        events may have been missed, so the pending list is fetched again."""
        self.stream = EventStream(self.settings.server, self.branch_id, self.settings.token)
        seen_reconnects = 0
        try:
            async for event in self.stream:
                if event.type == "snapshot" or self.stream.reconnects != seen_reconnects:
                    seen_reconnects = self.stream.reconnects
                    self._fetch_now.set()
                if event.type == "print.requested" and self._mine(event.data):
                    # events carry no public_id (API.md, "Limits and privacy"): the job to
                    # print, with its QR code, comes from this kiosk's own job list
                    self._fetch_now.set()
                elif event.type == "config.updated" and event.data.get("what") == "service":
                    self._key_services = None
        except ApiError as exc:
            raise KioskError(f"event stream refused: {exc}") from exc

    async def _poll_pending(self) -> None:
        interval = min(self.settings.status_interval, 30.0)
        delay = 0.5
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._fetch_now.wait(), interval)
            self._fetch_now.clear()
            try:
                self._open_store(await self.client.health())  # a restart may bring another db
                jobs = await self.client.print_jobs(state="pending")
            except ApiError as exc:
                log.warning("pending print jobs not fetched: %s", exc)
                delay = await _back_off(delay)
                self._fetch_now.set()
                continue
            delay = 0.5
            for job in jobs:
                self._enqueue(job)
            assert self.store is not None
            pending = {job.id for job in jobs}
            for job_id in self.store.unreported():
                if job_id not in pending and job_id not in self._queued:
                    await self._report_result(job_id)

    async def _print_loop(self) -> None:
        while True:
            job = await self._jobs.get()
            try:
                await self._handle(job)
            except Exception:
                log.exception("print job %d", job.id)
            finally:
                self._queued.discard(job.id)

    async def _mark(self, job: p.PrintJob, state: JobState, error: str | None = None) -> None:
        """Record a job's state in the printed-jobs file, in a worker thread (it fsyncs)."""
        assert self.store is not None
        await asyncio.to_thread(self.store.mark, job.id, state, error, fingerprint(job))

    async def _handle(self, job: p.PrintJob) -> None:
        assert self.store is not None
        record = self.store.get(job.id)
        if record is not None and record.job and record.job != fingerprint(job):
            # Same id, another job: the database was restored from a backup (its identity is
            # the same): what this id meant before is history.
            self.echo(f"job {job.id} is a new job ({job.ticket.number}): database restored?")
            record = None
        if record is None:
            now = datetime.now(UTC)
            age = (now - job.created_at).total_seconds()
            if now >= job.expires_at or age > self.settings.job_max_age_s:
                # The server's print_job_ttl_s (or our own cap) has passed: the customer has
                # gone or been served (a job that waited in our queue behind a slow printer).
                await self._mark(job, "failed", "expired")
                self.echo(f"{job.ticket.number}: NOT printed (expired, {int(age)} s old)")
            else:
                # before the first byte: never printed twice
                await self._mark(job, "printing")
                outcome = await self._print(job)
                await self._mark(job, "printed" if outcome.ok else "failed", outcome.error)
                self.echo(
                    f"{job.ticket.number}: "
                    + ("printed" if outcome.ok else f"NOT printed ({outcome.error})")
                )
                await self._report_health(outcome.health)
        elif record.state == "printing":
            stopped = "interrupted: the kiosk agent stopped while printing"
            await self._mark(job, "failed", stopped)
        await self._report_result(job.id)

    async def _print(self, job: p.PrintJob) -> Outcome:
        try:
            data = await asyncio.to_thread(render_ticket, job, self.options, self.tz)
        except Exception as exc:
            log.exception("rendering ticket %s", job.ticket.number)
            return Outcome(False, f"render failed: {exc}"[:500], self.health or Health(True))
        return await asyncio.to_thread(self.port.print, data)

    async def _report_result(self, job_id: int) -> None:
        assert self.store is not None
        record = self.store.get(job_id)
        if record is None or record.state == "printing":
            return
        try:
            await self.client.report_print_result(
                job_id,
                record.state == "printed",
                record.error,
                idempotency_key=f"kiosk{self.kiosk_id}-job{job_id}-{record.state}",
            )
        except ApiError as exc:
            if _retryable(exc):
                log.warning("result of job %d not reported yet: %s", job_id, exc)
                self.unreported_results += 1
                return
            log.warning("result of job %d refused: %s", job_id, exc)  # final already, or gone
        await asyncio.to_thread(self.store.reported, job_id)

    # ---- button box -----------------------------------------------------------------------

    async def _services_for_keys(self) -> list[p.Service | None]:
        if self._key_services is None:
            services = await self.client.services(self.branch_id)
            chosen: list[p.Service | None] = []
            for wanted in (w.strip() for w in self.settings.keys.split(",") if w.strip()):
                match = [
                    s
                    for s in services
                    if s.active
                    and (s.prefix.upper() == wanted.upper() or s.code.lower() == wanted.lower())
                ]
                if not match:
                    self.echo(f"no active service {wanted!r} in branch {self.branch_id}")
                chosen.append(match[0] if match else None)
            self._key_services = chosen
        return self._key_services

    async def _keys_loop(self) -> None:
        services = await self._until_done(self._services_for_keys, "loading services")
        names = ", ".join(
            f"{i} = {s.prefix} {s.name.get('zh-CN') or s.code}"
            for i, s in enumerate(services, 1)
            if s
        )
        self.echo(f"button box ready: {names}")
        keys: asyncio.Queue[str] = asyncio.Queue()
        with keypresses(asyncio.get_running_loop(), keys):
            while (first := await keys.get()) != "":
                typed, entered = await _burst(keys, first)
                if entered:  # a scanner: the code and Enter
                    if len(typed) >= SCAN_MIN:
                        await self._check_in(typed)
                    continue
                for key in typed:  # buttons, one key each (a few pressed at once: in turn)
                    await self._button(services, key)

    async def _button(self, services: list[p.Service | None], key: str) -> None:
        """Key n of the box: a ticket of the n-th service of `--keys`; other keys do nothing."""
        if not key.isdigit() or not 1 <= int(key) <= len(services):
            return
        try:
            service = (await self._services_for_keys())[int(key) - 1]
        except ApiError as exc:
            self.echo(f"key {key}: services not loaded ({exc.code})")
            return
        if service is not None:
            await self._issue(service)

    async def _check_in(self, code: str) -> None:
        """A scanned appointment code: its ticket, printed here like any other."""
        key = str(uuid.uuid4())
        for attempt in range(5):
            try:
                ticket = await self.client.check_in(code, kiosk_id=self.kiosk_id,
                                                    idempotency_key=key)  # fmt: skip
            except ApiError as exc:
                if _retryable(exc) and attempt < 4:
                    await asyncio.sleep(0.5 * 2**attempt)
                    continue
                self.echo(f"appointment {code}: no ticket ({exc.code}: {exc.detail})")
                return
            self.echo(f"appointment checked in: ticket {ticket.number}")
            return

    async def _issue(self, service: p.Service) -> None:
        """One ticket per keypress: the same Idempotency-Key on every retry."""
        key = str(uuid.uuid4())
        for attempt in range(5):
            try:
                ticket = await self.client.issue_ticket(
                    service.id, channel="kiosk", kiosk_id=self.kiosk_id, idempotency_key=key
                )
            except ApiError as exc:
                if _retryable(exc) and attempt < 4:
                    await asyncio.sleep(0.5 * 2**attempt)
                    continue
                self.echo(f"{service.prefix}: no ticket ({exc.code}: {exc.detail})")
                return
            self.echo(f"ticket {ticket.number} issued")
            return


SCAN_GAP_S = 0.1
"""A barcode or QR scanner types a code and Enter with a few ms between keys; a button of the
box is one key alone (or a few pressed together, without Enter)."""
SCAN_MIN = 6


async def _burst(keys: asyncio.Queue[str], first: str) -> tuple[str, bool]:
    """The keys typed right after `first` (each within SCAN_GAP_S of the last), and whether
    they ended with Enter (a scan)."""
    typed = first
    while True:
        try:
            key = await asyncio.wait_for(keys.get(), SCAN_GAP_S)
        except TimeoutError:
            return typed, False
        if key in ("\r", "\n"):
            return typed, True
        if key == "":
            keys.put_nowait("")  # stdin closed: the loop ends after these keys
            return typed, False
        typed += key
