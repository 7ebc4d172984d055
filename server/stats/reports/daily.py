"""The end-of-day report (日报) of one hall: key figures and four charts on one A4 page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from server.core import trail
from server.core.context import Ctx
from server.core.errors import NotFound
from server.stats import appointments as appointment_figures
from server.stats import service as stats
from server.stats.figures import Figures, Scope, wait_buckets
from server.stats.reports import charts

WIDTH, HEIGHT, DPI = 1240, 1754, 150  # A4 at 150 dpi
BLUE, GREEN, ORANGE, PURPLE = (13, 110, 253), (25, 135, 84), (253, 126, 20), (111, 66, 193)
TEXTS: dict[str, dict[str, str]] = {
    "title": {"zh-CN": "日报", "zh-TW": "日報", "en": "Daily report"},
    "monthly": {"zh-CN": "月报", "zh-TW": "月報", "en": "Monthly report"},
    "issued": {"zh-CN": "取号", "zh-TW": "取號", "en": "Issued"},
    "served": {"zh-CN": "办结", "zh-TW": "辦結", "en": "Served"},
    "no_show": {"zh-CN": "过号", "zh-TW": "過號", "en": "No-show"},
    "cancelled": {"zh-CN": "取消", "zh-TW": "取消", "en": "Cancelled"},
    "sla": {"zh-CN": "等候达标率", "zh-TW": "等候達標率", "en": "Within target"},
    "rating": {"zh-CN": "满意度", "zh-TW": "滿意度", "en": "Rating"},
    "wait_mean": {"zh-CN": "平均等候", "zh-TW": "平均等候", "en": "Wait mean"},
    "wait_median": {"zh-CN": "等候中位数", "zh-TW": "等候中位數", "en": "Wait median"},
    "wait_p90": {"zh-CN": "等候P90", "zh-TW": "等候P90", "en": "Wait p90"},
    "wait_max": {"zh-CN": "最长等候", "zh-TW": "最長等候", "en": "Longest wait"},
    "service_mean": {"zh-CN": "平均办理", "zh-TW": "平均辦理", "en": "Service mean"},
    "open": {"zh-CN": "未办结", "zh-TW": "未辦結", "en": "Unfinished"},
    "appointments": {"zh-CN": "预约 {booked} · 已签到 {checked_in} · 未到 {missed} · "
                              "取消 {cancelled}",
                     "zh-TW": "預約 {booked} · 已報到 {checked_in} · 未到 {missed} · "
                              "取消 {cancelled}",
                     "en": "Appointments {booked} · checked in {checked_in} · missed {missed} · "
                           "cancelled {cancelled}"},
    "generated": {"zh-CN": "生成于", "zh-TW": "產生於", "en": "generated"},
    "by_hour": {"zh-CN": "各时段取号量", "zh-TW": "各時段取號量", "en": "Tickets by hour"},
    "waits": {"zh-CN": "等候时间分布（分钟）", "zh-TW": "等候時間分佈（分鐘）",
              "en": "Wait distribution (minutes)"},
    "sla_service": {"zh-CN": "各业务等候达标率", "zh-TW": "各業務等候達標率",
                    "en": "Within target by service"},
    "clerks": {"zh-CN": "工作人员办结量（平均办理）", "zh-TW": "工作人員辦結量（平均辦理）",
               "en": "Served per clerk (mean service)"},
    "audit_head": {"zh-CN": "审计链当日末条", "zh-TW": "稽核鏈當日末筆",
                   "en": "Audit trail, last record of the day"},
    "audit_head_monthly": {"zh-CN": "审计链当月末条", "zh-TW": "稽核鏈當月末筆",
                           "en": "Audit trail, last record of the month"},
    "footer": {
        "zh-CN": "等候 = 首次叫号 − 取号（转移后从转移时起算）；"
        "办理 = 结束 − 开始（未开始则 − 叫号）；等候恰等于目标时间计为达标。",
        "zh-TW": "等候 = 首次叫號 − 取號（轉移後從轉移時起算）；"
        "辦理 = 結束 − 開始（未開始則 − 叫號）；等候恰等於目標時間計為達標。",
        "en": "Wait = first call − issue (from the transfer after a transfer); service = finish − "
        "start (− call if never started); a wait equal to the target counts as within.",
    },
}  # fmt: skip


@dataclass
class DailyPage:
    day: date
    image: Image.Image
    audit_head: tuple[int, str] | None = None
    """The audit trail's last record of the day (id, hash), printed at the foot."""
    scope: Scope | None = None


