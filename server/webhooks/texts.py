"""The robots' message for an event, in the hall's locale (zh-CN by default, zh-TW, en)."""

from __future__ import annotations

from typing import Any

TITLES: dict[str, dict[str, str]] = {
    "ticket.issued": {"zh-CN": "取号", "zh-TW": "取號", "en": "Ticket issued"},
    "ticket.called": {"zh-CN": "叫号", "zh-TW": "叫號", "en": "Ticket called"},
    "ticket.recalled": {"zh-CN": "重呼", "zh-TW": "重呼", "en": "Ticket called again"},
    "ticket.started": {"zh-CN": "开始办理", "zh-TW": "開始辦理", "en": "Service started"},
    "ticket.completed": {"zh-CN": "办理完成", "zh-TW": "辦理完成", "en": "Service completed"},
    "ticket.no_show": {"zh-CN": "过号", "zh-TW": "過號", "en": "No show"},
    "ticket.requeued": {"zh-CN": "重新排队", "zh-TW": "重新排隊", "en": "Ticket requeued"},
    "ticket.transferred": {"zh-CN": "转办", "zh-TW": "轉辦", "en": "Ticket transferred"},
    "ticket.parked": {"zh-CN": "挂起", "zh-TW": "掛起", "en": "Ticket parked"},
    "ticket.cancelled": {"zh-CN": "取消", "zh-TW": "取消", "en": "Ticket cancelled"},
    "ticket.rated": {"zh-CN": "评价", "zh-TW": "評價", "en": "Ticket rated"},
    "counter.updated": {"zh-CN": "窗口状态", "zh-TW": "窗口狀態", "en": "Counter changed"},
    "print.requested": {"zh-CN": "打印", "zh-TW": "列印", "en": "Print requested"},
    "print.completed": {"zh-CN": "打印完成", "zh-TW": "列印完成", "en": "Printed"},
    "print.failed": {"zh-CN": "打印失败", "zh-TW": "列印失敗", "en": "Printing failed"},
    "printer.status": {"zh-CN": "打印机状态", "zh-TW": "印表機狀態", "en": "Printer status"},
    "config.updated": {"zh-CN": "配置变更", "zh-TW": "設定變更", "en": "Configuration changed"},
    "complaint.created": {"zh-CN": "新投诉", "zh-TW": "新投訴", "en": "New complaint"},
    "complaint.updated": {"zh-CN": "投诉更新", "zh-TW": "投訴更新", "en": "Complaint updated"},
    "follow_up.created": {"zh-CN": "新回访", "zh-TW": "新回訪", "en": "New follow-up"},
    "follow_up.updated": {"zh-CN": "回访更新", "zh-TW": "回訪更新", "en": "Follow-up updated"},
    "alert.raised": {"zh-CN": "告警", "zh-TW": "告警", "en": "Alert"},
    "alert.cleared": {"zh-CN": "告警解除", "zh-TW": "告警解除", "en": "Alert cleared"},
    "alert.acknowledged": {
        "zh-CN": "告警已确认",
        "zh-TW": "告警已確認",
        "en": "Alert acknowledged",
    },
    "alert.changed": {"zh-CN": "告警变更", "zh-TW": "告警變更", "en": "Alert changed"},
    "appointment.booked": {"zh-CN": "新预约", "zh-TW": "新預約", "en": "Appointment booked"},
    "appointment.cancelled": {
        "zh-CN": "预约取消",
        "zh-TW": "預約取消",
        "en": "Appointment cancelled",
    },
    "appointment.checked_in": {
        "zh-CN": "预约签到",
        "zh-TW": "預約報到",
        "en": "Appointment checked in",
    },
    "appointment.missed": {"zh-CN": "预约未到", "zh-TW": "預約未到", "en": "Appointment missed"},
    "webhook.test": {"zh-CN": "测试消息", "zh-TW": "測試訊息", "en": "Test message"},
}
GO_TO = {"zh-CN": "{n} 请到 {c} 号窗口", "zh-TW": "{n} 請到 {c} 號窗口",
         "en": "{n}, please go to counter {c}"}  # fmt: skip
