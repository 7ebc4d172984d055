// The words of the booking page (/book) and of the customer's booking page (/a/<public_id>).
"use strict";

const HALLQ_BOOK_TEXTS = {
  "zh-CN": {
    title: "预约办事", service: "1. 选择业务", date: "2. 选择日期", slot: "3. 选择时段",
    you: "4. 联系方式（选填）", name: "姓名", phone: "手机号", book: "预约 {t}", choose: "请选择时段",
    free: "余 {n}", full: "已满", none: "这一天没有可预约的时段", today: "今天", tomorrow: "明天",
    done: "预约成功", code: "签到码", when: "{d} {t}", window: "请于 {a}–{b} 到大厅自助机输入签到码或扫码签到",
    link: "查看或取消预约", closed: "本厅暂不接受网上预约，请致电或到大厅办理。", noService: "本厅暂无可预约的业务。",
    slot_full: "这个时段刚刚约满，请另选一个", slot_unavailable: "这个时段现在不能预约，请另选一个",
    rate_limited: "预约太频繁，请稍后再试", badPhone: "手机号格式不正确", network: "网络故障，请稍后再试",
    error: "预约失败，请稍后再试", sending: "正在预约……", missing: "没有找到这个预约。",
    booked: "已预约", checked_in: "已签到", cancelled: "已取消", missed: "已过时未签到", state: "状态",
    cancel: "取消预约", confirm: "确定取消这个预约吗？", yes: "确定取消", no: "不取消",
    cancelFailed: "现在不能取消这个预约", ticket: "已签到，请留意叫号", service_l: "业务", time: "时间",
    phone_l: "手机", privacy: "姓名和手机号只给大厅工作人员看，{n} 天后删除。",
  },
  "zh-TW": {
    title: "預約辦事", service: "1. 選擇業務", date: "2. 選擇日期", slot: "3. 選擇時段",
    you: "4. 聯絡方式（選填）", name: "姓名", phone: "手機號碼", book: "預約 {t}", choose: "請選擇時段",
    free: "剩 {n}", full: "已滿", none: "這一天沒有可預約的時段", today: "今天", tomorrow: "明天",
    done: "預約成功", code: "報到碼", when: "{d} {t}", window: "請於 {a}–{b} 到大廳自助機輸入報到碼或掃碼報到",
    link: "查看或取消預約", closed: "本廳暫不接受網路預約，請致電或到大廳辦理。", noService: "本廳暫無可預約的業務。",
    slot_full: "這個時段剛剛約滿，請另選一個", slot_unavailable: "這個時段現在不能預約，請另選一個",
    rate_limited: "預約太頻繁，請稍後再試", badPhone: "手機號碼格式不正確", network: "網路故障，請稍後再試",
    error: "預約失敗，請稍後再試", sending: "正在預約……", missing: "找不到這個預約。",
    booked: "已預約", checked_in: "已報到", cancelled: "已取消", missed: "逾時未報到", state: "狀態",
    cancel: "取消預約", confirm: "確定取消這個預約嗎？", yes: "確定取消", no: "不取消",
    cancelFailed: "現在不能取消這個預約", ticket: "已報到，請留意叫號", service_l: "業務", time: "時間",
    phone_l: "手機", privacy: "姓名和手機號碼只給大廳工作人員看，{n} 天後刪除。",
  },
  en: {
    title: "Book an appointment", service: "1. Service", date: "2. Date", slot: "3. Time",
    you: "4. Contact (optional)", name: "Name", phone: "Mobile phone", book: "Book {t}",
    choose: "Choose a time", free: "{n} left", full: "Full", none: "No time can be booked on this day",
    today: "Today", tomorrow: "Tomorrow", done: "Booked", code: "Check-in code", when: "{d}, {t}",
    window: "Check in at the hall's kiosk between {a} and {b}: type the code or scan it",
    link: "See or cancel the booking", closed: "This hall does not take bookings online; please call or visit.",
    noService: "No service of this hall can be booked.", slot_full: "That time has just been taken; please choose another",
    slot_unavailable: "That time cannot be booked now; please choose another",
    rate_limited: "Too many bookings; please try again later", badPhone: "That is not a phone number",
    network: "Network problem, please try again", error: "The booking failed, please try again",
    sending: "Booking…", missing: "This booking was not found.", booked: "Booked", checked_in: "Checked in",
    cancelled: "Cancelled", missed: "Missed", state: "Status", cancel: "Cancel the booking",
    confirm: "Cancel this booking?", yes: "Cancel it", no: "Keep it", cancelFailed: "This booking can no longer be cancelled",
    ticket: "Checked in: please watch the screen", service_l: "Service", time: "Time", phone_l: "Phone",
    privacy: "Your name and phone are seen by the hall's staff only and deleted after {n} days.",
  },
};
const HALLQ_BOOK_LANGS = { "zh-CN": "简", "zh-TW": "繁", en: "EN" };

// The page's language: saved, else the browser's.
function hallqBookLocale() {
  const saved = localStorage.getItem("hallq.book.locale");
  if (saved && HallQ.LOCALES.includes(saved)) return saved;
  const nav = (navigator.language || "zh-CN").toLowerCase();
  if (/^zh-(tw|hk|mo|hant)/.test(nav)) return "zh-TW";
  return nav.startsWith("zh") ? "zh-CN" : "en";
}
