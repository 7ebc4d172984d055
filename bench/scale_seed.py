"""The halls of the scale-out bench, made through the server's own use cases (no HTTP).

500 halls over HTTP take minutes of the two cores the bench is about to measure; the same use
cases called in this process (`halls.create_branch`, `create_service`, `create_counter`,
`counters.open_counter`, `auth.create_device`) keep every rule — unique
codes and numbers, audit records, events and seqs — and take seconds. Each hall is one write
job of the database's writer; its two devices are two more (`create_device` writes alone).
Eight threads submit the jobs: PostgreSQL overlaps their transactions, SQLite's group committer
batches them into fewer commits. The servers are started afterwards, so nothing is published:
the events are stored.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from server import protocol as p
from server.auth import repository as auth_repo
from server.auth import service as auth
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.run import write
from server.core.settings import Settings
from server.core.unit_of_work import UnitOfWork
from server.counters import service as counters
from server.halls import service as halls

THREADS = 8  # jobs in flight: PostgreSQL overlaps them, SQLite commits them in groups
SERVICES = (("a", "A", "综合业务"), ("b", "B", "缴费"))


@dataclass
class HallSeed:
    branch_id: int
    service_ids: list[int]
    counter_ids: list[int]
    kiosk: str = ""  # bearer tokens
    display: str = ""


def _hall(ctx: Ctx, uow: UnitOfWork, *, index: int, counters_: int) -> HallSeed:
    """One hall: two services, `counters_` open counters serving both."""
    if index == 0:
        branch_id = 1  # the default hall is the first of them
    else:
        body = p.BranchCreate(name=f"营业厅{index + 1:03d}")
        branch_id = halls.create_branch(ctx, uow, body).id
    services = [
        halls.create_service(ctx, uow, p.ServiceCreate(
            branch_id=branch_id, code=code, prefix=prefix, name={"zh-CN": name},
        )).id
        for code, prefix, name in SERVICES
    ]  # fmt: skip
    ids = []
    for number in range(1, counters_ + 1):
        counter = halls.create_counter(ctx, uow, p.CounterCreate(
            branch_id=branch_id, number=number, name=f"{number}号窗口", service_ids=services,
        ))  # fmt: skip
        counters.open_counter(ctx, uow, counter.id)
        ids.append(counter.id)
    return HallSeed(branch_id, services, ids)


def seed(url: str, halls_: int, counters_: int) -> list[HallSeed]:
    """`halls_` halls (the default branch and new ones) on the migrated database `url`."""
    db = Database(url)
    try:
        with db.read() as session:
            admin = auth_repo.user_by_name(session, "admin")
            assert admin is not None, "migrate first: procs.migrate creates the admin"
            principal = Principal(kind="admin", user_id=admin.id, username="admin")
        ctx = Ctx(db, Settings(database_url=url), lambda: datetime.now(UTC), None, principal)
        with ThreadPoolExecutor(THREADS) as pool:
            made = list(pool.map(
                lambda i: write(ctx, partial(_hall, ctx, index=i, counters_=counters_)),
                range(halls_),
            ))  # fmt: skip

            def devices(hall: HallSeed) -> None:
                for kind in ("kiosk", "display"):
                    body = p.DeviceCreate(kind=kind, name=f"bench {kind}", branch_id=hall.branch_id)
                    setattr(hall, kind, auth.create_device(ctx, body).token or "")

            list(pool.map(devices, made))
        return made
    finally:
        db.dispose()
