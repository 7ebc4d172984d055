"""The alerts read a hall again only when it may have changed (server/alerts/watch.py): a timed
round costs a few queries whatever the number of halls, and reads none that stayed as they
were; a hall with an event, a due time, a device going quiet or coming back, a printer report,
a complaint past its deadline or its closing time is read at the round that follows and raises
or clears as before. The clock is moved by hand; the sweep (every hall read within
`alerts_sweep_s`) is far off unless a test moves its own clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from server.alerts import engine
from server.alerts.engine import Round, evaluate_all
from server.app import create_app
from server.audit.sealer import settle
from server.core.models import Branch
from server.core.run import write
from server.core.seen import REFRESH_S
from server.core.settings import Settings
from server.core.writer import WRITER_THREAD
from server.halls.hallfile import export_hall, import_hall
from server.protocol.hours import WEEKDAYS
from tests.conftest import Api
from tests.support import Clock
from tests.test_api_alerts import evaluate
from tests.test_api_tickets import set_hall_settings

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]
HALLS = 12


@pytest.fixture
def api(settings: Settings, clock: Clock) -> Iterator[Api]:
    """No sweep within a test: a round reads a hall only for a reason of its own."""
    quiet = settings.model_copy(update={"alerts_sweep_s": 3600})
    with TestClient(create_app(quiet, clock=clock)) as client:
        yield Api(client)


def new_halls(api: Api, count: int) -> list[int]:
    return [api.post("/api/v1/branches", {"name": f"hall {i}"}, status=201)["id"]
            for i in range(count)]  # fmt: skip


def kinds(api: Api, branch_id: int = 1) -> list[str]:
    rows = api.get("/api/v1/alerts", branch_id=branch_id, active="true")
    return sorted(a["kind"] for a in rows)


class Statements:
    """The statements the database was sent meanwhile (reads and writes) by this thread and
    the writer's: the app's background tasks (the webhook outbox's poll, the audit sealer's
    round every second) read on threads of their own and are not the round's."""

    def __init__(self, api: Api) -> None:
        self.state = api.client.app.state.hallq
        self.db = self.state.db
        self.sent: list[str] = []
        self._threads = {threading.get_ident()}

    def __enter__(self) -> Statements:
        settle(self.state.ctx())  # no events left for the sealer to write meanwhile
        for bound in {self.db.reader, self.db.writer}:
            event.listen(bound, "before_cursor_execute", self._sent)
        return self

    def __exit__(self, *exc: object) -> None:
        for bound in {self.db.reader, self.db.writer}:
            event.remove(bound, "before_cursor_execute", self._sent)

    def _sent(self, *args: Any) -> None:
        thread = threading.current_thread()
        if thread.ident in self._threads or thread.name == WRITER_THREAD:
            self.sent.append(str(args[2]))


def test_a_round_reads_no_unchanged_hall_whatever_their_number(api: Api, clock: Clock) -> None:
    halls = [1, *new_halls(api, HALLS)]
    tvs = []
    for branch_id in halls:
        service = api.service("A", branch_id=branch_id, target_wait_min=30)
        api.issue(service["id"])
        tvs.append(api.device("display", branch_id)[1])
        api.get("/api/v1/auth/me", tvs[-1])  # seen
    assert evaluate(api).read == halls  # the first round of a lease reads every hall
    assert all(kinds(api, b) == ["no_open_counter"] for b in halls)
    for _ in range(3):
        clock.advance(seconds=REFRESH_S)  # the round writes the sightings too (server/core/seen.py)
        for tv in tvs:  # every device keeps being seen: no reason to read its hall
            api.get("/api/v1/auth/me", tv)
        with Statements(api) as statements:
            done = evaluate(api)
        assert done.read == []
        # the lease, the sightings, the seqs and the devices: not eight queries a hall
        assert len(statements.sent) <= 8, statements.sent
        assert any("device_seen" in s for s in statements.sent)  # the sightings were counted
    assert all(kinds(api, b) == ["no_open_counter"] for b in halls)


