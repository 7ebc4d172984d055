"""Issue 13, item 8, end to end: a service named `=1+2` and a clerk's outcome
`=HYPERLINK(...)` go through the web download (`/api/v1/stats/export`) and through `hallq
report`, CSV and XLSX, and come out as text, never as a formula (API.md, "Limits and privacy").
tests/test_export_formulas.py checks the writers alone."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from server.cli import app
from server.core.settings import Settings
from tests.conftest import Api

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cheap_hashing")]

NAME = "=1+2"
OUTCOME = '=HYPERLINK("http://x","click")'
HOSTILE = {NAME, OUTCOME}


@pytest.fixture
def day(api: Api) -> str:
    """One ticket of a service named NAME (in every language), completed by a clerk with
    OUTCOME; the ticket's business date."""
    names = {"zh-CN": NAME, "zh-TW": NAME, "en": NAME}
    service = api.service("F", name=names)
    counter = api.counter(9, [service["id"]])
    clerk = api.user("clerk-f")
    ticket = api.issue(service["id"])
    api.act(counter["id"], "open", headers=clerk)
    api.act(counter["id"], "call-next", headers=clerk)
    api.act(counter["id"], "start", headers=clerk)
    done = api.act(counter["id"], "complete", {"outcome": OUTCOME}, headers=clerk)
    assert done["ticket"]["outcome"] == OUTCOME  # stored as typed; only the files neutralise it
    return str(ticket["business_date"])


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def assert_csv_neutral(text: str, expected: set[str]) -> None:
    """Every hostile value is there with its leading quote, and no cell starts like a formula."""
    cells = [cell for row in csv_cells(text) for cell in row]
    assert {f"'{value}" for value in expected} <= set(cells)
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]


def xlsx_cells(source: bytes | Path) -> list[Any]:
    book = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source)
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_xlsx_neutral(source: bytes | Path, expected: set[str]) -> None:
    """Every hostile value is a string cell holding the text as typed; no cell is a formula."""
    cells = xlsx_cells(source)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = [c for c in cells if c.value in HOSTILE]
    assert {c.value for c in hostile} == expected
    assert {c.data_type for c in hostile} == {"s"}


def download(api: Api, day: str, fmt: str, **params: str) -> bytes:
    query = {"branch_id": 1, "from": day, "to": day, "format": fmt} | params
    response = api.client.get("/api/v1/stats/export", params=query, headers=api.admin)
    assert response.status_code == 200, response.text
    return response.content


def test_the_web_download_writes_the_hostile_values_as_text(api: Api, day: str) -> None:
    assert_csv_neutral(download(api, day, "csv").decode("utf-8"), HOSTILE)
    assert_xlsx_neutral(download(api, day, "xlsx"), HOSTILE)
    grouped = {"kind": "grouped", "group_by": "service"}
    assert_csv_neutral(download(api, day, "csv", **grouped).decode("utf-8"), {NAME})
    assert_xlsx_neutral(download(api, day, "xlsx", **grouped), {NAME})


def test_hallq_report_writes_the_hostile_values_as_text(
    api: Api, day: str, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HALLQ_DATABASE_URL", settings.database_url)
    cli = CliRunner()
    span = ["report", "--from", day, "--to", day, "--branch", "1"]

    def run(*args: str) -> str:
        done = cli.invoke(app, [*span, *args])
        assert done.exit_code == 0, done.output
        return str(done.stdout)

    assert_csv_neutral(run("--tickets", "--format", "csv"), HOSTILE)
    assert_csv_neutral(run("--group-by", "service", "--format", "csv"), {NAME})
    tickets, grouped = tmp_path / "tickets.xlsx", tmp_path / "services.xlsx"
    run("--tickets", "--format", "xlsx", "--output", str(tickets))
    run("--group-by", "service", "--format", "xlsx", "--output", str(grouped))
    assert_xlsx_neutral(tickets, HOSTILE)
    assert_xlsx_neutral(grouped, {NAME})
