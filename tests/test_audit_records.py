"""What the trail records (configuration with old and new values, users, devices, logins),
its filters and export, the retention purge, and concurrent writers (issue 17, items 4–6)."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from server.core.clock import utc_now
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.run import write
from server.core.settings import Settings
from server.core.unit_of_work import UnitOfWork
from tests.conftest import ADMIN_PASSWORD, Api
from tests.support import Clock as FakeClock

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]


@pytest.fixture
def cli_ctx(settings: Settings) -> Iterator[Ctx]:
    import server.audit.service  # noqa: F401  (the sink, as the app registers it)

    db = Database(settings.database_url)
    try:
        yield Ctx(db, settings, utc_now, None, Principal(kind="admin", username="cli"))
    finally:
        db.dispose()


def kinds(api: Api, **params: object) -> list[dict[str, object]]:
    return list(api.get("/api/v1/audit", limit=10000, **params))


def test_configuration_changes_keep_old_and_new_values(api: Api) -> None:
    service = api.service("A")
    api.client.patch(f"/api/v1/services/{service['id']}", json={"target_wait_min": 25},
                     headers=api.admin).raise_for_status()  # fmt: skip
    (changed,) = kinds(api, kind="service.updated")
    assert changed["subject"] == f"service:{service['id']}" and changed["branch_id"] == 1
    assert changed["data"] == {"old": {"target_wait_min": service["target_wait_min"]},
                               "new": {"target_wait_min": 25}}  # fmt: skip
    assert (changed["actor"], changed["username"]) == ("user", "admin")
    assert "target_wait_min" in changed["detail"]
    counter = api.counter(1, [service["id"]])
    api.client.patch(f"/api/v1/counters/{counter['id']}", json={"name": "VIP"},
                     headers=api.admin).raise_for_status()  # fmt: skip
    (renamed,) = kinds(api, kind="counter.changed")
    assert renamed["data"] == {"old": {"name": "1"}, "new": {"name": "VIP"}}
    api.client.patch("/api/v1/branches/1", json={"settings": {"print_job_ttl_s": 300}},
                     headers=api.admin).raise_for_status()  # fmt: skip
    (branch,) = kinds(api, kind="branch.updated")
    assert branch["data"]["new"]["settings"]["print_job_ttl_s"] == 300
    assert branch["data"]["old"]["settings"]["print_job_ttl_s"] != 300
    prefixed = {r["kind"] for r in kinds(api, kind="counter.")}
    assert {"counter.created", "counter.changed", "counter.updated"} <= prefixed


def test_users_passwords_and_logins_never_their_secrets(api: Api) -> None:
    api.user("clerk1")
    user_id = next(u["id"] for u in api.get("/api/v1/users") if u["username"] == "clerk1")
    api.client.patch(f"/api/v1/users/{user_id}", json={"password": "new-secret-456"},
                     headers=api.admin).raise_for_status()  # fmt: skip
    r = api.client.post("/api/v1/auth/login", json={"username": "clerk1", "password": "wrong!"})
    assert r.status_code == 401
    api.client.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"})
    token = api.login("clerk1", "new-secret-456")
    api.client.post("/api/v1/auth/logout", headers=token).raise_for_status()
    trail = kinds(api)
    assert "password-123" not in json.dumps(trail) and "new-secret-456" not in json.dumps(trail)
    (updated,) = [r for r in trail if r["kind"] == "user.updated"]
    assert updated["data"]["password_changed"] is True
    failed = [r for r in trail if r["kind"] == "auth.login_failed"]
    assert {r["actor_name"] for r in failed} == {"clerk1", "ghost"}
    assert [r["subject"] for r in failed if r["actor_name"] == "clerk1"] == [f"user:{user_id}"]
    mine = kinds(api, actor="clerk1")
    assert {"auth.login", "auth.login_failed", "auth.logout"} <= {r["kind"] for r in mine}
    assert {r["kind"] for r in kinds(api, subject=f"user:{user_id}")} >= {
        "user.created",
        "user.updated",
    }
    assert api.get("/api/v1/audit/verify")["ok"] is True


def test_devices_are_recorded(api: Api) -> None:
    device_id, _ = api.device("kiosk")
    api.client.delete(f"/api/v1/devices/{device_id}", headers=api.admin).raise_for_status()
    found = {r["kind"]: r for r in kinds(api, subject=f"device:{device_id}")}
    assert found["device.created"]["data"]["new"] == {"kind": "kiosk", "name": "kiosk"}
    assert found["device.revoked"]["data"] == {"old": {"revoked": False}, "new": {"revoked": True}}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_holds_the_selected_records(api: Api, fmt: str) -> None:
    service = api.service("A")
    api.issue(service["id"])
    r = api.client.get("/api/v1/audit/export", params={"format": fmt, "kind": "ticket.",
                       "branch_id": 1, "locale": "zh-CN"}, headers=api.admin)  # fmt: skip
    assert r.status_code == 200, r.text
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None
        rows = [[str(c) if c is not None else "" for c in row] for row in sheet.values]
    assert rows[0][0] == "编号" and len(rows) == 2
    assert rows[1][4] == "ticket.issued" and rows[1][6] == "A001" and len(rows[1][9]) == 64


def test_a_purge_keeps_the_rest_verifiable(api: Api, clock: FakeClock, cli_ctx: Ctx) -> None:
    from server.audit import service as audit

    service = api.service("A")
    api.issue(service["id"])
    old = api.get("/api/v1/audit/verify")["records"]
    clock.advance(days=366 * 2)
    cli_ctx = Ctx(cli_ctx.db, cli_ctx.settings, clock, None, cli_ctx.principal)
    api.admin = api.login("admin", ADMIN_PASSWORD)  # the old token has expired
    api.issue(service["id"])
    assert audit.purge(cli_ctx, 1) == old
    after = api.get("/api/v1/audit/verify")
    assert after["ok"] is True and after["records"] == 3  # the login, the new ticket, the purge
    (purged,) = kinds(api, kind="audit.purged")
    assert purged["data"]["cut_id"] == old and purged["actor"] == "system"
    assert audit.purge(cli_ctx, 1) == 0


def test_a_purge_record_cannot_be_forged(api: Api, clock: FakeClock, cli_ctx: Ctx) -> None:
    """Deleting the start of the chain and moving its base: the purge record does not match."""
    from sqlalchemy import text

    from server.audit import service as audit

    service = api.service("A")
    api.issue(service["id"])
    clock.advance(days=800)
    cli_ctx = Ctx(cli_ctx.db, cli_ctx.settings, clock, None, cli_ctx.principal)
    api.admin = api.login("admin", ADMIN_PASSWORD)  # the old token has expired
    api.issue(service["id"])
    audit.purge(cli_ctx, 1)
    api.issue(service["id"])
    with cli_ctx.db.read() as session:
        first = session.execute(text("SELECT min(id) FROM audit_record")).scalar_one()
        hash_ = session.execute(text(f"SELECT hash FROM audit_record WHERE id = {first}")).one()[0]

    def forge(uow: UnitOfWork) -> None:
        uow.session.execute(text(f"DELETE FROM audit_record WHERE id = {first}"))
        uow.session.execute(text("UPDATE audit_head SET base_id = :i, base_hash = :h"),
                            {"i": first, "h": hash_})  # fmt: skip

    write(cli_ctx, forge)
    bad = api.get("/api/v1/audit/verify")["first_bad"]
    assert bad["reason"] == "base"


def test_many_writers_keep_one_line(api: Api, cli_ctx: Ctx) -> None:
    """Concurrent transactions (PostgreSQL: each its own) append to one chain, no fork."""
    threads, each = 8, 25
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(each):
                write(cli_ctx, lambda uow, i=i: uow.audit("test.note", f"test:{n}", {"i": i}))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    verdict = api.get("/api/v1/audit/verify")
    assert verdict["ok"] is True, verdict
    notes = kinds(api, kind="test.note")
    assert len(notes) == threads * each
    ids = sorted(r["id"] for r in kinds(api))
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_ts_filters_by_business_date(api: Api, clock: FakeClock) -> None:
    service = api.service("A")
    api.issue(service["id"])
    today = clock().date()
    clock.advance(days=1)
    api.admin = api.login("admin", ADMIN_PASSWORD)
    api.issue(service["id"])
    tomorrow = (today + timedelta(days=1)).isoformat()
    first = kinds(api, branch_id=1, kind="ticket.issued", **{"from": today.isoformat()})
    both = kinds(api, branch_id=1, kind="ticket.issued", **{"from": today.isoformat(),
                                                             "to": tomorrow})  # fmt: skip
    assert (len(first), len(both)) == (1, 2)
