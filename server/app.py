"""create_app(settings): nothing is built at import time, so each test builds its own app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from functools import partial

import anyio.to_thread
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server import __version__
from server.alerts.engine import Evaluator, Pokes
from server.alerts.router import router as alerts_router
from server.appointments import sweep as appointments_sweep
from server.appointments.router import router as appointments_router
from server.appraisal.router import router as appraisal_router
from server.audit import service as audit
from server.audit.router import router as audit_router
from server.audit.sealer import Sealer, settle
from server.auth.deps import AppState
from server.auth.router import router as auth_router
from server.auth.service import purge_expired
from server.complaints.router import router as complaints_router
from server.core import http_errors as errors
from server.core import installation, memory
from server.core.bus import bus_from_url
from server.core.clock import Clock, utc_now
from server.core.edge import Edge
from server.core.engine import Database
from server.core.hub import EventHub
from server.core.logs import install_redaction
from server.core.migrate import is_current
from server.core.publisher import BusPublisher
from server.core.settings import Settings
from server.counters.router import router as counters_router
from server.halls.router import router as config_router
from server.health import router as health_router
from server.printing import expiry
from server.printing.router import router as print_router
from server.public.router import router as public_router
from server.regions.router import router as regions_router
from server.results.router import router as results_router
from server.speech.router import router as speech_router
from server.stats import rollup
from server.stats.router import router as stats_router
from server.stream.router import router as stream_router
from server.stream.service import fetch_events
from server.tickets.closeout import CloseOut
from server.tickets.router import router as tickets_router
from server.web import pages
from server.webhooks.dispatcher import Dispatcher
from server.webhooks.router import router as webhooks_router

log = logging.getLogger(__name__)
HOUSEKEEPING_S = 3600


class DatabaseNotMigrated(RuntimeError):
    pass


GC_THRESHOLDS = (50_000, 20, 100)
"""The collector's generation thresholds while serving (Python's default: 700, 10, 10)."""


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_redaction()  # the server's loggers are configured by now (uvicorn.run)
        if not await asyncio.to_thread(is_current, settings.database_url):
            raise DatabaseNotMigrated(
                "the database schema is not up to date: run `hallq db upgrade` first"
            )
        db = Database(settings.database_url, max_exports=settings.max_exports,
                      pool_size=settings.database_pool)  # fmt: skip
        bus = bus_from_url(settings.bus_url)
        namespace = await asyncio.to_thread(db.identity)
        hub = EventHub(partial(fetch_events, db), settings.subscriber_queue, namespace)
        state = AppState(settings=settings, db=db, bus=bus, hub=hub, clock=clock)
        pokes = Pokes(hub, namespace)  # committed events also wake the alerts' evaluator
        state.publisher = BusPublisher(bus, asyncio.get_running_loop(), namespace, pokes.deliver)
        await bus.connect(pokes.on_message, hub.resync)
        app.state.hallq = state
        await asyncio.to_thread(installation.ensure, state.ctx())
        if settings.worker_threads:
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        housekeeping = asyncio.create_task(_housekeeping(state))
        trimming = asyncio.create_task(memory.trim_every(settings.memory_trim_s))
        rollups = rollup.Background(state.ctx)  # statistics of closed days, stored
        # the events stored join the audit chain within a second, in batches
        sealing = Sealer(state.ctx)
        print_jobs = expiry.sweeper(state.ctx)  # print jobs not printed in time expire
        missed = appointments_sweep.sweeper(state.ctx)  # bookings past their window: missed
        # alerts, whether or not anyone watches; devices' heartbeats
        app.state.alerts = evaluator = Evaluator(
            state.ctx, settings.alerts_interval_s, state.seen, run=settings.alerts_evaluate,
            sweep_s=settings.alerts_sweep_s,
        )  # fmt: skip
        pokes.listener = evaluator.poke
        dispatcher = Dispatcher(state.ctx)  # webhook deliveries from the outbox
        # tickets left over when a business day ends (and days missed while down)
        close_out = CloseOut(state.ctx) if settings.day_close else None
        # What exists now (modules, routes, schemas, engines) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise walk it all (measured:
        # ~130 ms pauses under load, the whole p99 of issuing).
        gc.freeze()
        # And collect the young less often: at the default 700 allocations a busy server
        # collected many times a second, every request's objects in flight outlived two young
        # collections and reached the old generation, and full passes over it (3,000 display
        # sockets hold ~30 coroutine frames each) came every few seconds and took 300–460 ms:
        # the whole p99 of call → display in the scale-out bench (429 ms; 72 ms after).
        thresholds = gc.get_threshold()
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            yield
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
            await rollups.stop()
            await print_jobs.stop()
            await missed.stop()
            await evaluator.stop()
            await dispatcher.stop()
            if close_out is not None:
                await close_out.stop()
            await sealing.stop()  # last, and once more: what the others stored at the end
            try:
                await asyncio.to_thread(settle, state.ctx())
            except Exception:  # the next start seals them: say so, and stop anyway
                log.exception("sealing the audit trail at the stop failed")
            for task in (housekeeping, trimming):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await bus.disconnect()
            db.dispose()

    app = FastAPI(
        title="hallq",
        version=__version__,
        description="Queue-number and counter-calling system for service halls (叫号系统).",
        lifespan=lifespan,
    )
    errors.install(app)
    # Routes are matched in order: the busiest (issuing, counter actions) go first.
    for router in (
        tickets_router, counters_router, health_router, auth_router, config_router, stream_router,
        print_router, stats_router, audit_router, appraisal_router, speech_router,
        complaints_router, regions_router, alerts_router, webhooks_router, results_router,
        appointments_router, public_router,
    ):  # fmt: skip
        app.include_router(router)
    pages.install(app)
    app.add_middleware(Edge, max_body_bytes=settings.max_body_bytes)
    if proxies := trusted_hosts(settings.trusted_proxies):
        # Outermost: the client address is the proxy's report before anything reads it.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app


def trusted_hosts(setting: str) -> list[str]:
    return [host.strip() for host in setting.split(",") if host.strip()]


async def _housekeeping(state: AppState) -> None:
    while True:
        try:
            await asyncio.to_thread(purge_expired, state.ctx())
            years = state.settings.audit_retention_years
            await asyncio.to_thread(audit.purge, state.ctx(), years)
            await asyncio.to_thread(appointments_sweep.anonymise, state.ctx())
        except Exception:
            log.exception("housekeeping failed")
        await asyncio.sleep(HOUSEKEEPING_S)
