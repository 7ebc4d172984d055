"""The estimate's inputs are shared by the jobs of one group commit, and forgotten by the writes
that change them: the estimate never depends on how requests happened to be batched."""

from __future__ import annotations

from typing import Any

import pytest

from server import protocol as p
from server.core.context import Principal
from server.core.run import _job
from server.core.writer import GroupCommitter
from server.counters import service as counters
from server.tickets import service as tickets
from tests.conftest import Api
from tests.support import statements
from tests.test_group_commit import hold_writer


@pytest.mark.parametrize("backend", ["sqlite"])  # group commit is SQLite's writer
def test_a_counter_opened_within_a_batch_changes_the_next_tickets_estimate(api: Api) -> None:
    service = api.service("A", service_min=10)  # 600 s a person until some are done
    first = api.counter(1, [service["id"]])
    second = api.counter(2, [service["id"]])
    api.act(first["id"], "open", headers=api.admin)
    for _ in range(2):
        api.issue(service["id"], api.admin)
    state = api.client.app.state.hallq  # type: ignore[attr-defined]
    ctx = state.ctx(Principal(kind="admin", user_id=1))
    writes = state.db.writes
    assert isinstance(writes, GroupCommitter)

    def job(action: Any) -> Any:
        return _job(ctx, action, None, 200)

    issue = p.TicketCreate(service_id=service["id"])
    blocker, release = hold_writer(writes)
    batches = writes.batches
    futures = [
        writes.submit(job(lambda uow: tickets.issue(ctx, uow, issue))),
        writes.submit(job(lambda uow: counters.open_counter(ctx, uow, second["id"]))),
        writes.submit(job(lambda uow: tickets.issue(ctx, uow, issue))),
    ]
    release.set()
    blocker.result(timeout=10)
    before, _, after = (f.result(timeout=10)[1] for f in futures)
    assert writes.batches == batches + 2  # the blocker's batch, then the three together
    assert (before["position"], before["estimated_wait_s"]) == (2, 2 * 600)  # one counter open
    # two open: they call the first two now, the third at 600 s, and this one at 600 s
    assert (after["position"], after["estimated_wait_s"]) == (3, 600)


def test_an_issue_reads_the_services_of_every_open_counter_in_one_query(api: Api) -> None:
    """The estimate reads which services each open counter serves. On PostgreSQL each request
    has a session of its own and read them a counter at a time: six round trips of an issue in
    a hall of six counters."""
    service = api.service("A")["id"]
    for number in range(1, 7):
        api.act(api.counter(number, [service])["id"], "open")
    state: Any = api.client.app.state.hallq  # type: ignore[attr-defined]
    with statements(state.db.writer) as sent:
        for _ in range(2):
            api.issue(service)
    reads = [s for s in sent if s.lstrip().startswith("SELECT") and "FROM counter_service" in s]
    assert len(reads) <= 2  # one an issue at most (none where the writer kept them)
