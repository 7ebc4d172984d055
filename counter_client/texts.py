"""Words of the terminal client in zh-CN, zh-TW and en, and its key map."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh-CN", "zh-TW", "en"]

# key -> action; the order is the order on screen
KEYS: dict[str, str] = {
    "n": "call_next", "r": "recall", "s": "start", "c": "complete", "x": "no_show",
    "t": "transfer", "p": "park", "u": "resume", "k": "call", "b": "requeue",
    "o": "open", "z": "pause", "l": "close", "q": "quit",
}  # fmt: skip

_EN = {
    "call_next": "Call next", "recall": "Recall", "start": "Start", "complete": "Complete",
    "no_show": "No-show", "transfer": "Transfer", "park": "Park", "resume": "Resume",
    "call": "Call number", "requeue": "Requeue", "open": "Open", "pause": "Pause",
    "close": "Close", "quit": "Quit",
    "title": "hallq counter {number}", "clerk": "clerk", "state.open": "OPEN",
    "state.paused": "PAUSED", "state.closed": "CLOSED", "hand": "In hand",
    "hand.none": "(no ticket)", "waited": "waited", "served": "served", "calls": "calls",
    "waiting": "Waiting for my services", "parked": "Parked", "none": "none",
    "online": "connected", "offline": "connection lost, reconnecting…",
    "t.called": "called", "t.serving": "serving",
    "reasons": "Pause reason: 1 break  2 meeting  3 system problem  4 other  (Esc cancels)",
    "reason.1": "break", "reason.2": "meeting", "reason.3": "system problem", "reason.4": "other",
    "ask.number": "Number to call (Enter to confirm, Esc cancels): ",
    "ask.parked": "Parked number to resume: ",
    "ask.requeue": "No-show number to requeue (Enter: {default}): ",
    "ask.target": "Transfer to service {services} or counter #N: ",
    "ask.position": "Position: 1 original  2 front  3 back (Enter: original)",
    "done.call_next": "Called {number}", "done.recall": "Recalled {number}",
    "done.start": "Serving {number}", "done.complete": "Completed {number}",
    "done.no_show": "{number}: no-show", "done.transfer": "{number} transferred",
    "done.park": "{number} parked", "done.resume": "Resumed {number}",
    "done.call": "Called {number}", "done.requeue": "{number} is waiting again",
    "done.open": "Counter open", "done.pause": "Counter paused", "done.close": "Counter closed",
    "nobody": "Nobody is waiting for your services.",
    "taken": "{number} was just called by counter {counter}.",
    "no_hand": "No ticket in hand.",
    "handover": "{number} is still in hand: complete (c), transfer (t) or park (p) it first.",
    "not_open": "The counter is not open: press o to open it.",
    "unknown_number": "No such ticket: {number}",
    "unknown_target": "No such service or counter: {target}",
    "no_parked": "No parked ticket.",
    "unreachable": "Server unreachable; the action was not done.",
    "help": "Keys",
}  # fmt: skip

_ZH_CN = {
    "call_next": "叫下一位", "recall": "重呼", "start": "开始办理", "complete": "完成",
    "no_show": "未到", "transfer": "转移", "park": "挂起", "resume": "恢复",
    "call": "指定呼叫", "requeue": "未到重排", "open": "开放", "pause": "暂停",
    "close": "关闭", "quit": "退出",
    "title": "hallq {number} 号窗口", "clerk": "柜员", "state.open": "开放中",
    "state.paused": "暂停中", "state.closed": "已关闭", "hand": "当前号票",
    "hand.none": "（无）", "waited": "等候", "served": "办理", "calls": "呼叫次数",
    "waiting": "我的业务等候人数", "parked": "已挂起", "none": "无",
    "online": "已连接", "offline": "连接中断，正在重连…",
    "t.called": "已呼叫", "t.serving": "办理中",
    "reasons": "暂停原因：1 休息  2 开会  3 系统故障  4 其他（Esc 取消）",
    "reason.1": "休息", "reason.2": "开会", "reason.3": "系统故障", "reason.4": "其他",
    "ask.number": "要呼叫的号码（回车确认，Esc 取消）：",
    "ask.parked": "要恢复的挂起号码：",
    "ask.requeue": "要重排的未到号码（回车：{default}）：",
    "ask.target": "转移到业务 {services} 或窗口 #N：",
    "ask.position": "排队位置：1 原位置  2 队首  3 队尾（回车：原位置）",
    "done.call_next": "已呼叫 {number}", "done.recall": "已重呼 {number}",
    "done.start": "开始办理 {number}", "done.complete": "{number} 已完成",
    "done.no_show": "{number} 未到", "done.transfer": "{number} 已转移",
    "done.park": "{number} 已挂起", "done.resume": "已恢复 {number}",
    "done.call": "已呼叫 {number}", "done.requeue": "{number} 已重新排队",
    "done.open": "窗口已开放", "done.pause": "窗口已暂停", "done.close": "窗口已关闭",
    "nobody": "我的业务暂无等候。",
    "taken": "{number} 刚被 {counter} 号窗口呼叫。",
    "no_hand": "当前没有号票。",
    "handover": "{number} 仍在办理：请先完成（c）、转移（t）或挂起（p）。",
    "not_open": "窗口未开放：按 o 开放。",
    "unknown_number": "没有这个号票：{number}",
    "unknown_target": "没有这个业务或窗口：{target}",
    "no_parked": "没有挂起的号票。",
    "unreachable": "服务器无法连接，操作未执行。",
    "help": "按键",
}  # fmt: skip

_ZH_TW = _ZH_CN | {
    "call_next": "叫下一位", "recall": "重呼", "start": "開始辦理", "transfer": "轉移",
    "park": "暫存", "resume": "恢復", "open": "開放", "pause": "暫停", "close": "關閉",
    "title": "hallq {number} 號櫃檯", "clerk": "櫃員", "state.open": "開放中",
    "state.paused": "暫停中", "state.closed": "已關閉", "hand": "目前號碼",
    "waited": "等候", "served": "辦理", "calls": "呼叫次數", "waiting": "我的業務等候人數",
    "parked": "已暫存", "online": "已連線", "offline": "連線中斷，正在重新連線…",
    "t.called": "已呼叫", "t.serving": "辦理中",
    "reasons": "暫停原因：1 休息  2 開會  3 系統故障  4 其他（Esc 取消）",
    "reason.3": "系統故障", "reason.2": "開會",
    "ask.number": "要呼叫的號碼（Enter 確認，Esc 取消）：",
    "ask.parked": "要恢復的暫存號碼：", "ask.requeue": "要重排的未到號碼（Enter：{default}）：",
    "ask.target": "轉移到業務 {services} 或櫃檯 #N：",
    "ask.position": "排隊位置：1 原位置  2 隊首  3 隊尾（Enter：原位置）",
    "done.call_next": "已呼叫 {number}", "done.start": "開始辦理 {number}",
    "done.transfer": "{number} 已轉移", "done.park": "{number} 已暫存",
    "done.resume": "已恢復 {number}", "done.requeue": "{number} 已重新排隊",
    "done.open": "櫃檯已開放", "done.pause": "櫃檯已暫停", "done.close": "櫃檯已關閉",
    "nobody": "我的業務目前無人等候。", "taken": "{number} 剛被 {counter} 號櫃檯呼叫。",
    "no_hand": "目前沒有號碼。",
    "handover": "{number} 仍在辦理：請先完成（c）、轉移（t）或暫存（p）。",
    "not_open": "櫃檯未開放：按 o 開放。", "unknown_number": "沒有這個號碼：{number}",
    "unknown_target": "沒有這個業務或櫃檯：{target}", "no_parked": "沒有暫存的號碼。",
    "unreachable": "無法連線到伺服器，操作未執行。", "help": "按鍵",
}  # fmt: skip

TEXTS: dict[Lang, dict[str, str]] = {"en": _EN, "zh-CN": _ZH_CN, "zh-TW": _ZH_TW}


def text(lang: Lang, key: str, **values: object) -> str:
    words = TEXTS[lang].get(key) or _EN.get(key) or key
    return words.format(**values) if values else words
