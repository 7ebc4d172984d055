"""The daily and monthly reports' quality sections (issue 15 item 7): complaints by category,
overdue and upheld, follow-up completion and the clerk appraisal, on the scenario of
tests/test_appraisal.py (SQLite, and PostgreSQL + Redis when reachable).

On 2026-01-15 (hall 1): a3 is rated 1 at 0:30 (task F0, due in 72 h). At 0:30 three
complaints: K1 (a1, attitude), K2 (a3, efficiency), K3 (b1, attitude), each due at 48:30.
1:00 K1 resolved, upheld (task F1). 2:00 F0 done, satisfied. 50:00 (01-17) K3 rejected: late;
K4 (no ticket, environment) recorded; a manual task F2 opened. 80:00 F1 done (after its due
73:00), not satisfied. At 80:00 K2 is overdue and K4 is not due yet.

The day (01-15): 3 complaints (attitude 2, efficiency 1), 2 answered, 1 upheld, 1 late, 1
overdue; 2 tasks, both done, 1 on time, satisfied 1 of 2. The month: K4 and F2 as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from server.appraisal import periodic
from server.appraisal.quality import ComplaintFigures, FollowUpFigures
from server.cli import app
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.settings import Settings
from server.stats.service import Selection
from tests.browser import ARTIFACTS
from tests.conftest import Api
from tests.support import Clock
from tests.test_stats import DAY, Hall, make_hall, run_scenario

pytestmark = pytest.mark.integration

JAN15 = date(2026, 1, 15)
JANUARY = (date(2026, 1, 1), date(2026, 1, 31))


def complain(h: Hall, category: str, ticket: str | None = None) -> int:
    body: dict[str, Any] = {"branch_id": 1, "category": category, "text": "x"}
    if ticket is not None:
        body["ticket_id"] = h.ids[ticket]
    return int(h.api.post("/api/v1/complaints", body, status=201)["id"])


def patch(h: Hall, path: str, body: dict[str, Any]) -> Any:
    answer = h.api.client.patch(path, json=body, headers=h.api.admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


def tasks(h: Hall) -> dict[str, dict[str, Any]]:
    rows = h.api.get("/api/v1/follow-ups", branch_id=1)
    return {("F0" if r["reason"] == "low_rating" else "F1"): r
            for r in rows if r["reason"] != "manual"}  # fmt: skip


@pytest.fixture
def quality_hall(api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Hall:
    h = make_hall(api, clock, monkeypatch)
    run_scenario(h)
    h.api.post(f"/api/v1/public/tickets/{h.public['a3']}/rating", {"score": 1})
    h.at(30)
    k1, _k2, k3 = (
        complain(h, "attitude", "a1"),
        complain(h, "efficiency", "a3"),
        complain(h, "attitude", "b1"),
    )
    h.at(60)
    patch(
        h, f"/api/v1/complaints/{k1}", {"state": "resolved", "resolution": "道歉", "upheld": True}
    )
    h.at(120)
    done = {"state": "done", "result": "回访"}
    patch(h, f"/api/v1/follow-ups/{tasks(h)['F0']['id']}", done | {"satisfied": True})
    h.at(50 * 60)
    patch(h, f"/api/v1/complaints/{k3}", {"state": "rejected", "resolution": "不属实"})
    complain(h, "environment")
    h.api.post("/api/v1/follow-ups", {"branch_id": 1, "note": "回访"}, status=201)
    h.at(80 * 60)
    patch(h, f"/api/v1/follow-ups/{tasks(h)['F1']['id']}", done | {"satisfied": False})
    return h


@pytest.fixture
def ctx(settings: Settings, clock: Clock) -> Iterator[Ctx]:
    context = Ctx(Database(settings.database_url), settings, clock, None,
                  Principal(kind="admin", username="test"))  # fmt: skip
    yield context
    context.db.dispose()


def test_the_days_complaints_and_follow_ups(quality_hall: Hall, ctx: Ctx) -> None:
    built = periodic.build(ctx, Selection(1, None, JAN15, JAN15), "en", monthly=False)
    assert built.quality.complaints == ComplaintFigures(
        total=3, upheld=1, answered=2, late=1, overdue=1,
        by_category={"attitude": 2, "efficiency": 1, "error": 0, "environment": 0, "policy": 0,
                     "other": 0},
    )  # fmt: skip
    assert built.quality.follow_ups == FollowUpFigures(opened=2, done=2, on_time=1, asked=2,
                                                       satisfied=1)  # fmt: skip
    assert built.quality.follow_ups.satisfied_pct == 50.0
    # the statistics' page, the quality page, one page of the appraisal
    assert [p.size for p in built.pages] == [(1240, 1754), (1240, 1754), (1754, 1240)]
    assert [r.username for r in built.appraisal.rows] == ["c1", "c2"]
    c1 = built.appraisal.rows[0]
    assert (c1.served, c1.complaints.total, c1.complaints.upheld) == (2, 2, 1)


def test_the_months_figures_add_what_came_later(quality_hall: Hall, ctx: Ctx) -> None:
    built = periodic.build(ctx, Selection(1, None, *JANUARY), "zh-CN", monthly=True)
    complaints, follow_ups = built.quality.complaints, built.quality.follow_ups
    assert (complaints.total, complaints.by_category["environment"]) == (4, 1)
    assert (complaints.overdue, complaints.late, complaints.upheld) == (1, 1, 1)
    assert (follow_ups.opened, follow_ups.done, follow_ups.on_time) == (3, 2, 1)
    assert follow_ups.done_pct == 66.7
    from server.appraisal.quality_page import boxes

    shown = boxes(built.quality, "zh-CN")
    assert shown["complaints"] == [("投诉总数", "4"), ("已答复", "2"), ("属实", "1"),
                                   ("超期答复", "1"), ("逾期未答复", "1")]  # fmt: skip
    assert ("服务态度", "2") in shown["by_category"] and ("大厅环境", "1") in shown["by_category"]
    assert shown["follow_ups"] == [("回访任务", "3"), ("已回访", "2 (66.7%)"),
                                   ("按期回访", "1 (33.3%)"),
                                   ("回访满意率", "50.0% (1/2)")]  # fmt: skip


def test_hall_2_and_its_region_see_none_of_hall_1s(quality_hall: Hall, ctx: Ctx) -> None:
    hall2 = quality_hall.ids["hall2"]
    built = periodic.build(ctx, Selection(hall2, None, *JANUARY), "en", monthly=True)
    assert built.quality.complaints.total == 0 and built.quality.follow_ups.opened == 0
    east = quality_hall.api.post("/api/v1/regions", {"name": "东区"}, status=201)["id"]
    patch(quality_hall, "/api/v1/branches/1", {"region_id": east})
    region = periodic.build(ctx, Selection(None, None, *JANUARY, east), "en", monthly=True)
    assert region.quality.complaints.total == 4 and region.quality.follow_ups.opened == 3
    assert [r.username for r in region.appraisal.rows] == ["c1", "c2"]


@pytest.fixture
def cli(quality_hall: Hall, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HALLQ_DATABASE_URL", settings.database_url)
    return CliRunner()


def pdf_pages(path: Path) -> int:
    """Pages of a PDF written by Pillow (one page object each)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", path.read_bytes()))