def test_the_halls_of_a_round_are_read_together(api: Api) -> None:
    """Halls that changed are read with one query per kind of row for all of them, not eight
    each: a busy installation changes ~80 halls a second."""
    halls = [1, *new_halls(api, HALLS)]
    services = [api.service("A", branch_id=b, target_wait_min=30)["id"] for b in halls]
    evaluate(api)
    for service_id in services:
        api.issue(service_id)  # every hall changed
    with Statements(api) as statements:
        done = evaluate(api)
    assert done.read == halls
    # up to the read of the active alerts: halls whose alerts change are then written one by
    # one, each under its lock (not counted)
    sent = statements.sent
    last = next(i for i, s in enumerate(sent) if s.startswith("SELECT alert.branch_id"))
    reads = [s for s in sent[: last + 1] if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 12, "\n".join(r[:90].replace("\n", " ") for r in reads)


def test_a_hall_with_an_event_is_read_alone(api: Api) -> None:
    halls = [1, *new_halls(api, 3)]
    kiosk_id, kiosk = api.device("kiosk", halls[2])
    evaluate(api)
    status = f"/api/v1/kiosks/{kiosk_id}/printer-status"
    api.post(status, {"online": True, "paper": "out"}, kiosk)
    done = evaluate(api)
    assert done.read == [halls[2]] and done.raised == 1
    assert kinds(api, halls[2]) == ["printer_fault"]
    assert evaluate(api).read == []
    api.post(status, {"online": True, "paper": "ok"}, kiosk)
    done = evaluate(api)
    assert done.read == [halls[2]] and done.cleared == 1
    service = api.service("A", branch_id=halls[1])  # its set-up changed: an event too
    assert evaluate(api).read == [halls[1]]
    api.issue(service["id"])
    assert evaluate(api).read == [halls[1]] and kinds(api, halls[1]) == ["no_open_counter"]


def test_a_hall_is_read_when_a_condition_of_it_is_due(api: Api, clock: Clock) -> None:
    halls = [1, *new_halls(api, 3)]
    services = [api.service("A", branch_id=b, target_wait_min=15)["id"] for b in halls]
    for b, service_id in zip(halls, services, strict=True):
        api.counter(1, [service_id], b)
        api.act(api.counter(2, [service_id], b)["id"], "open")
    api.issue(services[1])
    clock.advance(minutes=5)
    for service_id in services[2:]:
        api.issue(service_id)
    evaluate(api)
    clock.advance(minutes=10)
    assert evaluate(api).read == []  # at the target, not past it
    clock.advance(seconds=1)
    done = evaluate(api)
    assert done.read == [halls[1]] and kinds(api, halls[1]) == ["wait_over_target"]
    clock.advance(minutes=5)
    done = evaluate(api)
    assert done.read == halls[2:] and all(kinds(api, b) == ["wait_over_target"] for b in halls[2:])
    assert evaluate(api).read == []  # what holds is not read again


def test_a_device_going_quiet_coming_back_and_revoked(api: Api, clock: Clock) -> None:
    halls = [1, *new_halls(api, 3)]
    set_hall_settings(api, halls[3], device_offline_s=60)
    tv_id, tv = api.device("display", halls[3])
    evaluate(api)
    api.get("/api/v1/auth/me", tv)  # seen for the first time: the hall is read
    assert evaluate(api).read == [halls[3]]
    clock.advance(seconds=60)
    assert evaluate(api).read == []
    clock.advance(seconds=1)
    done = evaluate(api)
    assert done.read == [halls[3]] and kinds(api, halls[3]) == ["device_offline"]
    clock.advance(seconds=600)
    assert evaluate(api).read == []
    api.get("/api/v1/auth/me", tv)  # back
    done = evaluate(api)
    assert done.read == [halls[3]] and kinds(api, halls[3]) == []
    clock.advance(seconds=61)
    evaluate(api)
    assert kinds(api, halls[3]) == ["device_offline"]
    revoked = api.client.delete(f"/api/v1/devices/{tv_id}", headers=api.admin)
    assert revoked.status_code == 200  # no event: its hall is read all the same
    done = evaluate(api)
    assert done.read == [halls[3]] and kinds(api, halls[3]) == []


def test_a_complaint_is_read_at_its_deadline(api: Api, clock: Clock) -> None:
    halls = [1, *new_halls(api, 2)]
    set_hall_settings(api, halls[1], complaint_reply_hours=2)
    body = {"branch_id": halls[1], "category": "efficiency", "text": "waited long"}
    api.post("/api/v1/complaints", body, status=201)
    evaluate(api)
    clock.advance(hours=2)
    assert evaluate(api).read == []
    clock.advance(seconds=1)
    done = evaluate(api)
    assert done.read == [halls[1]] and kinds(api, halls[1]) == ["complaint_overdue"]


def test_a_hall_closing_is_read_at_its_closing_time(api: Api, clock: Clock) -> None:
    local = clock.now + timedelta(hours=8)  # the demo hall is in Asia/Shanghai
    closes = (local + timedelta(minutes=30)).strftime("%H:%M")
    set_hall_settings(api, opening_hours={WEEKDAYS[local.weekday()]: [["00:00", closes]]})
    api.issue(api.service("A", target_wait_min=0)["id"])
    evaluate(api)
    assert kinds(api) == ["no_open_counter"]
    clock.advance(minutes=29)
    assert evaluate(api).read == []
    clock.advance(minutes=1)  # closed: nobody is expected at a counter
    done = evaluate(api)
    assert done.read == [1] and kinds(api) == []


def test_a_hall_imported_from_a_file_is_read_again(api: Api, tmp_path: Path) -> None:
    service = api.service("A")
    api.issue(service["id"])
    evaluate(api)
    ctx = api.client.app.state.hallq.ctx()
    export_hall(ctx, 1, tmp_path / "hall.toml")
    api.act(api.counter(1, [service["id"]])["id"], "open")
    evaluate(api)
    assert kinds(api) == []
    saved = (tmp_path / "hall.toml").read_text(encoding="utf-8")
    (tmp_path / "hall.toml").write_text(saved.replace('code = "A"', 'code = "A2"'), "utf-8")
    import_hall(ctx, 1, tmp_path / "hall.toml")
    assert evaluate(api).read == [1]


def test_a_hall_whose_change_failed_is_read_again(
    api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the sweep (nothing else would say so again), its change fails to apply."""
    watch, ticking = late_behind_the_back(api, clock, 1)
    applied = engine.apply

    def another_evaluator_first(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(engine, "apply", applied)
        raise IntegrityError("INSERT INTO alert", {}, Exception("uq_alert_active"))

    monkeypatch.setattr(engine, "apply", another_evaluator_first)
    ticking[0] += watch.sweep_s
    done = evaluate(api)
    assert done.failed == [1] and kinds(api) == []
    done = evaluate(api)  # no event, nothing due, the sweep far: read again all the same
    assert done.read == [1] and kinds(api) == ["wait_over_target"]


def late_behind_the_back(api: Api, clock: Clock, branch_id: int) -> tuple[Any, list[float]]:
    """A hall with a desk open and one ticket, read, then the ticket moved 20 minutes back
    with no event (past its 15-minute target); the watch's sweep clock is the list's one
    value, for the test to move."""
    service = api.service("A", branch_id=branch_id, target_wait_min=15)
    api.act(api.counter(1, [service["id"]], branch_id)["id"], "open")
    ticket = api.issue(service["id"])
    watch = api.client.app.state.alerts.watch
    ticking = [0.0]
    watch._monotonic = lambda: ticking[0]
    evaluate(api)
    backdate(api, ticket["id"], clock.now - timedelta(minutes=20))
    return watch, ticking


def backdate(api: Api, ticket_id: int, queued_at: datetime) -> None:
    """Move a ticket's queue time behind the server's back: no event says so."""
    with api.client.app.state.hallq.db.writer.begin() as conn:
        conn.execute(text("UPDATE ticket SET queued_at = :at WHERE id = :id"),
                     {"at": queued_at, "id": ticket_id})  # fmt: skip


def test_the_sweep_reads_every_hall_within_its_time(api: Api, clock: Clock) -> None:
    """A row changed behind the server's back (no event) is found by the sweep."""
    halls = [1, *new_halls(api, 9)]
    watch, ticking = late_behind_the_back(api, clock, halls[4])
    seen: list[int] = []
    for _ in range(4):
        ticking[0] += watch.sweep_s / 4
        seen += evaluate(api).read
    assert sorted(seen) == halls  # a quarter of them each quarter of the sweep
    assert kinds(api, halls[4]) == ["wait_over_target"]


def test_a_new_lease_reads_every_hall(api: Api, clock: Clock) -> None:
    halls = [1, *new_halls(api, 3)]
    assert evaluate(api).read == halls
    assert evaluate(api).read == []
    ctx = api.client.app.state.hallq.ctx()
    with api.client.app.state.alerts._rounds:
        clock.advance(seconds=11)  # the app's evaluator stopped renewing its lease
        done: Round = evaluate_all(ctx, "another-process")
        assert done.leader and done.read == halls
    assert api.client.app.state.alerts.round().leader is False
    clock.advance(seconds=11)
    assert evaluate(api).read == halls  # its memory went with the lease


def test_an_applied_change_hands_back_plain_seqs_not_the_branch_row(api: Api) -> None:
    """`apply` handed back the branch row for its `last_seq`: read on the evaluator's thread
    after the writer had expired it, it loaded itself through the writer's session and left
    that session in a transaction (tests/test_group_commit.py)."""
    api.issue(api.service("A", target_wait_min=30)["id"])
    evaluate(api)
    assert kinds(api) == ["no_open_counter"]
    state = api.client.app.state.hallq
    raised, cleared, seqs = write(state.ctx(), partial(engine.apply, branch_id=1, holding=[]))
    assert (raised, cleared) == (0, 1)
    with state.db.read() as session:
        last = session.scalar(select(Branch.last_seq).where(Branch.id == 1))
    assert seqs == {1: last} and type(seqs[1]) is int


def test_rounds_for_events_take_a_bounded_share_of_a_core(api: Api) -> None:
    """After a round for events the evaluator waits its CPU time over POKE_CPU_SHARE, and at
    least POKE_SPACING_S: a cheap round is answered as soon as before, a dear one is not
    repeated eight times a second (the worker holding the lease serves requests too), and
    none holds the timed rounds back beyond their interval."""
    evaluator = api.client.app.state.alerts  # type: ignore[attr-defined]
    evaluate(api)
    assert 0 < evaluator.round_cpu_s < 5  # measured: the thread's CPU time of that round
    assert engine.poke_spacing(0.001, 2.0) == engine.POKE_SPACING_S
    assert engine.poke_spacing(0.015, 2.0) == pytest.approx(0.015 / engine.POKE_CPU_SHARE)
    assert engine.poke_spacing(0.5, 2.0) == 2.0  # never past the timed rounds' interval
