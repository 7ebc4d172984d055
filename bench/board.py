"""The HQ board of 500 halls against a real `hallq serve` (SQLite): how long until the board
is painted, and how long after a call its tile shows it.

Set-up over HTTP: a head office with 10 branch companies of 50 halls each, every hall with one
service, one open counter and 3 waiting tickets. Then:
- socket: `WS /api/v1/regions/{hq}/board` until its snapshot (500 tiles) is received; then
  `CALLS` times call-next in a random hall and the time until a `tiles` message holds that
  hall with one ticket fewer waiting;
- page (Debian's chromium, when installed): `/admin/overview?region=hq` until all 500 tiles
  are in the page (`performance.now()` at the paint: from the start of the navigation), then a
  call-next and the time until that tile's number changes.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench import procs
from bench.load import percentile

HALLS = 500
COMPANIES = 10
WAITING = 3
CALLS = 20
PAGE_CALLS = 5
CHROMIUM = "/usr/bin/chromium"


@dataclass
class BoardResult:
    halls: int = 0
    setup_s: float = 0.0
    snapshot_ms: list[float] = field(default_factory=list)
    socket_update_ms: list[float] = field(default_factory=list)
    paint_ms: list[float] = field(default_factory=list)
    page_update_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def _setup(client: httpx.AsyncClient, admin: dict[str, str]) -> tuple[int, list[int]]:
    """The regions, halls, services, open counters and waiting tickets; (hq, counter ids)."""
    hq = (await client.post("/api/v1/regions", json={"name": "总部"}, headers=admin)).json()["id"]
    companies = [
        (await client.post("/api/v1/regions", json={"name": f"分公司{i + 1}", "parent_id": hq},
                           headers=admin)).json()["id"]
        for i in range(COMPANIES)
    ]  # fmt: skip
    limit = asyncio.Semaphore(16)

    async def hall(n: int) -> int:
        async with limit:
            region = companies[n % COMPANIES]
            body = {"name": f"营业厅{n + 1:03d}", "region_id": region}
            branch = (await client.post("/api/v1/branches", json=body, headers=admin)).json()["id"]
            service = (await client.post("/api/v1/services", headers=admin, json={
                "branch_id": branch, "code": "a", "prefix": "A", "name": {"zh-CN": "综合业务"},
            })).json()["id"]  # fmt: skip
            counter = (
                await client.post(
                    "/api/v1/counters",
                    headers=admin,
                    json={"branch_id": branch, "number": 1, "service_ids": [service]},
                )
            ).json()["id"]
            await client.post(f"/api/v1/counters/{counter}/open", headers=admin)
            for _ in range(WAITING):
                r = await client.post("/api/v1/tickets", json={"service_id": service},
                                      headers=admin)  # fmt: skip
                r.raise_for_status()
            return int(counter)

    counters = list(await asyncio.gather(*(hall(n) for n in range(1, HALLS))))
    # the default hall joins too: 500 halls in all
    first = await client.patch("/api/v1/branches/1", json={"region_id": companies[0]},
                               headers=admin)  # fmt: skip
    first.raise_for_status()
    service = (
        await client.post(
            "/api/v1/services",
            headers=admin,
            json={"branch_id": 1, "code": "a", "prefix": "A", "name": {"zh-CN": "综合业务"}},
        )
    ).json()["id"]
    counter = (await client.post("/api/v1/counters", headers=admin, json={
        "branch_id": 1, "number": 1, "service_ids": [service]})).json()["id"]  # fmt: skip
    await client.post(f"/api/v1/counters/{counter}/open", headers=admin)
    for _ in range(WAITING):
        await client.post("/api/v1/tickets", json={"service_id": service}, headers=admin)
    return hq, [counter, *counters]


async def _socket(url: str, token: str, hq: int, counters: list[int], admin: dict[str, str],
                  result: BoardResult) -> None:  # fmt: skip
    ws_url = url.replace("http://", "ws://") + f"/api/v1/regions/{hq}/board?token={token}"
    started = time.perf_counter()
    async with websockets.connect(ws_url, max_size=2**24) as ws:
        snapshot = json.loads(await ws.recv())
        result.snapshot_ms.append((time.perf_counter() - started) * 1000)
        result.halls = len(snapshot["data"]["tiles"])
        waiting = {t["branch_id"]: t["waiting"] for t in snapshot["data"]["tiles"]}
        branch_of = await _branches_of(url, counters, admin)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for counter in random.Random(7).sample(counters, CALLS):
                branch = branch_of[counter]
                if waiting[branch] == 0:
                    continue
                sent = time.perf_counter()
                r = await client.post(f"/api/v1/counters/{counter}/call-next",
                                      json={"complete_current": True}, headers=admin)  # fmt: skip
                r.raise_for_status()
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    tiles = {t["branch_id"]: t for t in message.get("data", [])}
                    if branch in tiles and tiles[branch]["waiting"] < waiting[branch]:
                        waiting[branch] = tiles[branch]["waiting"]
                        break
                result.socket_update_ms.append((time.perf_counter() - sent) * 1000)
                await asyncio.sleep(0.3)


async def _branches_of(url: str, counters: list[int], admin: dict[str, str]) -> dict[int, int]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        rows = (await client.get("/api/v1/counters", headers=admin)).json()
    wanted = set(counters)
    return {c["id"]: c["branch_id"] for c in rows if c["id"] in wanted}


def _page(url: str, token: str, hq: int, counters: list[int], admin: dict[str, str],
          result: BoardResult) -> None:  # fmt: skip
    if not Path(CHROMIUM).exists():
        result.notes.append("chromium not installed: page figures skipped")
        return
    from playwright.sync_api import sync_playwright

    branch_of = asyncio.run(_branches_of(url, counters, admin))
    with sync_playwright() as pw, httpx.Client(base_url=url, timeout=30) as client:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for _ in range(3):
                context = browser.new_context(viewport={"width": 1920, "height": 1080})
                context.add_init_script(f"sessionStorage.setItem('hallq.admin.token', '{token}')")
                page = context.new_page()
                page.goto(f"{url}/admin/overview?region={hq}")
                page.wait_for_function(
                    f"() => document.querySelectorAll('.tile').length >= {result.halls}",
                    timeout=60_000)  # fmt: skip
                result.paint_ms.append(float(page.evaluate("window.hallqBoardPainted")))
                context.close()
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            context.add_init_script(f"sessionStorage.setItem('hallq.admin.token', '{token}')")
            page = context.new_page()
            page.goto(f"{url}/admin/overview?region={hq}")
            page.wait_for_function("() => document.querySelectorAll('.tile').length > 1",
                                   timeout=60_000)  # fmt: skip
            for counter in random.Random(11).sample(counters, PAGE_CALLS):
                branch = branch_of[counter]
                cell = page.locator(f'.tile[data-branch="{branch}"] dd.waiting')
                before = cell.text_content()
                if before == "0":
                    continue
                sent = time.perf_counter()
                client.post(
                    f"/api/v1/counters/{counter}/call-next",
                    json={"complete_current": True},
                    headers=admin,
                ).raise_for_status()
                page.wait_for_function(
                    "([sel, before]) => { const n = document.querySelector(sel);"
                    " return n && n.textContent !== before; }",
                    arg=[f'.tile[data-branch="{branch}"] dd.waiting', before], polling=5,
                    timeout=10_000)  # fmt: skip
                result.page_update_ms.append((time.perf_counter() - sent) * 1000)
                time.sleep(0.3)
        finally:
            browser.close()


def ms(values: list[float]) -> str:
    if not values:
        return "—"
    return f"p50 {percentile(values, 50):7.1f} ms  max {max(values):7.1f} ms  (n={len(values)})"


def scenario(cfg: Any, report: Any, work: Path) -> None:
    """`python -m bench --only board`: SQLite."""
    say = print
    say(f"8. HQ board of {HALLS} halls in {COMPANIES} branch companies")
    url = f"sqlite:///{work / 'board.db'}"
    procs.migrate(url, work)
    server = procs.hallq_server(url, work, "board")
    server.start()
    result = BoardResult()
    try:
        started = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            token = client.post("/api/v1/auth/login", json={
                "username": "admin", "password": procs.ADMIN_PASSWORD}).json()["token"]  # fmt: skip
        admin = {"Authorization": f"Bearer {token}"}

        async def setup() -> tuple[int, list[int]]:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                return await _setup(client, admin)

        hq, counters = asyncio.run(setup())
        result.setup_s = time.perf_counter() - started
        say(f"  set up {HALLS} halls in {result.setup_s:.0f} s")
        asyncio.run(_socket(server.url, token, hq, counters, admin, result))
        _page(server.url, token, hq, counters, admin, result)
    finally:
        server.stop()
    say(f"  board socket: snapshot of {result.halls} tiles  {ms(result.snapshot_ms)}")
    say(f"  board socket: a call reaches its tile           {ms(result.socket_update_ms)}")
    say(f"  page: first paint of every tile                 {ms(result.paint_ms)}")
    say(f"  page: a call changes its tile                   {ms(result.page_update_ms)}")
    for note in result.notes:
        say(f"  note: {note}")
    report.board.append(result)