def _t(key: str, locale: str) -> str:
    return TEXTS[key].get(locale, TEXTS[key]["en"])


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def build(ctx: Ctx, branch_id: int, day: date | None, locale: str | None) -> DailyPage:
    """Gather the day's figures of one hall and draw the page."""
    return build_period(ctx, stats.Selection(branch_id=branch_id, date_from=day, date_to=day),
                        locale)  # fmt: skip


def build_period(
    ctx: Ctx, selection: stats.Selection, locale: str | None, *, title: str = "title",
    name: str | None = None,
) -> DailyPage:  # fmt: skip
    """The page of a selection's dates (a day, or a month: `title="monthly"`) of a hall or a
    region (`name`: what the title calls it; default the first hall's name)."""
    trail.settle(ctx)  # the day's head takes in the events stored but not chained yet
    with ctx.db.read() as session:
        scope = stats.resolve(ctx, session, selection)
        if not scope.branches:
            raise NotFound("no hall in that selection")
        total = stats.figures(session, scope, None).get(0, Figures())
        hours = stats.figures(session, scope, "hour")
        services = stats.figures(session, scope, "service")
        clerks = stats.figures(session, scope, "clerk")
        labels = stats.Labels.load(session, scope, locale)
        head = trail.head_at(session, scope.utc_window()[1])
        booked = appointment_figures.counts(session, scope, None).get(
            0, appointment_figures.empty()
        )
    branch = scope.branches[0]
    loc = labels.locale
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    big, mid = charts.font(48, bold=True, locale=loc), charts.font(28, bold=True, locale=loc)
    small, tiny = charts.font(22, locale=loc), charts.font(18, locale=loc)
    draw.rectangle((0, 0, WIDTH, 150), fill=(13, 59, 102))
    draw.text((60, 34), f"{name or branch.name}  {_t(title, loc)}", font=big, fill="white")
    now = ctx.clock().astimezone(ZoneInfo(branch.timezone)).strftime("%Y-%m-%d %H:%M")
    dates = scope.date_from.isoformat()
    if scope.date_to != scope.date_from:
        dates = f"{dates} – {scope.date_to.isoformat()}"
    subtitle = f"{dates}   ·   {_t('generated', loc)} {now}"
    draw.text((62, 104), subtitle, font=small, fill="white")
    _key_figures(draw, total, loc, (mid, small))
    draw.text((60, 488), _t("appointments", loc).format(**booked), font=small, fill=charts.INK)
    fonts = (mid, small, tiny)
    hour_keys = sorted(k for k in hours if isinstance(k, int))
    span = range(min([8, *hour_keys]), max([17, *hour_keys]) + 1)  # at least office hours
    volume = [hours[h].issued if h in hours else 0 for h in span]
    charts.bars(draw, (60, 520, 610, 1060), _t("by_hour", loc), [f"{h}" for h in span], volume,
                fonts=fonts, color=BLUE)  # fmt: skip
    names, counts = _wait_buckets(total)
    charts.bars(draw, (630, 520, 1180, 1060), _t("waits", loc), names, counts, fonts=fonts,
                color=ORANGE)  # fmt: skip
    service_keys = sorted(k for k in services if isinstance(k, int))
    sla = [services[k].report()["sla_pct"] for k in service_keys]
    charts.hbars(draw, (60, 1080, 610, 1620), _t("sla_service", loc),
                 [labels.service(k) for k in service_keys],
                 [v if isinstance(v, float) else None for v in sla],
                 fonts=fonts, color=GREEN, peak=100, fmt=lambda v: f"{v:.0f}%")  # fmt: skip
    clerk_keys = sorted((k for k in clerks if isinstance(k, int)), key=lambda k: -clerks[k].served)
    charts.hbars(draw, (630, 1080, 1180, 1620), _t("clerks", loc),
                 [labels.clerk(k) for k in clerk_keys], [clerks[k].served for k in clerk_keys],
                 fonts=fonts, color=PURPLE,
                 notes=[_minutes(_mean(clerks[k])) for k in clerk_keys])  # fmt: skip
    draw.multiline_text((60, 1650), _wrap(draw, _t("footer", loc), tiny, WIDTH - 120),
                        font=tiny, fill=charts.MUTED, spacing=6)  # fmt: skip
    if head is not None:
        which = "audit_head_monthly" if title == "monthly" else "audit_head"
        line = f"{_t(which, loc)} #{head[0]}  SHA-256 {head[1]}"
        draw.text((60, HEIGHT - 34), line, font=tiny, fill=charts.MUTED)
    return DailyPage(scope.date_from, image, head, scope)


