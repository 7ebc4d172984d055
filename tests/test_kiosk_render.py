"""Ticket rendering, printer URLs, status probes and printing, against python-escpos' Dummy and
the fake network printer (tests/fake_printer.py). No server needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kiosk.escpos_writer import FS_KANJI_ON, Options, Writer, wrap_columns
from kiosk.port import PrinterPort
from kiosk.printers import PrinterUrl, check_profile, parse_printer_url
from kiosk.render import render_test_page, render_ticket
from kiosk.status import Health
from kiosk.store import PrintedStore
from server import protocol as p
from tests.browser import ARTIFACTS
from tests.escpos_decode import decode
from tests.fake_printer import FakePrinter

URL = "http://127.0.0.1:8000/t/Xy7kQ2"


def make_job(locale: p.Locale = "zh-CN", number: str = "A012", **ticket: object) -> p.PrintJob:
    fields: dict[str, object] = {
        "id": 7, "public_id": "Xy7kQ2", "branch_id": 1, "service_id": 1, "number": number,
        "business_date": date(2026, 5, 1), "state": "waiting", "priority": "normal",
        "channel": "kiosk", "issued_at": datetime(2026, 5, 1, 1, 5, tzinfo=UTC),
        "called_at": None, "started_at": None, "finished_at": None, "counter_id": None,
        "clerk_id": None, "calls": 0, "position": 3, "estimated_wait_s": 600, "outcome": None,
        "rating": None,
    } | ticket  # fmt: skip
    return p.PrintJob(
        id=11, branch_id=1, kiosk_id=1, ticket_id=7, state="pending", error=None,
        created_at=datetime.now(UTC), finished_at=None, locale=locale,
        expires_at=datetime.now(UTC) + timedelta(minutes=2),
        ticket=p.Ticket.model_validate(fields), branch_name="服务大厅",
        service_name={"zh-CN": "综合业务", "zh-TW": "綜合業務", "en": "General"},
        footer="谢谢光临！", public_url=URL,
    )  # fmt: skip


def test_native_gb18030_ticket_has_fs_and_chinese_qr_and_cut() -> None:
    data = render_ticket(make_job(), Options(cjk="gb18030"), UTC)
    printed = decode(data, "gb18030")
    assert "A012" in printed.texts
    assert FS_KANJI_ON + "综合业务".encode("gb18030") in data
    assert "综合业务" in printed.kanji and "服务大厅" in printed.kanji
    assert "前面还有 3 人" in printed.texts and "预计等候约 10 分钟" in printed.texts
    assert "取号时间：2026-05-01 01:05" in printed.kanji  # full-width colon kept, not "?"
    assert "?" not in printed.text()
    assert printed.qr_codes == [URL]
    assert printed.cuts == 1
    assert not printed.rasters


@pytest.mark.integration
def test_ticket_uses_the_ticket_language_and_time_zone() -> None:
    from zoneinfo import ZoneInfo

    data = render_ticket(make_job("en"), Options(), ZoneInfo("Asia/Shanghai"))
    text = decode(data).text()
    assert "General" in text and "People ahead: 3" in text and "about 10 min" in text
    assert "Issued: 2026-05-01 09:05" in text
    tw = decode(render_ticket(make_job("zh-TW"), Options(cjk="big5")), "big5")
    assert "綜合業務" in tw.kanji and "前面還有 3 人" in tw.kanji


@pytest.mark.integration
def test_big5_falls_back_to_an_image_for_characters_it_cannot_encode() -> None:
    data = render_ticket(make_job("zh-TW"), Options(cjk="big5"))
    printed = decode(data, "big5")
    assert "綜合業務" in printed.kanji  # traditional: native
    assert "服务大厅" not in printed.text() and "?" not in printed.text()
    assert printed.rasters  # the simplified branch name came out as a picture


@pytest.mark.integration
def test_image_mode_prints_chinese_as_raster_and_nothing_in_fs_mode() -> None:
    data = render_ticket(make_job(), Options(cjk="image"))
    printed = decode(data)
    assert FS_KANJI_ON not in data
    assert printed.texts == ["A012"]  # only ASCII lines are text
    non_ascii_lines = 8  # branch, service, ahead, wait, time, scan, footer, keep
    assert len(printed.rasters) == non_ascii_lines
    for raster in printed.rasters:
        assert raster.width <= 512 and any(raster.data)
    assert printed.qr_codes == [URL] and printed.cuts == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    printed.raster_images()[1].save(ARTIFACTS / "kiosk-image-mode-service.png")


@pytest.mark.integration
def test_profile_without_native_qr_gets_a_raster_qr_that_decodes() -> None:
    data = render_ticket(make_job(), Options(profile="POS-5890", cjk="image"))
    printed = decode(data)
    assert not printed.qr_codes
    assert printed.raster_qr_codes() == [URL]
    assert printed.cuts == 0  # the profile has no cutter: feed only
    assert all(r.width <= 384 for r in printed.rasters)


def test_big_number_fits_the_paper() -> None:
    for profile, width in ((None, 512), ("POS-5890", 384)):
        writer = Writer(Options(profile=profile))
        assert writer.width_px == width
        data = render_ticket(make_job(number="AB123"), Options(profile=profile))
        size_cmds = [data[i + 2] for i in range(len(data) - 2) if data[i : i + 2] == b"\x1d!"]
        mult = max(size_cmds) % 16 + 1
        assert mult * 12 * len("AB123") <= width


def test_wrap_counts_chinese_as_two_columns() -> None:
    assert wrap_columns("一二三四五", 6) == ["一二三", "四五"]
    assert wrap_columns("hello big world", 9) == ["hello big", "world"]


def test_test_page_has_three_languages_a_qr_and_the_status() -> None:
    health = Health(online=True, paper="near_end", detail="paper_near_end")
    data = render_test_page(Options(cjk="gb18030"), printer_url="tcp://p:9100", health=health,
                            now=datetime(2026, 5, 1, 9, 0), qr_payload="http://hall")  # fmt: skip
    printed = decode(data)
    text = printed.text()
    assert "简体中文：请 A012 号到 3 号窗口办理" in text
    assert "繁體中文：請 A012 號到 3 號窗口辦理" in text
    assert "English: Number A012, please go to counter 3" in " ".join(printed.texts)
    assert "paper near_end" in text and printed.qr_codes == ["http://hall"]


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("tcp://10.0.0.5", PrinterUrl("tcp", host="10.0.0.5", port=9100)),
        ("tcp://printer:9101", PrinterUrl("tcp", host="printer", port=9101)),
        ("usb://0416:5011", PrinterUrl("usb", vendor_id=0x0416, product_id=0x5011)),
        ("serial:///dev/ttyUSB0?baud=19200", PrinterUrl("serial", path="/dev/ttyUSB0", baud=19200)),
        ("file:///dev/usb/lp0", PrinterUrl("file", path="/dev/usb/lp0")),
        ("dummy:", PrinterUrl("dummy")),
    ],
)
def test_printer_urls(url: str, parsed: PrinterUrl) -> None:
    assert parse_printer_url(url) == parsed


@pytest.mark.parametrize("url", ["lpt1", "tcp://", "usb://xyz", "serial://", "http://x"])
def test_bad_printer_urls_say_what_to_give(url: str) -> None:
    with pytest.raises(ValueError, match="printer URL"):
        parse_printer_url(url)


def test_unknown_profile_lists_the_known_ones() -> None:
    check_profile("TM-T88V")
    with pytest.raises(ValueError, match="POS-5890"):
        check_profile("no-such-printer")


# ---- the fake network printer ------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize(
    ("state", "online", "paper", "detail", "ready"),
    [
        ("online", True, "ok", None, True),
        ("near_end", True, "near_end", "paper_near_end", True),
        ("cover_open", True, "ok", "cover_open", False),
        ("paper_out", True, "out", "paper_out", False),
    ],
)
def test_status_probe(state: str, online: bool, paper: str, detail: str | None,
                      ready: bool) -> None:  # fmt: skip
    with FakePrinter(state) as printer:  # type: ignore[arg-type]
        health = PrinterPort(parse_printer_url(printer.url), probe_timeout=2).probe()
    assert health == Health(online=online, paper=paper, detail=detail, ready=ready)  # type: ignore[arg-type]


@pytest.mark.integration
def test_a_silent_printer_is_offline_not_paper_ok() -> None:
    with FakePrinter() as printer:
        printer.silent = True
        health = PrinterPort(parse_printer_url(printer.url), probe_timeout=0.3).probe()
    assert health == Health(online=False, paper="ok", detail="no_answer", ready=False)


@pytest.mark.integration
def test_a_refusing_printer_is_unreachable() -> None:
    printer = FakePrinter()  # never started: nothing listens on its port
    health = PrinterPort(parse_printer_url(printer.url)).probe()
    assert not health.online and not health.ready
    assert health.detail is not None and health.detail.startswith("unreachable")


@pytest.mark.integration
def test_printing_sends_the_ticket_once_and_checks_status_around_it() -> None:
    with FakePrinter() as printer:
        port = PrinterPort(parse_printer_url(printer.url), probe_timeout=2)
        outcome = port.print(render_ticket(make_job(), Options()))
        assert outcome.ok and outcome.health.ready
        [ticket] = printer.tickets()
        assert "A012" in ticket.texts and ticket.qr_codes == [URL] and ticket.cuts == 1
        assert decode(printer.data()).status_queries == [1, 2, 4, 1, 2, 4]


@pytest.mark.integration
def test_paper_out_prints_nothing_and_says_why() -> None:
    with FakePrinter("paper_out") as printer:
        outcome = PrinterPort(parse_printer_url(printer.url), probe_timeout=2).print(
            render_ticket(make_job(), Options())
        )
        assert not outcome.ok and outcome.error == "paper_out"
        assert outcome.health.paper == "out"
        assert printer.tickets() == []


@pytest.mark.integration
def test_printing_recovers_after_the_printer_dropped_the_connection() -> None:
    with FakePrinter() as printer:
        port = PrinterPort(parse_printer_url(printer.url), probe_timeout=2)
        assert port.print(render_ticket(make_job(), Options())).ok
        printer.drop()
        printer.refuse()
        assert not port.print(render_ticket(make_job(number="A013"), Options())).ok
        printer.start()
        assert port.print(render_ticket(make_job(number="A014"), Options())).ok
        numbers = [t.texts[2] for t in printer.tickets()]
        assert numbers == ["A012", "A014"]


def test_printed_store_survives_a_restart(tmp_path: Path) -> None:
    store = PrintedStore(tmp_path / "s" / "printed.json")
    store.mark(1, "printing")
    store.mark(2, "printed")
    store.mark(3, "failed", "paper_out")
    store.reported(2)
    again = PrintedStore(tmp_path / "s" / "printed.json")
    assert again.get(1) is not None and again.get(1).state == "printing"  # type: ignore[union-attr]
    assert again.unreported() == [3]


@pytest.mark.integration
def test_cli_test_page_on_the_fake_printer() -> None:
    from server.cli import app

    with FakePrinter() as printer:
        result = CliRunner().invoke(
            app, ["kiosk", "--printer", printer.url, "--profile", "POS-5890", "--test-page"]
        )
        assert result.exit_code == 0, result.output
        assert "test page printed" in result.output
        [page] = printer.tickets()
        assert "English: Number A012, please go to counter 3" in " ".join(page.texts)
        assert page.raster_qr_codes() == ["http://127.0.0.1:8000"]


@pytest.mark.integration
def test_cli_test_page_fails_when_the_printer_is_out_of_paper() -> None:
    from server.cli import app

    with FakePrinter("paper_out") as printer:
        result = CliRunner().invoke(app, ["kiosk", "--printer", printer.url, "--test-page"])
    assert result.exit_code == 1 and "paper_out" in result.output
