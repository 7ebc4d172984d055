// Texts of the HQ board in zh-CN, zh-TW and en ({name} placeholders).
"use strict";

const BOARD_TEXT = {
  "zh-CN": {
    board: "总部看板", region: "区域", backToAdmin: "返回管理", login: "管理员登录", username: "用户名",
    password: "密码", signIn: "登录", badLogin: "用户名或密码错误", network: "无法连接服务器",
    notManager: "需要管理员或区域主管账号", denied: "无权查看该区域", noRegion: "没有可查看的区域",
    live: "实时", reconnecting: "重新连接中…",
    st_ok: "正常", st_busy: "等候超时", st_alert: "有提醒", st_closed: "未营业",
    foldAll: "全部收起", unfoldAll: "全部展开",
    waiting: "等候", counters: "开放窗口", longest: "最长等候", served: "今日办结", sla: "今日达标率",
    rating: "今日满意度", alerts: "提醒", halls: "{n} 个大厅", sumWaiting: "{n} 人等候",
    sumAlerts: "{n} 条提醒", totals: "{halls} 个大厅 · {waiting} 人等候 · {alerts} 条提醒",
    notInspected: "超过 {days} 天未巡视", none: "—", openMonitor: "打开 {name} 的实时监控",
  },
  "zh-TW": {
    board: "總部看板", region: "區域", backToAdmin: "返回管理", login: "管理員登入", username: "使用者名稱",
    password: "密碼", signIn: "登入", badLogin: "使用者名稱或密碼錯誤", network: "無法連線伺服器",
    notManager: "需要管理員或區域主管帳號", denied: "無權查看該區域", noRegion: "沒有可查看的區域",
    live: "即時", reconnecting: "重新連線中…",
    st_ok: "正常", st_busy: "等候逾時", st_alert: "有提醒", st_closed: "未營業",
    foldAll: "全部收合", unfoldAll: "全部展開",
    waiting: "等候", counters: "開放窗口", longest: "最長等候", served: "今日辦結", sla: "今日達標率",
    rating: "今日滿意度", alerts: "提醒", halls: "{n} 個大廳", sumWaiting: "{n} 人等候",
    sumAlerts: "{n} 則提醒", totals: "{halls} 個大廳 · {waiting} 人等候 · {alerts} 則提醒",
    notInspected: "逾 {days} 天未巡視", none: "—", openMonitor: "開啟 {name} 的即時監控",
  },
  en: {
    board: "HQ board", region: "Region", backToAdmin: "Back to admin", login: "Manager sign-in",
    username: "Username", password: "Password", signIn: "Sign in", badLogin: "Wrong username or password",
    network: "Cannot reach the server", notManager: "An admin or region manager account is needed",
    denied: "You may not see this region", noRegion: "No region to show",
    live: "Live", reconnecting: "Reconnecting…",
    st_ok: "Normal", st_busy: "Waits over target", st_alert: "Alerts", st_closed: "Closed",
    foldAll: "Fold all", unfoldAll: "Unfold all",
    waiting: "Waiting", counters: "Open counters", longest: "Longest wait", served: "Served today",
    sla: "SLA today", rating: "Rating today", alerts: "Alerts", halls: "{n} halls",
    sumWaiting: "{n} waiting", sumAlerts: "{n} alerts",
    totals: "{halls} halls · {waiting} waiting · {alerts} alerts",
    notInspected: "Not inspected for over {days} days", none: "—", openMonitor: "Open the live monitor of {name}",
  },
};
