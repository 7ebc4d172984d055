// Appointment check-in at the kiosk: "我有预约 / I have an appointment" opens a large keypad for
// the booking's code; a USB barcode or QR scanner, which types the code and Enter like a
// keyboard, checks in from any screen. The ticket is shown and printed like any other and says
// its slot ("预约 10:30"). Too early or too late: when, or what to do instead.
"use strict";

(() => {
  const TEXTS = {
    "zh-CN": {
      open: "我有预约", title: "请输入预约码，或扫描预约二维码", go: "签到", back: "返回", clear: "清除",
      slot: "预约 {t}", checking: "正在签到……", not_found: "没有找到这个预约码，请核对后重试",
      too_early: "还未到签到时间，请于 {t} 后再来签到", too_early_any: "还未到签到时间",
      too_late: "已超过签到时间（{t} 截止），请取普通号", too_late_any: "已超过签到时间，请取普通号",
      invalid_transition: "这个预约已签到或已取消", short: "预约码为 8 位", network: "网络故障，请稍后再试或联系工作人员",
      error: "签到失败，请联系工作人员",
    },
    "zh-TW": {
      open: "我有預約", title: "請輸入預約碼，或掃描預約 QR 碼", go: "報到", back: "返回", clear: "清除",
      slot: "預約 {t}", checking: "正在報到……", not_found: "找不到這個預約碼，請核對後重試",
      too_early: "還未到報到時間，請於 {t} 後再來報到", too_early_any: "還未到報到時間",
      too_late: "已超過報到時間（{t} 截止），請取一般號碼", too_late_any: "已超過報到時間，請取一般號碼",
      invalid_transition: "這個預約已報到或已取消", short: "預約碼為 8 碼", network: "網路故障，請稍後再試或聯絡工作人員",
      error: "報到失敗，請聯絡工作人員",
    },
    en: {
      open: "I have an appointment", title: "Type your appointment code, or scan its QR code", go: "Check in",
      back: "Back", clear: "Clear", slot: "Appointment {t}", checking: "Checking in…",
      not_found: "This code was not found; please check it", too_early: "Too early: check-in opens at {t}",
      too_early_any: "Too early to check in",
      too_late: "Check-in closed at {t}: please take a regular ticket", too_late_any: "Too late to check in: please take a regular ticket",
      invalid_transition: "This appointment is checked in or cancelled already", short: "The code has 8 characters",
      network: "Network problem, please try again or ask the staff", error: "Check-in failed, please ask the staff",
    },
  };
  // The codes' alphabet (Crockford base 32: no I, L, O, U); look-alikes typed are read as meant.
  const KEYS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const LENGTH = 8;
  const SCAN_GAP_MS = 80; // a scanner types faster than this; a buffer older is a person's
  const $ = (id) => document.getElementById(id);
  const screen = window.hallqKioskScreen;
  const kiosk = screen.state;
  const tr = (key, vars) => HallQ.t(TEXTS, kiosk.locale, key, vars);
  const state = { code: "", busy: false, scanned: "", lastKey: 0 };
  window.hallqCheckin = state; // for tests

  const normal = (text) => text.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");

  function render() {
    $("appt-open").textContent = `${tr("open")}${kiosk.locale === "en" ? "" : " · " + HallQ.t(TEXTS, "en", "open")}`;
    $("appt-title").textContent = tr("title");
    $("appt-back").textContent = tr("back");
    $("appt-go").textContent = tr("go");
    const shown = state.code.padEnd(LENGTH, "·");
    $("appt-code").textContent = `${shown.slice(0, 4)} ${shown.slice(4)}`;
    $("appt-go").disabled = state.busy || state.code.length < 6;
    $("appt-keys").replaceChildren(...[...KEYS].map((k) => HallQ.el("button", {
      type: "button", class: "key", "data-key": k, onclick: () => press(k),
    }, k)), HallQ.el("button", { type: "button", class: "key wide", "data-key": "clear",
      onclick: () => { state.code = ""; message(""); render(); } }, tr("clear")),
    HallQ.el("button", { type: "button", class: "key wide", "data-key": "back", "aria-label": "⌫",
      onclick: () => { state.code = state.code.slice(0, -1); render(); } }, "⌫"));
  }

  function message(text) {
    $("appt-message").textContent = text;
  }

  function press(key) {
    if (state.code.length < LENGTH) state.code += key;
    message("");
    render();
    screen.armIdle();
  }

  function open() {
    state.code = "";
    message("");
    $("appt").classList.remove("hq-hidden");
    render();
    screen.armIdle();
  }

  function close() {
    $("appt").classList.add("hq-hidden");
    state.code = "";
  }

  // The time in an error's detail ("check-in opens at 10:00 (2026-05-04)"), for the sentence.
  const timeIn = (detail) => ((detail || "").match(/\b\d{2}:\d{2}\b/) || [""])[0];

  async function checkIn(typed) {
    const code = normal(typed);
    if (state.busy) return;
    if (code.length < 6) { message(tr("short")); return; }
    state.busy = true;
    message(tr("checking"));
    render();
    const body = { code, locale: kiosk.locale };
    if (kiosk.kioskId) body.kiosk_id = kiosk.kioskId;
    try {
      const ticket = await HallQ.api("/api/v1/appointments/check-in", {
        method: "POST", body, token: screen.token, idempotencyKey: HallQ.uuid(),
      });
      close();
      const services = (kiosk.queue && kiosk.queue.services) || [];
      const service = services.find((s) => s.id === ticket.service_id) || { name: {} };
      screen.showTicket(ticket, service);
      const zone = kiosk.branch && kiosk.branch.timezone;
      const at = HallQ.zoned(new Date(ticket.appointment_start), "zh-CN", zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      const line = $("result-service");
      line.textContent = [line.textContent, tr("slot", { t: at })].filter(Boolean).join(" · ");
    } catch (err) {
      const t = timeIn(err.detail);
      const text = err.code === "too_early" ? tr(t ? "too_early" : "too_early_any", { t })
        : err.code === "too_late" ? tr(t ? "too_late" : "too_late_any", { t })
          : err.code === "not_found" ? tr("not_found")
            : err.code === "invalid_transition" ? tr("invalid_transition")
              : err.status === 0 ? tr("network") : tr("error");
      if ($("appt").classList.contains("hq-hidden")) open();
      state.code = code.slice(0, LENGTH);
      message(text);
    } finally {
      state.busy = false;
      render();
      screen.armIdle();
    }
  }

  // A scanner types the code and Enter within a few ms per key, on whatever screen is showing.
  document.addEventListener("keydown", (e) => {
    const now = Date.now();
    if (now - state.lastKey > SCAN_GAP_MS * 10) state.scanned = "";
    state.lastKey = now;
    if (e.key === "Enter") {
      const typed = state.scanned;
      state.scanned = "";
      if (typed.length >= 6) { e.preventDefault(); checkIn(typed); }
      else if (!$("appt").classList.contains("hq-hidden")) checkIn(state.code);
      return;
    }
    if (e.key === "Backspace" && !$("appt").classList.contains("hq-hidden")) {
      state.code = state.code.slice(0, -1);
      render();
      return;
    }
    if (e.key.length === 1 && /[0-9A-Za-z-]/.test(e.key)) state.scanned += e.key;
  });

  // The button only where something can be booked (a service with places per slot).
  async function offer() {
    if (!kiosk.branchId) { setTimeout(offer, 1000); return; }
    try {
      const services = await HallQ.api(`/api/v1/services?branch_id=${kiosk.branchId}`, { token: screen.token });
      $("appt-open").classList.toggle("hq-hidden", !services.some((s) => s.active && s.appointment_capacity > 0));
    } catch (err) { /* keep it as it is; tried again below */ }
    setTimeout(offer, 60000);
  }

  $("appt-open").classList.add("hq-hidden");
  $("appt-open").addEventListener("click", open);
  $("appt-back").addEventListener("click", () => { close(); screen.armIdle(); });
  $("appt-go").addEventListener("click", () => checkIn(state.code));
  // The language buttons re-render the kiosk; follow them.
  new MutationObserver(render).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  render();
  offer();
})();
