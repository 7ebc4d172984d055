"""Exports (CSV with BOM, XLSX) opened and checked; `hallq report` and `hallq report daily`."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from server.cli import app
from server.core.settings import Settings
from tests.browser import ARTIFACTS
from tests.conftest import Api
from tests.support import Clock
from tests.test_stats import DAY, Hall, make_hall, run_scenario

pytestmark = pytest.mark.integration

SPAN = {"branch_id": 1, "from": DAY, "to": DAY}


@pytest.fixture
def hall(api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Hall:
    return make_hall(api, clock, monkeypatch)


def download(h: Hall, **params: object) -> tuple[bytes, dict[str, str]]:
    response = h.api.client.get("/api/v1/stats/export", params={**SPAN, **params},
                                headers=h.api.admin)  # fmt: skip
    assert response.status_code == 200, response.text
    return response.content, dict(response.headers)


def test_ticket_csv_has_a_bom_chinese_headers_and_one_row_per_ticket(hall: Hall) -> None:
    run_scenario(hall)
    body, headers = download(hall, format="csv")
    assert body.startswith(b"\xef\xbb\xbf")
    assert headers["content-type"].startswith("text/csv")
    assert (
        'attachment; filename="hallq-tickets-branch1-2026-01-15_2026-01-15.csv"'
        in (headers["content-disposition"])
    )
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 9
    a3 = next(r for r in rows if r["号码"] == "A003")
    assert (a3["业务类型"], a3["状态"], a3["窗口"], a3["工作人员"]) == (
        "业务A",
        "已办结",
        "1号窗口",
        "c1",
    )
    assert (a3["等候(秒)"], a3["办理(秒)"], a3["等候达标"]) == ("720.0", "240.0", "0")
    assert a3["取号时间"] == "2026-01-15 09:00:00"  # the hall's local time
    a2 = next(r for r in rows if r["号码"] == "A002")
    assert (a2["业务类型"], a2["入队时间"], a2["等候(秒)"]) == (
        "业务B",
        "2026-01-15 09:12:00",
        "120.0",
    )


def test_ticket_xlsx_keeps_numbers_as_numbers_and_times_as_times(hall: Hall) -> None:
    run_scenario(hall)
    body, headers = download(hall, format="xlsx", locale="zh-TW")
    assert headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[:5] == ("票號ID", "號碼", "大廳", "業務日期", "業務類型") and len(data) == 9
    a1 = dict(zip(header, next(r for r in data if r[1] == "A001"), strict=True))
    assert a1["狀態"] == "已辦結" and a1["業務類型"] == "业务A"  # names stay as configured
    assert isinstance(a1["票號ID"], int) and a1["等候(秒)"] == 240 and a1["評價"] == 5
    assert isinstance(a1["辦理(秒)"], float | int) and a1["辦理(秒)"] == 300
    assert a1["取號時間"] == datetime(2026, 1, 15, 9, 0)


def test_grouped_exports_match_the_breakdown(hall: Hall) -> None:
    run_scenario(hall)
    body, _ = download(hall, format="csv", kind="grouped", group_by="service", locale="en")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Service", "Issued", "Served", "No-show"]
    assert [r[0] for r in rows[1:]] == ["Service A", "Service B"]
    assert rows[1][rows[0].index("Within target (%)")] == "33.3"
    body, headers = download(hall, format="xlsx", kind="grouped", group_by="clerk")
    assert "hallq-stats-clerk-branch1" in headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(body)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "工作人员" and values[1][0] == "c1"
    assert values[1][1] == 2 and values[1][values[0].index("平均等候(秒)")] == 540.0


@pytest.fixture
def cli(hall: Hall, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    run_scenario(hall)
    monkeypatch.setenv("HALLQ_DATABASE_URL", settings.database_url)
    return CliRunner()


def test_hallq_report_prints_a_table_and_writes_csv_and_xlsx(cli: CliRunner, tmp_path: Path
                                                              ) -> None:  # fmt: skip
    span = ["--from", DAY, "--to", DAY]
    table = cli.invoke(app, ["report", *span, "--branch", "1", "--group-by", "service"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].startswith("业务类型") and lines[2].startswith("业务A")
    assert "33.3" in lines[2] and "83.3" in lines[3]
    total = cli.invoke(app, ["report", *span, "--region", "华东"])
    assert total.exit_code == 0 and "合计" in total.output and "66.7" in total.output
    out_csv = tmp_path / "by-day.csv"
    done = cli.invoke(app, ["report", *span, "--group-by", "day", "--format", "csv",
                            "--output", str(out_csv), "--locale", "en"])  # fmt: skip
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert rows[1][:2] == [DAY, "10"]  # both halls on 2026-01-15
    out_xlsx = tmp_path / "tickets.xlsx"
    done = cli.invoke(app, ["report", *span, "--branch", "1", "--tickets", "--format", "xlsx",
                            "--output", str(out_xlsx)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert load_workbook(out_xlsx).active.max_row == 10
    bad = cli.invoke(app, ["report", "--group-by", "weekday"])
    assert bad.exit_code == 1 and "group-by" in bad.output


def test_hallq_report_daily_draws_a_png_and_a_pdf(cli: CliRunner, tmp_path: Path,
                                                  backend: str) -> None:  # fmt: skip
    png = ARTIFACTS / f"report-daily-{backend}.png"
    done = cli.invoke(app, ["report", "daily", "--date", DAY, "--branch", "1",
                            "--output", str(png)])  # fmt: skip
    assert done.exit_code == 0, done.output
    with Image.open(png) as image:
        assert image.size == (1240, 1754)
        assert (
            sum(1 for n in image.convert("L").histogram() if n) > 20
        )  # text and charts, not a blank page
    pdf = tmp_path / "daily.pdf"
    done = cli.invoke(app, ["report", "daily", "--date", DAY, "--output", str(pdf),
                            "--locale", "en"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
