"""What a ticket and the test page say, in the ticket's language. Pure: a print job in, the
printer's bytes out (tested without a printer)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from kiosk.escpos_writer import Options, Writer
from kiosk.status import Health
from server import protocol as p

LABELS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "ahead": "前面还有 {n} 人",
        "next": "您是下一位，请留意叫号",
        "wait": "预计等候约 {m} 分钟",
        "no_counter": "暂无窗口办理，请留意叫号",
        "issued": "取号时间：{t}",
        "scan": "扫码查看排队进度",
        "priority": "优先",
        "appointment": "预约 {t}",
        "keep": "请妥善保管此票，过号需重新取号",
    },
    "zh-TW": {
        "ahead": "前面還有 {n} 人",
        "next": "您是下一位，請留意叫號",
        "wait": "預計等候約 {m} 分鐘",
        "no_counter": "暫無窗口辦理，請留意叫號",
        "issued": "取號時間：{t}",
        "scan": "掃碼查看排隊進度",
        "priority": "優先",
        "appointment": "預約 {t}",
        "keep": "請妥善保管此票，過號需重新取號",
    },
    "en": {
        "ahead": "People ahead: {n}",
        "next": "You are next, please watch the screen",
        "wait": "Estimated wait: about {m} min",
        "no_counter": "No counter open at the moment",
        "issued": "Issued: {t}",
        "scan": "Scan to follow your turn",
        "priority": "Priority",
        "appointment": "Appointment {t}",
        "keep": "Please keep this ticket until you are called",
    },
}


def label(locale: str, key: str, **values: object) -> str:
    text = LABELS.get(locale, LABELS["zh-CN"])[key]
    return text.format(**values)


def number_size(writer: Writer, number: str) -> int:
    """The largest character size (1..8) at which the number still fits on one line."""
    return max(1, min(8, writer.columns() // max(1, len(number))))


def render_ticket(job: p.PrintJob, options: Options, tz: tzinfo | None = None) -> bytes:
    """One ticket's bytes: branch, service, big number, people ahead, wait, time, QR, footer."""
    locale = job.locale
    ticket = job.ticket
    w = Writer(options, locale)
    w.line(job.branch_name, size=2, align="center", bold=True)
    service = job.service_name.get(locale) or next(iter(job.service_name.values()), "")
    w.line(service, size=2, align="center")
    if ticket.priority == "priority":
        w.line(label(locale, "priority"), align="center", bold=True)
    if ticket.appointment_start is not None:  # checked in: queues at its slot's start
        slot = ticket.appointment_start.astimezone(tz).strftime("%H:%M")
        w.line(label(locale, "appointment", t=slot), align="center", bold=True)
    w.feed(1)
    w.line(ticket.number, size=number_size(w, ticket.number), align="center", bold=True)
    w.feed(1)
    if ticket.position is not None:
        key = "next" if ticket.position == 0 else "ahead"
        w.line(label(locale, key, n=ticket.position), align="center")
    if ticket.open_counters == 0:  # nobody serves it now: no estimate
        w.line(label(locale, "no_counter"), align="center")
    elif ticket.estimated_wait_s:
        minutes = max(1, round(ticket.estimated_wait_s / 60))
        w.line(label(locale, "wait", m=minutes), align="center")
    issued = ticket.issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    w.line(label(locale, "issued", t=issued), align="center")
    if job.public_url:  # always in a kiosk's own jobs; null where the job was not its own
        w.feed(1)
        w.qr(job.public_url)
        w.line(label(locale, "scan"), align="center")
    if job.footer:
        w.feed(1)
        w.line(job.footer, align="center")
    w.line(label(locale, "keep"), align="center")
    w.finish()
    return w.output()


TEST_LINES = (
    ("zh-CN", "简体中文：请 A012 号到 3 号窗口办理"),
    ("zh-TW", "繁體中文：請 A012 號到 3 號窗口辦理"),
    ("en", "English: Number A012, please go to counter 3"),
)


def render_test_page(
    options: Options, *, printer_url: str, health: Health, now: datetime, qr_payload: str
) -> bytes:
    """Three languages, a QR code, the status the printer reported, the settings in use."""
    w = Writer(options, "zh-CN")
    w.line("打印测试 / 列印測試", size=2, align="center", bold=True)
    w.line("hallq printer test", size=2, align="center", bold=True)
    w.feed(1)
    for _, text in TEST_LINES:
        w.line(text)
    w.feed(1)
    w.line("A012", size=number_size(w, "A012"), align="center", bold=True)
    w.line(f"printer: {printer_url}")
    w.line(f"profile: {options.profile or 'default'}  cjk: {options.cjk}  width: {w.width_px}")
    native = "native" if w.native_qr else "raster"
    w.line(f"qr: {native}  cut: {'yes' if w.can_cut else 'no'}")
    state = "online" if health.online else "offline"
    w.line(
        f"status: {state}, paper {health.paper}" + (f", {health.detail}" if health.detail else "")
    )
    w.line(f"time: {now.strftime('%Y-%m-%d %H:%M:%S')}")
    w.feed(1)
    w.qr(qr_payload)
    w.line("扫码测试 / 掃碼測試 / Scan test", align="center")
    w.finish()
    return w.output()
