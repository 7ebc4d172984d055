"""The appraisal table as A4 landscape pages drawn with Pillow (as the daily report is), saved as
one PDF: the hall, the dates, one row per clerk, and the rules of the figures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from server.appraisal import files
from server.appraisal.service import Appraisal
from server.stats.reports import charts
from server.stats.reports.daily import _wrap
from server.stats.reports.export import Cell

WIDTH, HEIGHT, DPI = 1754, 1240, 150  # A4 landscape at 150 dpi
ROWS_PER_PAGE = 26
HEAD = (13, 59, 102)
TITLE = {"zh-CN": "工作人员绩效考核", "zh-TW": "工作人員績效考核", "en": "Clerk appraisal"}
GENERATED = {"zh-CN": "生成于", "zh-TW": "產生於", "en": "generated"}
RULES = {
    "zh-CN": "办结、过号、办理时长、超时与评价计入最后办理该号的工作人员；等候与达标率计入叫号的"
    "工作人员；转办计入执行转移的工作人员。办理 = 结束 − 开始（未点开始则 − 叫号）；超时 = 办理时长"
    "超过该业务限时（恰好等于不算）；差评 = 1–2 星；"
    "开窗/暂停/空闲按窗口状态计时，空闲 = 开放且手中无号。",
    "zh-TW": "辦結、過號、辦理時長、超時與評價計入最後辦理該號的工作人員；等候與達標率計入叫號的"
    "工作人員；轉辦計入執行轉移的工作人員。辦理 = 結束 − 開始（未按開始則 − 叫號）；超時 = 辦理時長"
    "超過該業務限時（恰好等於不算）；差評 = 1–2 星；"
    "開窗/暫停/空閒按窗口狀態計時，空閒 = 開放且手中無號。",
    "en": "Served, no-shows, service times, overruns and ratings count for the clerk who last "
    "served the ticket; waits and the within-target share for the clerk who called it; transfers "
    "for the clerk who made them. Service = finish − start (− call if never started); over limit "
    "= longer than the service's limit (equal is within); low = 1–2 stars; open, paused and idle "
    "time from the counter's states, idle = open with nothing in hand.",
}  # fmt: skip


def pages(result: Appraisal, hall: str, now: datetime) -> list[Image.Image]:
    """One image per page of ROWS_PER_PAGE clerks (at least one page)."""
    loc = result.locale
    header = files.appraisal_header(loc)
    records = list(files.appraisal_records(result.rows))
    chunks = [records[i : i + ROWS_PER_PAGE] for i in range(0, len(records), ROWS_PER_PAGE)]
    zone = ZoneInfo(result.scope.branches[0].timezone) if result.scope.branches else None
    stamp = (now.astimezone(zone) if zone else now).strftime("%Y-%m-%d %H:%M")
    subtitle = (f"{result.scope.date_from} – {result.scope.date_to}   ·   "
                f"{GENERATED.get(loc, GENERATED['en'])} {stamp}")  # fmt: skip
    images = []
    for number, chunk in enumerate(chunks or [[]], start=1):
        image = Image.new("RGB", (WIDTH, HEIGHT), "white")
        draw = ImageDraw.Draw(image)
        big, small = charts.font(40, bold=True, locale=loc), charts.font(20, locale=loc)
        bold, tiny = charts.font(17, bold=True, locale=loc), charts.font(17, locale=loc)
        draw.rectangle((0, 0, WIDTH, 120), fill=HEAD)
        title = f"{hall}  {TITLE.get(loc, TITLE['en'])}"
        draw.text((50, 24), title, font=big, fill="white")
        draw.text(
            (52, 82), f"{subtitle}   ·   {number}/{len(chunks) or 1}", font=small, fill="white"
        )
        _table(draw, header, chunk, (bold, tiny))
        rules = _wrap(draw, RULES.get(loc, RULES["en"]), tiny, WIDTH - 100)
        draw.multiline_text((50, HEIGHT - 110), rules, font=tiny, fill=charts.MUTED, spacing=5)
        images.append(image)
    return images


def _table(draw: ImageDraw.ImageDraw, header: list[str], rows: list[list[Cell]],
           fonts: tuple[charts.Font, charts.Font]) -> None:  # fmt: skip
    bold, face = fonts
    left, top, first_w = 50, 150, 170
    width = (WIDTH - 100 - first_w) / (len(header) - 1)
    xs = [left, *(left + first_w + i * width for i in range(len(header) - 1))]
    for i, name in enumerate(header):
        w = first_w if i == 0 else width
        lines = _wrap(draw, name, bold, int(w - 8))
        draw.multiline_text((xs[i] + (4 if i == 0 else w - 4), top), lines, font=bold,
                            fill=charts.MUTED, anchor="la" if i == 0 else "ra", spacing=2,
                            align="left" if i == 0 else "right")  # fmt: skip
    y = top + 62
    draw.line((left, y - 6, WIDTH - 50, y - 6), fill=charts.GRID, width=2)
    for n, row in enumerate(rows):
        if n % 2:
            draw.rectangle((left, y - 2, WIDTH - 50, y + 30), fill=(246, 248, 250))
        for i, value in enumerate(row):
            text = "–" if value is None else str(value)
            if i == 0:
                draw.text((xs[0] + 4, y), charts.fit(draw, text, face, first_w - 8), font=face,
                          fill=charts.INK)  # fmt: skip
            else:
                draw.text((xs[i] + width - 4, y), text, font=face, fill=charts.INK, anchor="ra")
        y += 34


def save_pdf(images: list[Image.Image], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
