"""Ratings with their comments and the clerk appraisal, on the hand-computed scenario of
tests/test_stats.py (SQLite, and PostgreSQL + Redis when reachable).

At 30:00 both counters have been open since 0:00. c1 (counter 1) held a1 4:00–11:00, a2
11:00–12:00 (transferred), a3 12:00–16:00: idle 0–4 and 16–30 = 18 min. c2 (counter 2) held
b1 2–7, b2 7–9 (no-show), a2 14–15, b3 22–23, b2 24–26, b4 26–28: idle 2+5+7+1+2 = 17 min.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from server.appraisal import report
from server.appraisal import service as appraisal
from server.cli import app
from server.core.context import Ctx, Principal
from server.core.engine import Database
from server.core.settings import Settings
from server.stats import service as stats
from tests.browser import ARTIFACTS
from tests.conftest import Api
from tests.support import Clock
from tests.test_stats import DAY, Hall, make_hall, run_scenario

SPAN = {"branch_id": 1, "from": DAY, "to": DAY}
JAN15 = date(2026, 1, 15)


@pytest.fixture
def hall(api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Hall:
    h = make_hall(api, clock, monkeypatch)
    run_scenario(h)
    comment = '=HYPERLINK("http://x") <b>slow</b>'
    h.api.post(f"/api/v1/public/tickets/{h.public['a3']}/rating", {"score": 1, "comment": comment})
    h.at(30)
    return h


@pytest.fixture
def ctx(settings: Settings, clock: Clock) -> Iterator[Ctx]:
    context = Ctx(Database(settings.database_url), settings, clock, None,
                  Principal(kind="admin", username="test"))  # fmt: skip
    yield context
    context.db.dispose()


def rows_by_name(hall: Hall, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {r["username"]: r for r in hall.api.get("/api/v1/stats/clerks", headers, **SPAN)}


def test_each_clerks_row_holds_the_figures_worked_out_by_hand(hall: Hall) -> None:
    hall.api.client.patch(f"/api/v1/services/{hall.ids['A']}", json={"max_service_min": 4},
                          headers=hall.api.admin).raise_for_status()  # fmt: skip
    rows = rows_by_name(hall)
    assert set(rows) == {"c1", "c2"}  # c3 works in hall 2
    c1, c2 = rows["c1"], rows["c2"]
    assert c1 == {
        "clerk_id": hall.ids["c1"], "username": "c1", "served": 2, "no_show": 0,
        "transferred": 1, "wait_s": {"mean": 540.0},
        "service_s": {"mean": 270.0, "median": 270.0, "p90": 294.0},
        "over_limit": 1,  # a1 took 300 s > 4 min; a3 took 240 s, equal to it: within
        "sla_pct": 33.3, "rating": {"mean": 3.0, "count": 2, "low": 1},
        "complaints": {"total": 0, "upheld": 0},
        "open_s": 1800.0, "paused_s": 0.0, "idle_s": 1080.0,
    }  # fmt: skip
    assert (c2["served"], c2["no_show"], c2["transferred"], c2["over_limit"]) == (4, 1, 0, 0)
    assert (c2["open_s"], c2["idle_s"], c2["rating"]) == (
        1800.0, 1020.0, {"mean": 3.0, "count": 1, "low": 0})  # fmt: skip


def test_complaints_count_against_the_clerk_of_the_ticket(hall: Hall) -> None:
    for ticket, upheld in (("a1", True), ("a3", False), ("b1", None)):
        body = {"branch_id": 1, "ticket_id": hall.ids[ticket], "category": "attitude", "text": "x"}
        made = hall.api.post("/api/v1/complaints", body, status=201)
        if upheld is not None:
            change = {"state": "resolved", "resolution": "已处理", "upheld": upheld}
            hall.api.client.patch(f"/api/v1/complaints/{made['id']}", json=change,
                                  headers=hall.api.admin).raise_for_status()  # fmt: skip
    rows = rows_by_name(hall)
    assert rows["c1"]["complaints"] == {"total": 2, "upheld": 1}
    assert rows["c2"]["complaints"] == {"total": 1, "upheld": 0}
    elsewhere = hall.api.get("/api/v1/stats/clerks", branch_id=1, **{"from": "2026-01-16"})
    assert all(r["complaints"]["total"] == 0 for r in elsewhere)  # not recorded on that day


def test_paused_time_and_a_closed_counter(hall: Hall) -> None:
    hall.act("c2", "k2", "pause", {"reason": "lunch"})
    hall.at(40)
    hall.act("c2", "k2", "close")
    hall.at(50)
    c2 = rows_by_name(hall)["c2"]
    assert (c2["open_s"], c2["paused_s"], c2["idle_s"]) == (1800.0, 600.0, 1020.0)


def test_a_rolled_up_day_gives_the_live_figures(hall: Hall, ctx: Ctx) -> None:
    hall.act("c1", "k1", "close")
    hall.at(3 * 24 * 60)  # the day is closed and rolled up on demand
    rolled = rows_by_name(hall)
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, stats.Selection(1, None, JAN15, JAN15))
        live = stats.figures(session, scope, "clerk", rollups=False)
    c1 = live[hall.ids["c1"]]
    assert rolled["c1"]["open_s"] == c1.open_ms / 1000 == 30 * 60
    assert rolled["c2"]["open_s"] == live[hall.ids["c2"]].open_ms / 1000
    # c2's counter stayed open: counted until the end of the business day (16:00 UTC)
    assert rolled["c2"]["open_s"] == 15 * 3600
    assert rolled["c1"]["over_limit"] == 0 and rolled["c1"]["served"] == 2


def test_a_clerk_sees_only_its_own_row(hall: Hall) -> None:
    mine = hall.api.get("/api/v1/stats/clerks", hall.clerks["c2"], **SPAN)
    assert [r["username"] for r in mine] == ["c2"] and mine[0]["served"] == 4
    # and no hall it does not work in
    other = hall.api.client.get("/api/v1/stats/clerks", headers=hall.clerks["c2"],
                                params={"branch_id": hall.ids["hall2"]})  # fmt: skip
    assert other.status_code == 403
    as_file = hall.api.client.get("/api/v1/stats/clerks", headers=hall.clerks["c1"],
                                  params={**SPAN, "format": "csv"})  # fmt: skip
    assert as_file.status_code == 200 and "c2" not in as_file.text


def test_roles_of_the_appraisal_and_the_ratings(hall: Hall) -> None:
    client = hall.api.client
    manager = hall.api.user("boss", role="manager", branch_ids=[1])
    assert len(hall.api.get("/api/v1/stats/clerks", manager, **SPAN)) == 2
    far = client.get("/api/v1/stats/clerks", headers=manager,
                     params={"branch_id": hall.ids["hall2"]})  # fmt: skip
    assert far.status_code == 403
    assert client.get("/api/v1/stats/clerks", params=SPAN).status_code == 401
    kiosk = hall.api.device("kiosk")[1]
    assert client.get("/api/v1/stats/clerks", headers=kiosk).status_code == 403
    assert client.get("/api/v1/ratings", headers=hall.clerks["c1"]).json()["error"] == "forbidden"
    assert client.get("/api/v1/ratings", headers=kiosk).status_code == 403
    assert client.get("/api/v1/ratings").status_code == 401
    assert len(hall.api.get("/api/v1/ratings", manager, **SPAN)) == 3


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/ratings", {"max_score": 6}),
        ("/api/v1/ratings", {"max_score": 0}),
        ("/api/v1/ratings", {"from": DAY, "to": "2026-01-01"}),
        ("/api/v1/ratings", {"from": "1500-01-01"}),
        ("/api/v1/ratings", {"limit": 10001}),
        ("/api/v1/ratings", {"format": "pdf"}),
        ("/api/v1/ratings", {"clerk_id": "x"}),
        ("/api/v1/ratings", {"branch_id": 1, "region": "华东"}),
        ("/api/v1/stats/clerks", {"format": "pdf"}),
        ("/api/v1/stats/clerks", {"from": "2026-13-01"}),
        ("/api/v1/stats/clerks", {"from": "2020-01-01", "to": "2036-01-01"}),
        ("/api/v1/stats/clerks", {"region": "x" * 101}),
        ("/api/v1/stats/clerks", {"locale": "fr"}),
    ],
)
def test_bad_input_is_refused_with_the_error_shape(
    api: Api, path: str, params: dict[str, object]
) -> None:
    answer = api.client.get(path, params=params, headers=api.admin)
    assert answer.status_code == 422
    assert answer.json()["error"] == "validation_error" and answer.json()["detail"]


def test_ratings_list_their_comments_and_find_the_low_ones(hall: Hall) -> None:
    everything = hall.api.get("/api/v1/ratings", **SPAN)
    assert [(r["number"], r["score"]) for r in everything] == [("A003", 1), ("B001", 3),
                                                               ("A001", 5)]  # fmt: skip
    low = hall.api.get("/api/v1/ratings", max_score=2, **SPAN)
    assert [r["ticket_id"] for r in low] == [hall.ids["a3"]]
    assert low[0]["comment"] == '=HYPERLINK("http://x") <b>slow</b>'
    assert low[0]["clerk_id"] == hall.ids["c1"] and low[0]["rated_at"]
    by = {"service_id": hall.ids["B"], "counter_id": hall.ids["k2"], "clerk_id": hall.ids["c2"]}
    for name, value in by.items():
        assert [r["number"] for r in hall.api.get("/api/v1/ratings", **{name: value})] == ["B001"]
    assert hall.api.get("/api/v1/ratings", branch_id=hall.ids["hall2"]) == []
    assert len(hall.api.get("/api/v1/ratings", limit=1, offset=1, **SPAN)) == 1


def test_files_hold_no_formula(hall: Hall) -> None:
    client, admin = hall.api.client, hall.api.admin
    answer = client.get("/api/v1/ratings", headers=admin,
                        params={**SPAN, "format": "csv", "locale": "en"})  # fmt: skip
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Number", "Hall", "Business date"]
    assert table[1][6:8] == ["1", '\'=HYPERLINK("http://x") <b>slow</b>']
    sheet = client.get("/api/v1/ratings", headers=admin, params={**SPAN, "format": "xlsx"})
    cells = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert cells[1][7] == '=HYPERLINK("http://x") <b>slow</b>' and cells[0][0] == "号码"
    book = client.get("/api/v1/stats/clerks", headers=admin,
                      params={**SPAN, "format": "xlsx", "locale": "zh-TW"})  # fmt: skip
    rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("工作人員", "辦結", "過號") and [r[0] for r in rows[1:]] == ["c1", "c2"]
    assert "attachment" in book.headers["content-disposition"]


@pytest.fixture
def cli(hall: Hall, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HALLQ_DATABASE_URL", settings.database_url)
    return CliRunner()


def test_hallq_report_appraisal_writes_csv_xlsx_and_pdf(
    cli: CliRunner, tmp_path: Path, backend: str, ctx: Ctx
) -> None:
    month = ["report", "appraisal", "--month", "2026-01", "--branch", "1"]
    printed = cli.invoke(app, [*month, "--locale", "en"])
    assert printed.exit_code == 0, printed.output
    rows = list(csv.reader(io.StringIO(printed.stdout.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Clerk", "Served"] and [r[:3] for r in rows[1:]] == [
        ["c1", "2", "0"], ["c2", "4", "1"]]  # fmt: skip
    sheet = tmp_path / "appraisal.xlsx"
    done = cli.invoke(app, [*month, "--format", "xlsx", "--output", str(sheet)])
    assert done.exit_code == 0, done.output
    assert load_workbook(sheet).active.max_row == 3
    for lang in ("zh-CN", "zh-TW", "en"):
        pdf = tmp_path / f"appraisal-{lang}.pdf"
        done = cli.invoke(app, [*month, "--format", "pdf", "--output", str(pdf), "--locale", lang])
        assert done.exit_code == 0, done.output
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
        result = appraisal.clerks(ctx, stats.Selection(1, None, JAN15, JAN15), lang)
        (page,) = report.pages(result, "服务大厅", ctx.clock())
        assert page.size == (1754, 1240)
        page.save(ARTIFACTS / f"report-appraisal-{lang}-{backend}.png")
    for bad, says in ((["--month", "2026-13"], "month"), (["--format", "doc"], "format"),
                      (["--month", "2026-01", "--from", DAY], "not both"),
                      (["--format", "pdf"], "--output")):  # fmt: skip
        refused = cli.invoke(app, ["report", "appraisal", *bad])
        assert refused.exit_code == 1 and says in refused.output, refused.output


def test_a_region_reads_every_hall_of_its_subtree(hall: Hall) -> None:
    east = hall.api.post("/api/v1/regions", {"name": "东区"}, status=201)["id"]
    hall.api.client.patch("/api/v1/branches/1", json={"region_id": east},
                          headers=hall.api.admin).raise_for_status()  # fmt: skip
    span = {"region_id": east, "from": DAY, "to": DAY}
    assert {r["username"] for r in hall.api.get("/api/v1/stats/clerks", **span)} == {"c1", "c2"}
    assert len(hall.api.get("/api/v1/ratings", **span)) == 3
    both = hall.api.client.get("/api/v1/ratings", headers=hall.api.admin,
                               params={**span, "branch_id": 1})  # fmt: skip
    assert both.status_code == 422
