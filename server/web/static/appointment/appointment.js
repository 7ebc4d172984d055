// The customer's booking /a/<public_id>: the check-in code and its QR code, when and where to
// check in, the state, and cancelling while it is booked. The public_id in the address is the
// key; the page shows no name, and the phone masked.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const publicId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  const state = { locale: hallqBookLocale(), booking: null, confirm: false, error: "" };
  window.hallqAppointment = state; // for tests and debugging
  const tr = (key, vars) => HallQ.t(HALLQ_BOOK_TEXTS, state.locale, key, vars);
  const url = `/api/v1/public/appointments/${encodeURIComponent(publicId)}`;

  function render() {
    document.documentElement.lang = state.locale;
    $("langs").replaceChildren(...HallQ.LOCALES.map((l) => HallQ.el("button", {
      type: "button", class: l === state.locale ? "on" : "", lang: l, "data-locale": l,
      onclick: () => { state.locale = l; localStorage.setItem("hallq.book.locale", l); render(); },
    }, HALLQ_BOOK_LANGS[l])));
    const a = state.booking;
    if (!a) return;
    const zone = a.timezone;
    const hhmm = (iso) => HallQ.zoned(new Date(iso), "zh-CN", zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const day = HallQ.zoned(new Date(a.start), state.locale, zone, { month: "short", day: "numeric", weekday: "short" });
    $("branch").textContent = a.branch_name || "";
    $("state").textContent = a.state === "checked_in" ? tr("ticket") : tr(a.state);
    $("state").className = `b-state ${a.state}`;
    $("state").dataset.state = a.state;
    $("code-label").textContent = tr("code");
    $("code").textContent = `${a.code.slice(0, 4)} ${a.code.slice(4)}`;
    const live = a.state === "booked";
    $("qr").classList.toggle("hq-hidden", !live);
    if (live && !$("qr").firstChild) $("qr").replaceChildren(HallQR.svg(a.code, { label: a.code }));
    $("when").textContent = `${HallQ.name(a.service_name, state.locale)} · ${tr("when", { d: day, t: hhmm(a.start) })}`;
    $("window").textContent = live ? tr("window", { a: hhmm(a.checkin_opens_at), b: hhmm(a.checkin_closes_at) }) : "";
    $("phone").textContent = a.phone ? `${tr("phone_l")} ${a.phone}` : "";
    $("error").textContent = state.error;
    $("cancel").textContent = tr("cancel");
    $("cancel").classList.toggle("hq-hidden", !live || state.confirm);
    $("confirm").classList.toggle("hq-hidden", !live || !state.confirm);
    $("confirm-text").textContent = tr("confirm");
    $("yes").textContent = tr("yes");
    $("no").textContent = tr("no");
    $("card").classList.remove("hq-hidden");
  }

  async function load() {
    try {
      state.booking = await HallQ.api(url);
    } catch (err) {
      $("missing").textContent = err.status === 404 ? tr("missing") : tr("network");
      $("missing").classList.remove("hq-hidden");
    }
    render();
  }

  $("cancel").addEventListener("click", () => { state.confirm = true; render(); });
  $("no").addEventListener("click", () => { state.confirm = false; render(); });
  $("yes").addEventListener("click", async () => {
    state.confirm = false;
    try {
      state.booking = await HallQ.api(`${url}/cancel`, { method: "POST", idempotencyKey: HallQ.uuid() });
      state.error = "";
    } catch (err) {
      state.error = tr("cancelFailed");
      await load();
    }
    render();
  });
  load();
})();
