"""First start: the default branch and the first admin; `make run`'s demo hall.

These run before the server serves (`hallq serve`, `hallq demo`, the tests' fixtures), each
on a `Database` of its own that no running group committer shares. They still write through
that database's writer (`run.write`), like every other mutation: the rule "every write is a
job of the writer" then has no exception to remember, and stays true if they are ever called
beside a live writer. It costs the command one writer thread. Passwords are hashed before the
job, never inside the writer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import text

from server import protocol as p
from server.auth import repository as auth_repo
from server.auth.models import Device, User
from server.auth.service import hash_password, hash_token, new_token
from server.core.context import Ctx
from server.core.models import Branch
from server.core.run import write
from server.core.unit_of_work import UnitOfWork
from server.halls import repository as halls_repo
from server.halls.models import Counter, Service

DEFAULT_BRANCH = {"name": "服务大厅", "timezone": "Asia/Shanghai", "locale": "zh-CN"}
DEMO_SERVICES = [
    ("general", "A", {"zh-CN": "综合业务", "zh-TW": "綜合業務", "en": "General"}, 15, 6.0),
    ("payments", "B", {"zh-CN": "缴费", "zh-TW": "繳費", "en": "Payments"}, 10, 3.0),
    ("enquiries", "C", {"zh-CN": "咨询", "zh-TW": "諮詢", "en": "Enquiries"}, 10, 4.0),
    (
        "priority",
        "V",
        {"zh-CN": "优先", "zh-TW": "優先", "en": "Priority (elderly, disabled)"},
        5,
        8.0,
    ),
]
DEMO_COUNTERS = [(1, "AV"), (2, "A"), (3, "A"), (4, "B"), (5, "BC"), (6, "CV")]


BOOTSTRAP_LOCK = 0x68616C6C72  # PostgreSQL advisory lock key


def _one_at_a_time(uow: UnitOfWork) -> None:
    """Servers starting together on one PostgreSQL database run these first-start checks one
    after another (SQLite's BEGIN IMMEDIATE already does), so each creates its rows once."""
    if not uow.db.is_sqlite:
        uow.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOOTSTRAP_LOCK})


def ensure_default_branch(ctx: Ctx) -> None:
    """One branch always exists, so a single hall never sees the concept."""

    def create(uow: UnitOfWork) -> None:
        _one_at_a_time(uow)
        if not halls_repo.branches(uow.session):
            uow.session.add(
                Branch(**DEFAULT_BRANCH, region=None, last_seq=0,
                       settings=p.BranchSettings().model_dump(mode="json"))
            )  # fmt: skip

    write(ctx, create)


def ensure_admin(ctx: Ctx, password: str | None) -> str | None:
    """Create `admin` when no user exists; returns the password if it was generated here."""
    with ctx.db.read() as session:
        if auth_repo.count_users(session):
            return None
    generated = password or secrets.token_urlsafe(12)
    password_hash = hash_password(generated)

    def create(uow: UnitOfWork) -> bool:
        _one_at_a_time(uow)
        if auth_repo.count_users(uow.session):
            return False
        uow.session.add(
            User(username="admin", password_hash=password_hash, role="admin", active=True,
                 created_at=uow.now)
        )  # fmt: skip
        return True

    created = write(ctx, create)
    return generated if created and not password else None


DEMO_BOOKABLE = {"A": 3}  # places per appointment slot (`/book?branch=1`)


@dataclass
class DemoHall:
    kiosk_token: str
    display_token: str
    kiosk_id: int
    display_id: int
    clerk_password: str


def seed_demo(ctx: Ctx) -> DemoHall | None:
    """Seed the demo hall into branch 1 when it has no services yet; None if already seeded."""
    ensure_default_branch(ctx)
    clerk_password = secrets.token_urlsafe(9)
    clerk_hash = hash_password(clerk_password)
    return write(ctx, lambda uow: _seed(uow, clerk_password, clerk_hash))


def _seed(uow: UnitOfWork, clerk_password: str, clerk_hash: str) -> DemoHall | None:
    branch = uow.lock_branch(1)
    if halls_repo.services(uow.session, branch.id):
        return None
    branch.settings = p.BranchSettings(
        marquee="欢迎光临", ticket_footer="请留意叫号 · Please wait to be called",
        hall_names={"zh-TW": "服務大廳", "en": "Service hall"},
        marquees={"zh-TW": "歡迎光臨", "en": "Welcome"},
        priority_interleave=0, public_booking=True,
    ).model_dump(mode="json")  # fmt: skip
    by_prefix = {}
    for code, prefix, name, target, minutes in DEMO_SERVICES:
        service = Service(
            branch_id=branch.id, code=code, prefix=prefix, name=name, start_number=1,
            end_number=999, target_wait_min=target, service_min=minutes, daily_quota=None,
            active=True, deleted=False, priority=code == "priority",
            appointment_capacity=DEMO_BOOKABLE.get(prefix, 0),
        )  # fmt: skip
        uow.session.add(service)
        uow.session.flush()
        by_prefix[prefix] = service.id
    for number, prefixes in DEMO_COUNTERS:
        counter = Counter(branch_id=branch.id, number=number, name=f"{number}号窗口",
                          state="closed", normals_since_priority=0, deleted=False)  # fmt: skip
        uow.session.add(counter)
        uow.session.flush()
        halls_repo.set_counter_services(uow.session, counter.id, [by_prefix[x] for x in prefixes])
    tokens = {}
    for kind in ("kiosk", "display"):
        token = new_token()
        device = Device(kind=kind, name=f"demo {kind}", branch_id=branch.id,
                        token_hash=hash_token(token), created_at=uow.now)  # fmt: skip
        uow.session.add(device)
        uow.session.flush()
        tokens[kind] = (token, device.id)
    if auth_repo.user_by_name(uow.session, "clerk") is None:
        clerk = User(username="clerk", password_hash=clerk_hash, role="clerk", active=True,
                     created_at=uow.now)  # fmt: skip
        uow.session.add(clerk)
        uow.session.flush()
        auth_repo.set_user_branches(uow.session, clerk.id, [branch.id])
    return DemoHall(
        kiosk_token=tokens["kiosk"][0], display_token=tokens["display"][0],
        kiosk_id=tokens["kiosk"][1], display_id=tokens["display"][1],
        clerk_password=clerk_password,
    )  # fmt: skip