TEST = {"zh-CN": "hallq 网络钩子工作正常。", "zh-TW": "hallq 網路鉤子運作正常。",
        "en": "The hallq webhook works."}  # fmt: skip
COUNTER = {"zh-CN": "{c} 号窗口：{s}", "zh-TW": "{c} 號窗口：{s}", "en": "Counter {c}: {s}"}
ALERTS = {
    "wait_over_target": {"zh-CN": "等候超时", "zh-TW": "等候逾時", "en": "Wait over target"},
    "queue_long": {"zh-CN": "排队过长，请加开窗口", "zh-TW": "排隊過長，請加開窗口",
                   "en": "Queue long: open another counter"},
    "no_open_counter": {"zh-CN": "有人等候但无窗口办理", "zh-TW": "有人等候但無窗口辦理",
                        "en": "People wait, no counter open"},
    "service_over_limit": {"zh-CN": "办理超时", "zh-TW": "辦理逾時",
                           "en": "Service over its limit"},
    "long_pause": {"zh-CN": "窗口暂停过久", "zh-TW": "窗口暫停過久",
                   "en": "Counter paused too long"},
    "called_not_started": {"zh-CN": "叫号后未开始办理", "zh-TW": "叫號後未開始辦理",
                           "en": "Called, not started"},
    "printer_fault": {"zh-CN": "打印机故障", "zh-TW": "印表機故障", "en": "Printer fault"},
    "paper_low": {"zh-CN": "打印纸将尽", "zh-TW": "列印紙將盡", "en": "Paper low"},
    "device_offline": {"zh-CN": "设备离线", "zh-TW": "設備離線", "en": "Device offline"},
    "complaint_overdue": {"zh-CN": "投诉逾期未答复", "zh-TW": "投訴逾期未答覆",
                          "en": "Complaint overdue"},
}  # fmt: skip
STATES = {
    "open": {"zh-CN": "开放", "zh-TW": "開放", "en": "open"},
    "paused": {"zh-CN": "暂停", "zh-TW": "暫停", "en": "paused"},
    "closed": {"zh-CN": "关闭", "zh-TW": "關閉", "en": "closed"},
}


def _locale(locale: str) -> str:
    return locale if locale in GO_TO else "zh-CN"


def message(type_: str, data: dict[str, Any], locale: str, hall: str = "") -> tuple[str, str]:
    """(title, markdown text) of an event for a group robot."""
    lang = _locale(locale)
    title = TITLES.get(type_, {}).get(lang, type_)
    if hall:
        title = f"{hall} · {title}"
    number = data.get("number")
    counter = data.get("counter") if isinstance(data.get("counter"), dict) else None
    if type_ == "webhook.test":
        text = TEST[lang]
    elif type_ in ("ticket.called", "ticket.recalled") and number and counter:
        text = GO_TO[lang].format(n=number, c=counter.get("number"))
    elif type_ == "counter.updated" and data.get("number") is not None:
        state = STATES.get(str(data.get("state")), {}).get(lang, str(data.get("state")))
        text = COUNTER[lang].format(c=data["number"], s=state)
    elif type_.startswith("alert.") and isinstance(data.get("kind"), str):
        text = _alert(data, lang)
    elif isinstance(number, str):
        text = number
    else:
        text = ""
    return title, text


def _alert(data: dict[str, Any], lang: str) -> str:
    """The alert's kind in words, then its details (`key: value`) as the engine gave them."""
    kind = str(data["kind"])
    text = ALERTS.get(kind, {}).get(lang, kind)
    detail = data.get("detail")
    if isinstance(detail, dict):
        parts = [f"{k}: {v}" for k, v in detail.items() if v is not None and v != ""]
        if parts:
            text += " · " + ", ".join(parts)
    return text