def _mean(f: Figures) -> float | None:
    return f.service_sum_ms / f.service_n / 1000 if f.service_n else None


def _key_figures(draw: ImageDraw.ImageDraw, total: Figures, loc: str,
                 fonts: tuple[charts.Font, charts.Font]) -> None:  # fmt: skip
    report = total.report()
    wait, service, rating = report["wait_s"], report["service_s"], report["rating"]
    assert isinstance(wait, dict) and isinstance(service, dict) and isinstance(rating, dict)
    sla = report["sla_pct"]
    unfinished = total.issued - total.served - total.no_show - total.cancelled - total.day_closed
    rating_text = "–" if rating["mean"] is None else f"{rating['mean']:.2f} ({rating['count']})"
    boxes = [
        ("issued", str(total.issued)), ("served", str(total.served)),
        ("no_show", str(total.no_show)), ("cancelled", str(total.cancelled)),
        ("open", str(unfinished)), ("sla", "–" if sla is None else f"{sla}%"),
        ("wait_mean", _minutes(wait["mean"])), ("wait_median", _minutes(wait["median"])),
        ("wait_p90", _minutes(wait["p90"])), ("wait_max", _minutes(wait["max"])),
        ("service_mean", _minutes(service["mean"])), ("rating", rating_text),
    ]  # fmt: skip
    value_font, label_font = fonts
    width, gap = (WIDTH - 120 - 5 * 16) / 6, 16
    for i, (key, value) in enumerate(boxes):
        row, col = divmod(i, 6)
        x, y = 60 + col * (width + gap), 180 + row * 160
        draw.rounded_rectangle((x, y, x + width, y + 140), radius=12, fill=(241, 243, 245))
        draw.text((x + width / 2, y + 30), _t(key, loc), font=label_font, fill=charts.MUTED,
                  anchor="mm")  # fmt: skip
        draw.text((x + width / 2, y + 90), value, font=value_font, fill=charts.INK, anchor="mm")


def _wait_buckets(total: Figures) -> tuple[list[str], list[float]]:
    names, counts = [], []
    for start, end, count in wait_buckets(total.wait_hist):
        names.append(f"{start // 60}–{end // 60}" if end is not None else f"{start // 60}+")
        counts.append(float(count))
    return names, counts


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: charts.Font, width: int) -> str:
    """Break a line to `width` pixels: between CJK characters anywhere, else at a space."""
    lines, current = [], ""
    for ch in text:
        if current and charts.text_width(draw, current + ch, face) > width:
            cut = current.rfind(" ")
            if ch.isascii() and not ch.isspace() and current[-1].isascii() and cut > 0:
                lines.append(current[:cut])  # keep a Latin word whole
                current = current[cut + 1 :] + ch
            else:
                lines.append(current.rstrip())
                current = ch.lstrip()
        else:
            current += ch
    return "\n".join([*lines, current])


def save(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        image.save(path, "PDF", resolution=DPI)
    else:
        image.save(path, "PNG")