def test_hallq_report_daily_and_monthly_write_every_section(
    cli: CliRunner, quality_hall: Hall, tmp_path: Path, backend: str
) -> None:
    daily = tmp_path / "daily.pdf"
    done = cli.invoke(app, ["report", "daily", "--date", DAY, "--branch", "1", "--output",
                            str(daily)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert pdf_pages(daily) == 3 and "audit head" in done.output
    for lang in ("zh-CN", "zh-TW", "en"):
        png = ARTIFACTS / f"report-monthly-{lang}-{backend}.png"
        done = cli.invoke(app, ["report", "monthly", "--month", "2026-01", "--output", str(png),
                                "--locale", lang])  # fmt: skip
        assert done.exit_code == 0, done.output
        second = png.with_name(f"{png.stem}-2.png")
        assert second.exists() and png.with_name(f"{png.stem}-3.png").exists()
        with Image.open(second) as page:
            assert page.size == (1240, 1754)
            assert sum(1 for n in page.convert("L").histogram() if n) > 20
    east = quality_hall.api.post("/api/v1/regions", {"name": "东区"}, status=201)["id"]
    patch(quality_hall, "/api/v1/branches/1", {"region_id": east})
    region = tmp_path / "region.pdf"
    done = cli.invoke(app, ["report", "monthly", "--month", "2026-01", "--region", str(east),
                            "--output", str(region)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert pdf_pages(region) == 3
    for bad, says in ((["monthly", "--month", "2026-13"], "month"),
                      (["monthly", "--branch", "1", "--region", "2"], "not both"),
                      (["daily", "--output", "x.doc"], ".pdf"),
                      (["monthly", "--region", "999"], "999"),
                      (["daily", "--locale", "fr"], "locale")):  # fmt: skip
        refused = cli.invoke(app, ["report", *bad])
        assert refused.exit_code == 1 and says in refused.output, (bad, refused.output)
