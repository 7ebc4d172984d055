// Booking page /book?branch=<id>: service, date, time with its free places (read again every
// 15 s), an optional name and phone, then the check-in code, its QR code and the link to the
// customer's own page /a/<public_id>. Mobile first; no login (the hall's `public_booking`).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const el = HallQ.el;
  const branchId = Number(new URLSearchParams(location.search).get("branch")) || 1;
  const REFRESH_MS = 15000;
  const state = {
    locale: hallqBookLocale(), info: null, service: null, day: null, slots: [], slot: null,
    busy: false, booked: null, timer: null, error: "",
  };
  window.hallqBook = state; // for tests and debugging
  const tr = (key, vars) => HallQ.t(HALLQ_BOOK_TEXTS, state.locale, key, vars);
  const zone = () => state.info && state.info.timezone;
  const hhmm = (iso) => HallQ.zoned(new Date(iso), "zh-CN", zone(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function dayText(day) {
    const date = new Date(`${day}T12:00:00Z`);
    const label = HallQ.zoned(date, state.locale, "UTC", { month: "short", day: "numeric", weekday: "short" });
    const index = state.info ? state.days().indexOf(day) : -1;
    return index === 0 ? `${tr("today")} ${label}` : index === 1 ? `${tr("tomorrow")} ${label}` : label;
  }

  state.days = () => {
    const days = [];
    const first = new Date(`${state.info.today}T12:00:00Z`);
    for (let i = 0; i <= state.info.days_ahead; i++) {
      const d = new Date(first);
      d.setUTCDate(d.getUTCDate() + i);
      days.push(d.toISOString().slice(0, 10));
    }
    return days;
  };

  function renderLangs() {
    document.documentElement.lang = state.locale;
    $("langs").replaceChildren(...HallQ.LOCALES.map((l) => el("button", {
      type: "button", class: l === state.locale ? "on" : "", lang: l, "data-locale": l,
      onclick: () => { state.locale = l; localStorage.setItem("hallq.book.locale", l); render(); },
    }, HALLQ_BOOK_LANGS[l])));
  }

  function choice(on, attrs, ...children) {
    return el("button", { type: "button", role: "radio", "aria-checked": on ? "true" : "false",
      class: "b-choice" + (on ? " on" : ""), ...attrs }, ...children);
  }

  function render() {
    renderLangs();
    const info = state.info;
    $("title").textContent = tr("title");
    $("branch").textContent = info ? (info.names[state.locale] || info.name) : "";
    for (const key of ["service", "date", "slot", "you", "name", "phone"]) $(`${key}-label`).textContent = tr(key);
    if (state.booked) return renderDone();
    if (!info) return;
    $("foot").textContent = tr("privacy", { n: info.personal_days });
    $("services").replaceChildren(...info.services.map((s) => choice(state.service === s.id,
      { "data-service": s.id, onclick: () => pickService(s.id) }, HallQ.name(s.name, state.locale, info.locale))));
    $("dates").replaceChildren(...state.days().map((d) => choice(state.day === d,
      { "data-day": d, onclick: () => pickDay(d) }, dayText(d))));
    const open = state.slots.filter((s) => s.available > 0 || state.slot === s.start);
    $("slots").replaceChildren(...(state.slots.length ? state.slots.map((s) => choice(state.slot === s.start, {
      "data-start": s.start, disabled: s.available <= 0, onclick: () => pickSlot(s.start),
    }, el("b", {}, hhmm(s.start)), el("small", {}, s.available > 0 ? tr("free", { n: s.available }) : tr("full"))))
      : [el("p", { class: "b-muted" }, state.service ? tr("none") : "")]));
    $("slots").dataset.open = String(open.length);
    $("error").textContent = state.error;
    $("submit").textContent = state.busy ? tr("sending") : state.slot ? tr("book", { t: hhmm(state.slot) }) : tr("choose");
    $("submit").disabled = state.busy || !state.slot;
  }

  function renderDone() {
    const a = state.booked;
    $("form").classList.add("hq-hidden");
    $("done").classList.remove("hq-hidden");
    $("done-title").textContent = tr("done");
    $("code-label").textContent = tr("code");
    $("code").textContent = `${a.code.slice(0, 4)} ${a.code.slice(4)}`;
    if (!$("qr").firstChild) $("qr").replaceChildren(HallQR.svg(a.code, { label: a.code }));
    $("qr").dataset.code = a.code;
    const name = HallQ.name(a.service_name, state.locale, state.info.locale);
    $("when").textContent = `${name} · ${tr("when", { d: dayText(a.start.slice(0, 10)), t: hhmm(a.start) })}`;
    $("window").textContent = tr("window", { a: hhmm(a.checkin_opens_at), b: hhmm(a.checkin_closes_at) });
    $("link").textContent = tr("link");
    $("link").href = `/a/${encodeURIComponent(a.public_id)}`;
  }

  async function loadSlots() {
    clearTimeout(state.timer);
    if (!state.service || !state.day) return;
    const asked = `${state.service}/${state.day}`;
    try {
      const slots = await HallQ.api(`/api/v1/public/branches/${branchId}/slots?service_id=${state.service}&date=${state.day}`);
      if (asked !== `${state.service}/${state.day}`) return; // another choice meanwhile
      // A slot whose check-in window has closed is gone for good: not shown (a full one is).
      const late = state.info.late_min * 60000;
      state.slots = slots.filter((s) => Date.parse(s.start) + late >= Date.now());
      const mine = slots.find((s) => s.start === state.slot);
      if (state.slot && (!mine || mine.available <= 0)) state.slot = null; // taken meanwhile
    } catch (err) {
      state.error = err.status === 0 ? tr("network") : tr("error");
    }
    render();
    state.timer = setTimeout(loadSlots, REFRESH_MS); // the free places, live
  }

  function pickService(id) { state.service = id; state.slot = null; state.error = ""; state.slots = []; render(); loadSlots(); }
  function pickDay(day) { state.day = day; state.slot = null; state.error = ""; state.slots = []; render(); loadSlots(); }
  function pickSlot(start) { state.slot = start; state.error = ""; render(); }

  async function submit(event) {
    event.preventDefault();
    if (state.busy || !state.slot) return;
    const phone = $("phone").value.trim();
    if (phone && !/^\+?[0-9 ()\-.]{6,24}$/.test(phone)) { state.error = tr("badPhone"); render(); return; }
    const body = { branch_id: branchId, service_id: state.service, start: state.slot, locale: state.locale };
    const name = $("name").value.trim();
    if (name) body.name = name;
    if (phone) body.phone = phone;
    state.busy = true;
    state.error = "";
    render();
    try {
      state.booked = await HallQ.api("/api/v1/public/appointments", { method: "POST", body, idempotencyKey: HallQ.uuid() });
      clearTimeout(state.timer);
    } catch (err) {
      const known = ["slot_full", "slot_unavailable", "rate_limited"];
      state.error = known.includes(err.code) ? tr(err.code)
        : err.code === "validation_error" && phone ? tr("badPhone") : err.status === 0 ? tr("network") : tr("error");
      if (err.code === "slot_full" || err.code === "slot_unavailable") { state.slot = null; loadSlots(); }
    } finally {
      state.busy = false;
      render();
    }
  }

  async function start() {
    renderLangs();
    try {
      state.info = await HallQ.api(`/api/v1/public/branches/${branchId}/booking`);
    } catch (err) {
      $("closed").textContent = err.status === 401 || err.status === 403 || err.status === 404 ? tr("closed") : tr("network");
      $("closed").classList.remove("hq-hidden");
      render();
      return;
    }
    if (!state.info.services.length) {
      $("closed").textContent = tr("noService");
      $("closed").classList.remove("hq-hidden");
      render();
      return;
    }
    state.day = state.info.today;
    if (state.info.services.length === 1) state.service = state.info.services[0].id;
    $("form").classList.remove("hq-hidden");
    render();
    loadSlots();
  }

  $("form").addEventListener("submit", submit);
  start();
})();
