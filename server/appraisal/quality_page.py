"""The service-quality page of the daily and monthly reports (A4 portrait, drawn with Pillow
like the rest of them): complaints by category, their deadlines and how many were upheld, and
how the follow-up calls went."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from server.appraisal.quality import CATEGORIES, Quality
from server.stats.figures import Scope
from server.stats.reports import charts
from server.stats.reports.daily import _wrap

WIDTH, HEIGHT = 1240, 1754  # A4 at 150 dpi, as the daily report's first page
HEAD, RED = (13, 59, 102), (200, 60, 60)
T3 = dict[str, str]
TEXTS: dict[str, T3] = {
    "title": {"zh-CN": "服务质量", "zh-TW": "服務品質", "en": "Service quality"},
    "generated": {"zh-CN": "生成于", "zh-TW": "產生於", "en": "generated"},
    "complaints": {"zh-CN": "投诉", "zh-TW": "投訴", "en": "Complaints"},
    "total": {"zh-CN": "投诉总数", "zh-TW": "投訴總數", "en": "Recorded"},
    "answered": {"zh-CN": "已答复", "zh-TW": "已答覆", "en": "Answered"},
    "upheld": {"zh-CN": "属实", "zh-TW": "屬實", "en": "Upheld"},
    "late": {"zh-CN": "超期答复", "zh-TW": "超期答覆", "en": "Answered late"},
    "overdue": {"zh-CN": "逾期未答复", "zh-TW": "逾期未答覆", "en": "Overdue"},
    "by_category": {"zh-CN": "投诉类别", "zh-TW": "投訴類別", "en": "Complaints by category"},
    "follow_ups": {"zh-CN": "回访", "zh-TW": "回訪", "en": "Follow-up calls"},
    "opened": {"zh-CN": "回访任务", "zh-TW": "回訪任務", "en": "Tasks opened"},
    "done": {"zh-CN": "已回访", "zh-TW": "已回訪", "en": "Called back"},
    "on_time": {"zh-CN": "按期回访", "zh-TW": "按期回訪", "en": "On time"},
    "satisfied": {"zh-CN": "回访满意率", "zh-TW": "回訪滿意率", "en": "Satisfied"},
    "c_attitude": {"zh-CN": "服务态度", "zh-TW": "服務態度", "en": "Staff attitude"},
    "c_efficiency": {"zh-CN": "办事效率", "zh-TW": "辦事效率", "en": "Efficiency"},
    "c_error": {"zh-CN": "办理差错", "zh-TW": "辦理差錯", "en": "A mistake"},
    "c_environment": {"zh-CN": "大厅环境", "zh-TW": "大廳環境", "en": "The hall"},
    "c_policy": {"zh-CN": "政策规定", "zh-TW": "政策規定", "en": "Rules and policy"},
    "c_other": {"zh-CN": "其他", "zh-TW": "其他", "en": "Other"},
    "rules": {
        "zh-CN": "统计期内登记的投诉和开立的回访任务。属实 = 办结时认定属实；超期答复 = 在答复期限"
        "（complaint_reply_hours）之后才办结或驳回；逾期未答复 = 至今未答复且已过期限。已回访、按期"
        "回访（在回访期限前完成）均按开立的任务计；回访满意率 = 回访时表示满意的占表态者的比例。"
        "工作人员绩效表见后页。",
        "zh-TW": "統計期內登記的投訴和開立的回訪任務。屬實 = 辦結時認定屬實；超期答覆 = 在答覆期限"
        "（complaint_reply_hours）之後才辦結或駁回；逾期未答覆 = 至今未答覆且已過期限。已回訪、按期"
        "回訪（在回訪期限前完成）均按開立的任務計；回訪滿意率 = 回訪時表示滿意的占表態者的比例。"
        "工作人員績效表見後頁。",
        "en": "Complaints recorded and follow-up tasks opened in the period. Upheld = found upheld "
        "when resolved; answered late = resolved or rejected after the deadline "
        "(complaint_reply_hours); overdue = not answered yet and past the deadline. Called back "
        "and on time (before the task's due date) count the tasks opened; satisfied = the share "
        "of customers who said they were satisfied, of those who said. The clerk appraisal "
        "follows.",
    },
}  # fmt: skip


def t(key: str, locale: str) -> str:
    return TEXTS[key].get(locale, TEXTS[key]["en"])


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def boxes(q: Quality, locale: str) -> dict[str, list[tuple[str, str]]]:
    """The key figures the page prints, (label, text) per section: what a reader sees."""
    c, f = q.complaints, q.follow_ups
    return {
        "complaints": [
            (t("total", locale), str(c.total)),
            (t("answered", locale), str(c.answered)),
            (t("upheld", locale), str(c.upheld)),
            (t("late", locale), str(c.late)),
            (t("overdue", locale), str(c.overdue)),
        ],
        "by_category": [(t(f"c_{k}", locale), str(c.by_category.get(k, 0))) for k in CATEGORIES],
        "follow_ups": [
            (t("opened", locale), str(f.opened)),
            (t("done", locale), f"{f.done} ({_pct(f.done_pct)})"),
            (t("on_time", locale), f"{f.on_time} ({_pct(f.on_time_pct)})"),
            (t("satisfied", locale), f"{_pct(f.satisfied_pct)} ({f.satisfied}/{f.asked})"),
        ],
    }


def page(q: Quality, name: str, scope: Scope, now: datetime, locale: str) -> Image.Image:
    """The page: a header as on the first page, the two sections, the rules."""
    loc = locale
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    big, mid = charts.font(48, bold=True, locale=loc), charts.font(28, bold=True, locale=loc)
    small, tiny = charts.font(22, locale=loc), charts.font(18, locale=loc)
    draw.rectangle((0, 0, WIDTH, 150), fill=HEAD)
    draw.text((60, 34), f"{name}  {t('title', loc)}", font=big, fill="white")
    zone = ZoneInfo(scope.branches[0].timezone) if scope.branches else None
    stamp = (now.astimezone(zone) if zone else now).strftime("%Y-%m-%d %H:%M")
    dates = str(scope.date_from)
    if scope.date_to != scope.date_from:
        dates = f"{dates} – {scope.date_to}"
    draw.text((62, 104), f"{dates}   ·   {t('generated', loc)} {stamp}", font=small, fill="white")
    shown = boxes(q, loc)
    draw.text((60, 180), t("complaints", loc), font=mid, fill=charts.INK)
    _row(draw, 230, shown["complaints"], (mid, small))
    categories = shown["by_category"]
    charts.hbars(draw, (60, 410, 1180, 830), t("by_category", loc), [x for x, _ in categories],
                 [float(v) for _, v in categories], fonts=(mid, small, tiny), color=RED,
                 peak=max([1.0, *(float(v) for _, v in categories)]))  # fmt: skip
    draw.text((60, 880), t("follow_ups", loc), font=mid, fill=charts.INK)
    _row(draw, 930, shown["follow_ups"], (mid, small))
    rules = _wrap(draw, t("rules", loc), tiny, WIDTH - 120)
    draw.multiline_text((60, 1120), rules, font=tiny, fill=charts.MUTED, spacing=6)
    return image


def _row(draw: ImageDraw.ImageDraw, y: int, items: list[tuple[str, str]],
         fonts: tuple[charts.Font, charts.Font]) -> None:  # fmt: skip
    """Boxes side by side: the label above, the figure below."""
    value_font, label_font = fonts
    gap = 16
    width = (WIDTH - 120 - (len(items) - 1) * gap) / len(items)
    for i, (label, value) in enumerate(items):
        x = 60 + i * (width + gap)
        draw.rounded_rectangle((x, y, x + width, y + 140), radius=12, fill=(241, 243, 245))
        draw.text((x + width / 2, y + 32), charts.fit(draw, label, label_font, width - 16),
                  font=label_font, fill=charts.MUTED, anchor="mm")  # fmt: skip
        draw.text((x + width / 2, y + 92), charts.fit(draw, value, value_font, width - 16),
                  font=value_font, fill=charts.INK, anchor="mm")  # fmt: skip
