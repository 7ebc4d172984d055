"""The dispatcher: a task of each server process that sends the outbox's due deliveries.

It claims due rows through the writer (a lease: `next_attempt_at` moved past the attempt's
timeout; on PostgreSQL with FOR UPDATE SKIP LOCKED, so that the processes of one installation
never take the same row), posts them on the event loop (h11, server/webhooks/http.py), at most
`HALLQ_WEBHOOK_CONCURRENCY` at once and `PER_WEBHOOK` per receiver, and stores the answers in
batches. Nothing here runs inside a request: a receiver that hangs holds its own slots for at
most the timeout, never the writer or the issuing of tickets.

A process killed mid-send leaves its claimed rows leased; they are due again when the lease
ends, and are sent again (at least once: receivers de-duplicate by `X-Hallq-Delivery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from server.core.context import Ctx
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.webhooks import domain, http, wake
from server.webhooks import repository as repo
from server.webhooks.sealing import Unsealable
from server.webhooks.service import sealer

log = logging.getLogger(__name__)
POLL_S = 1.0
PER_WEBHOOK = 8
KEEP_DAYS = 7
PURGE_EVERY_S = 3600.0


class Dispatcher:
    def __init__(self, make_ctx: Callable[[], Ctx]) -> None:
        self.make_ctx = make_ctx
        ctx = make_ctx()
        self.timeout = ctx.settings.webhook_timeout_s
        self.capacity = ctx.settings.webhook_concurrency
        self.lease = timedelta(seconds=2 * self.timeout + 5)  # 25 s by default
        self.lock = not ctx.db.is_sqlite
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._in_flight: dict[int, int] = {}  # webhook id → deliveries being sent
        self._done: list[repo.Outcome] = []
        self._attempts: dict[int, tuple[int, datetime]] = {}  # claimed: attempts, created
        self._tasks: set[asyncio.Task[None]] = set()
        self._client = http.Client(allow=self._allow, timeout=self.timeout)
        self._runner = asyncio.create_task(self._run())
        wake.register(self.poke)

    def _allow(self) -> str:
        """The administrator's target list now (read at every attempt)."""
        return self.make_ctx().settings.webhook_allow

    def poke(self) -> None:
        """Due deliveries were just committed (any thread)."""
        with contextlib.suppress(RuntimeError):  # the loop is closing
            self._loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        wake.unregister(self.poke)
        self._runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._runner
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.close()

    async def _run(self) -> None:
        purged = self._loop.time()
        while True:
            try:
                await self._pass()
                if self._loop.time() - purged > PURGE_EVERY_S:
                    purged = self._loop.time()
                    await asyncio.to_thread(write, self.make_ctx(), _purger())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook dispatcher: a pass failed; trying again")
                await asyncio.sleep(POLL_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            # Cleared before the pass: a poke or an answer during the pass wakes the next one.
            self._wake.clear()

    async def _pass(self) -> None:
        """Store the answers received so far and claim what the free slots can take, in one
        transaction of the writer (one commit, one fsync on SQLite)."""
        done, self._done = self._done, []
        free = self.capacity - sum(self._in_flight.values())
        busy = [w for w, n in self._in_flight.items() if n >= PER_WEBHOOK]
        # Woken by a commit or not, a read comes first: a pass with nothing to claim (nothing
        # due, or only a receiver whose slots are all taken, one that hangs) takes no turn of
        # the writer, which issuing and calling share. Each committed event pokes.
        if free > 0 and await asyncio.to_thread(self._any_due, busy):
            claim = self._claimer(free, busy, done)
            claimed = await asyncio.to_thread(write, self.make_ctx(), claim)
            for item in claimed:
                self._start(item)
            if len(claimed) == free:
                self._wake.set()  # more may be due
        elif done:
            await asyncio.to_thread(write, self.make_ctx(), _recorder(done))

    def _any_due(self, busy: list[int]) -> bool:
        """Whether a delivery can be claimed, by a read (not the writer)."""
        ctx = self.make_ctx()
        with ctx.db.read() as session:
            return repo.any_due(session, ctx.clock(), busy)

    def _claimer(
        self, limit: int, busy: list[int], done: list[repo.Outcome]
    ) -> Callable[[UnitOfWork], list[domain.Delivery]]:
        def claim(uow: UnitOfWork) -> list[domain.Delivery]:
            if done:
                repo.record(uow.session, done)
            rows = repo.claim(uow.session, now=uow.now, lease=self.lease, limit=limit,
                              skip_webhooks=busy, lock=self.lock)  # fmt: skip
            opener = sealer(self.make_ctx(), uow.session)
            out = []
            resealed: set[int] = set()
            for r in rows:
                try:
                    secret = opener.open(r.secret_sealed)
                except Unsealable:
                    secret = ""  # sent unsigned would be wrong: the receiver refuses it
                    log.warning("webhook %s: its secret cannot be opened", r.webhook_id)
                else:
                    if opener.outdated(r.secret_sealed) and r.webhook_id not in resealed:
                        resealed.add(r.webhook_id)  # sealed the old way: sealed anew, once
                        repo.reseal(uow.session, r.webhook_id, r.secret_sealed,
                                    opener.seal(secret))  # fmt: skip
                ts = (r.ts or r.created_at).isoformat()
                out.append(domain.Delivery(r.id, r.webhook_id, r.url, r.format, secret,
                                           r.branch_id, r.seq, r.type, ts, r.data, r.locale,
                                           r.hall))  # fmt: skip
                self._attempts[r.id] = (r.attempts, r.created_at)
            return out

        return claim

    def _start(self, delivery: domain.Delivery) -> None:
        self._in_flight[delivery.webhook_id] = self._in_flight.get(delivery.webhook_id, 0) + 1
        task = asyncio.create_task(self._send(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, delivery: domain.Delivery) -> None:
        status: int | None = None
        error: str | None = None
        try:
            outgoing = domain.request(delivery, self.make_ctx().clock())
            # the client's deadline covers the whole exchange (a dripping answer included)
            status, answer = await self._client.post(outgoing.url, outgoing.body, outgoing.headers)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
            else:
                error = domain.robot_refused(delivery.format, answer)
        except TimeoutError:
            error = f"no answer within {self.timeout:g} s"
        except http.FAILURES as e:
            error = f"{type(e).__name__}: {e}"
        except Exception as e:  # a bug must not stop the dispatcher
            log.exception("webhook %s: delivery %s failed", delivery.webhook_id, delivery.id)
            error = type(e).__name__
        finally:
            self._in_flight[delivery.webhook_id] -= 1
            if not self._in_flight[delivery.webhook_id]:
                del self._in_flight[delivery.webhook_id]
        attempts, created = self._attempts.pop(delivery.id)
        now = self.make_ctx().clock()
        attempts += 1
        if error is None:
            outcome = repo.Outcome(delivery.id, attempts, status, None, now, None)
        else:
            retry = domain.next_attempt(created, now, attempts)
            outcome = repo.Outcome(delivery.id, attempts, status, error[:200], None, retry)
        self._done.append(outcome)
        self._wake.set()


def _recorder(done: list[repo.Outcome]) -> Callable[[UnitOfWork], None]:
    def record(uow: UnitOfWork) -> None:
        repo.record(uow.session, done)

    return record


def _purger() -> Callable[[UnitOfWork], None]:
    def purge(uow: UnitOfWork) -> None:
        repo.purge(uow.session, uow.now - timedelta(days=KEEP_DAYS))

    return purge
