"""Webhook deliveries survive `kill -9` of a real `hallq serve`, and on PostgreSQL several
processes never send one delivery twice (issue 16, item 4: durable, at least once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databases import Kind, Templates
from tests.support import REDIS_URL, LiveServer, Remote, live_env, require_service, wait_until
from tests.webhook_receiver import Receiver, docs_verifier


def delivered(remote: Remote, webhook_id: int) -> list[dict[str, object]]:
    log = remote.get(f"/api/v1/webhooks/{webhook_id}/deliveries")
    return [d for d in log if d["delivered_at"]]


@pytest.mark.e2e
def test_deliveries_survive_kill_9_mid_send(tmp_path: Path, templates: Templates) -> None:
    receiver = Receiver(sleep_s=30)  # hangs: the first attempts are in flight at the kill
    env = live_env(templates.sqlite(tmp_path / "hallq.db", Kind.SCHEMA))
    env |= {"HALLQ_WEBHOOK_TIMEOUT_S": "3", "HALLQ_SECRET_KEY": "test-key-1"}
    server = LiveServer(env).start()
    try:
        remote = Remote(server)
        made = remote.post("/api/v1/webhooks", {"url": receiver.url, "events": ["ticket.issued"],
                                                "branch_id": 1}, status=201)  # fmt: skip
        service = remote.service("A")["id"]
        issued = [remote.post("/api/v1/tickets", {"service_id": service}, status=201)
                  for _ in range(3)]  # fmt: skip
        receiver.wait(3)  # all three in flight, none answered
        remote.close()
        server.kill()
    finally:
        server.kill()
    receiver.sleep_s = 0
    restarted = LiveServer(env).start()
    try:
        remote = Remote(restarted)
        done = wait_until(lambda: len(delivered(remote, made["id"])) == 3 or None, 30,
                          "the three deliveries, again")  # fmt: skip
        assert done
        answered = [r for r in receiver.requests[3:]]
        ids = {r.headers["x-hallq-delivery"] for r in receiver.requests}
        assert len(ids) == 3  # the same delivery ids before and after the kill
        numbers = sorted(r.json["data"]["number"] for r in answered)
        assert numbers == sorted(t["number"] for t in issued)
        verify = docs_verifier()
        assert all(verify(made["secret"], r.headers["x-hallq-signature"], r.body)
                   for r in answered)  # fmt: skip
        remote.close()
    finally:
        restarted.stop()
        receiver.close()


@pytest.mark.e2e
def test_two_processes_on_postgresql_never_send_a_delivery_twice(templates: Templates) -> None:
    require_service("Redis", 6379)
    receiver = Receiver()
    with templates.postgres(Kind.SCHEMA) as url:
        env = live_env(url, REDIS_URL)
        servers = [LiveServer(env).start()]  # the first start makes the admin and the hall
        servers.append(LiveServer(env).start())
        try:
            one, two = Remote(servers[0]), Remote(servers[1])
            body = {"url": receiver.url, "events": ["ticket.issued"]}
            made = one.post("/api/v1/webhooks", body, status=201)
            service = one.service("A")["id"]
            for i in range(40):
                (one if i % 2 else two).post("/api/v1/tickets", {"service_id": service},
                                             status=201)  # fmt: skip
            wait_until(lambda: len(delivered(one, made["id"])) == 40 or None, 30, "deliveries")
            ids = [r.headers["x-hallq-delivery"] for r in receiver.requests]
            assert len(ids) == len(set(ids)) == 40
            one.close()
            two.close()
        finally:
            for server in servers:
                server.stop()
            receiver.close()
