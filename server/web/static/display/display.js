// Hall TV page: /display?branch=<id>&token=<display device token>[&lang=zh-CN | &langs=zh-CN,en]
// Follows the event stream (resuming with `since`), shows the calls, chimes on every call and
// recall, and plays the server's spoken announcement when the branch has server_speech on.
"use strict";

(() => {
  const TEXT = {
    "zh-CN": {
      now_calling: "请到窗口办理", no_calls: "暂无叫号", counters: "窗口", recent: "最近叫号",
      waiting: "等候人数", counter: "{n} 号窗口", people: "{n} 人", about_min: "约 {m} 分钟",
      idle: "—", paused: "暂停服务", not_issuing: "暂停取号",
      reconnecting: "正在重新连接…", stale: "与服务器的连接已中断，显示的信息可能不是最新的",
      denied: "显示设备令牌无效，请联系管理员", no_token: "缺少显示设备令牌（?token=…）",
      sound: "点击屏幕以启用声音",
    },
    "zh-TW": {
      now_calling: "請到窗口辦理", no_calls: "暫無叫號", counters: "窗口", recent: "最近叫號",
      waiting: "等候人數", counter: "{n} 號窗口", people: "{n} 人", about_min: "約 {m} 分鐘",
      idle: "—", paused: "暫停服務", not_issuing: "暫停取號",
      reconnecting: "正在重新連線…", stale: "與伺服器的連線已中斷，顯示的資訊可能不是最新的",
      denied: "顯示裝置權杖無效，請聯絡管理員", no_token: "缺少顯示裝置權杖（?token=…）",
      sound: "點擊螢幕以啟用聲音",
    },
    en: {
      now_calling: "Now calling", no_calls: "No calls yet", counters: "Counters", recent: "Recent calls",
      waiting: "Waiting", counter: "Counter {n}", people: "{n} waiting", about_min: "about {m} min",
      idle: "—", paused: "Paused", not_issuing: "Not issuing",
      reconnecting: "Reconnecting…", stale: "Connection to the server lost: this information may be out of date",
      denied: "This display's token was refused: please call the manager", no_token: "No display token (?token=…)",
      sound: "Tap the screen to enable sound",
    },
  };
  const CHIME = "/static/common/chime.wav";
  const FRESH_MS = 60000; // older calls (a replay after a long outage) are shown, not chimed
  const FLASH_MS = 6000;
  const STALE_AFTER_MS = 10000;
  const ROTATE_MS = 10000;
  const SOUND_TIMEOUT_MS = 30000;

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const token = HallQ.token("hallq.display.token");
  let branchId = Number(params.get("branch")) || null;
  let branch = null;
  let state = TvState.empty(8);
  let locales = ["zh-CN"];
  let localeIndex = 0;
  let downSince = Date.now(); // not connected yet counts as down
  let denied = false;
  let flashUntil = 0;
  let flashSeq = null;
  const sounds = [];
  let playing = false;

  // For tests and for a technician's console: what the page has done.
  const debug = { calls: [], sounds: [], status: "starting", get state() { return state; } };
  window.hallqDisplay = debug;

  const locale = () => locales[localeIndex % locales.length];
  const t = (key, vars) => HallQ.t(TEXT, locale(), key, vars);
  // Warnings are shown in every language of the hall at once: nobody should wait for theirs.
  const tAll = (key) => [...new Set(locales.map((l) => HallQ.t(TEXT, l, key)))].join("  ·  ");

  function chooseLocales() {
    const fixed = params.get("lang");
    const list = (params.get("langs") || (fixed ? fixed : "")).split(",").filter((l) => HallQ.LOCALES.includes(l));
    if (list.length) return list;
    const first = branch && HallQ.LOCALES.includes(branch.locale) ? branch.locale : "zh-CN";
    return first === "en" ? ["en"] : [first, "en"];
  }

  async function loadBranch() {
    branch = await HallQ.api(`/api/v1/branches/${branchId}`, { token });
    locales = chooseLocales();
    state.recentLimit = branch.settings.display_recent || 8;
    state.recent = state.recent.slice(0, state.recentLimit);
  }

  async function reloadQueue() {
    const view = await HallQ.api(`/api/v1/branches/${branchId}/queue`, { token });
    if (view.seq >= state.seq) TvState.apply(state, { type: "snapshot", seq: view.seq, data: view });
  }

  async function start() {
    if (!token) { banner(tAll("no_token")); return; }
    for (;;) {
      try {
        if (!branchId) {
          const me = await HallQ.api("/api/v1/auth/me", { token });
          branchId = me.branch_ids[0];
        }
        await loadBranch();
        break;
      } catch (err) {
        if (err.status === 401 || err.status === 403) { denied = true; banner(tAll("denied")); return; }
        await new Promise((r) => setTimeout(r, 3000)); // the server may still be starting
      }
    }
    render();
    HallQ.stream(branchId, token, { onMessage, onStatus });
  }

  function onMessage(msg) {
    const call = TvState.apply(state, msg);
    if (msg.type === "config.updated") {
      const what = msg.data && msg.data.what;
      const reload = what === "branch" ? loadBranch() : reloadQueue();
      reload.then(render).catch(() => {});
    }
    if (call) {
      const fresh = Date.now() - Date.parse(msg.ts) < FRESH_MS;
      debug.calls.push({ seq: call.seq, number: call.number, counter: call.counterNumber, shownAt: Date.now(), fresh });
      flashSeq = call.seq;
      flashUntil = Date.now() + FLASH_MS;
      if (fresh) announce(call);
    }
    render(Boolean(call));
  }

  function onStatus(status, arg) {
    debug.status = status;
    if (status === "connected") {
      downSince = null;
    } else if (status === "reconnecting") {
      downSince = downSince || arg || Date.now();
    } else if (status === "denied") {
      denied = true;
    }
    renderConnection();
  }

  // ---- sound: chime, then the server's announcement; one at a time, in order ----------------

  function announce(call) {
    const urls = [CHIME];
    if (branch && branch.settings.server_speech) {
      urls.push(`/api/v1/branches/${branchId}/announcements/${call.seq}.wav?token=${encodeURIComponent(token)}`);
    }
    sounds.push({ seq: call.seq, urls });
    pump();
  }

  async function pump() {
    if (playing) return;
    playing = true;
    while (sounds.length) {
      const item = sounds.shift();
      for (const url of item.urls) await playOne(url, item.seq);
    }
    playing = false;
  }

  function playOne(url, seq) {
    return new Promise((resolve) => {
      const rec = { seq, url: url.split("?")[0], queuedAt: Date.now(), startedAt: null, endedAt: null, error: null };
      debug.sounds.push(rec);
      const audio = new Audio(url);
      let finished = false;
      const done = (error) => {
        if (finished) return;
        finished = true;
        rec.endedAt = Date.now();
        if (error) rec.error = error;
        resolve();
      };
      const timer = setTimeout(() => done("timeout"), SOUND_TIMEOUT_MS);
      audio.onended = () => { clearTimeout(timer); done(null); };
      audio.onerror = () => { clearTimeout(timer); done("error"); };
      audio.play().then(() => { rec.startedAt = Date.now(); }).catch((err) => {
        clearTimeout(timer);
        if (err && err.name === "NotAllowedError") $("sound-hint").classList.remove("hq-hidden");
        done(String(err && err.name));
      });
    });
  }

  document.addEventListener("click", () => $("sound-hint").classList.add("hq-hidden"));

  // ---- rendering ------------------------------------------------------------------------------

  function banner(text) {
    const el = $("stale");
    el.textContent = text;
    el.classList.toggle("hq-hidden", !text);
  }

  function renderConnection() {
    const down = downSince !== null;
    $("conn-mark").classList.toggle("hq-hidden", !down || denied);
    $("conn-mark").title = down ? t("reconnecting") : "";
    if (denied) banner(tAll("denied"));
    else banner(down && Date.now() - downSince > STALE_AFTER_MS ? tAll("stale") : "");
  }

  function render(restartFlash = false) {
    if (!branch) return;
    document.documentElement.lang = locale();
    $("hall-name").textContent = branch.name;
    document.title = `${branch.name} · hallq`;
    $("counters-title").textContent = t("counters");
    $("recent-title").textContent = t("recent");
    $("waiting-title").textContent = t("waiting");
    renderLatest(restartFlash);
    renderCounters();
    renderRecent();
    renderWaiting();
    renderMarquee();
    renderMedia();
    renderClock();
    renderConnection();
  }

  function renderLatest(restartFlash) {
    const newest = state.recent[0];
    $("latest-label").textContent = newest ? t("now_calling") : t("no_calls");
    $("latest-number").textContent = newest ? newest.number : "—";
    $("latest-counter").textContent = newest ? t("counter", { n: newest.counterNumber }) : "";
    const card = $("latest");
    const flashing = newest && newest.seq === flashSeq && Date.now() < flashUntil;
    if (restartFlash && flashing) {
      card.classList.remove("flash");
      void card.offsetWidth; // restart the animation for a new call
    }
    card.classList.toggle("flash", Boolean(flashing));
  }

  // "1 号窗口", plus the counter's own name unless it only repeats that ("1号窗口", "1").
  function counterLabel(c) {
    const label = t("counter", { n: c.number });
    const extra = HallQ.counterExtraName(c);
    return extra ? `${label} · ${extra}` : label;
  }

  function renderCounters() {
    const fresh = Date.now() < flashUntil ? state.recent[0] : null;
    const tiles = TvState.currentCalls(state).map((c) => {
      const paused = c.state === "paused";
      const isFresh = fresh && fresh.counterNumber === c.number && fresh.number === c.ticketNumber;
      return HallQ.el("div", { class: `counter${paused ? " paused" : ""}${isFresh ? " fresh" : ""}`, "data-counter": c.number },
        HallQ.el("div", { class: "c-name" }, counterLabel(c)),
        HallQ.el("div", { class: "c-ticket" }, paused && !c.ticketNumber ? t("paused") : (c.ticketNumber || t("idle"))));
    });
    $("counters").replaceChildren(...tiles);
  }

  function renderRecent() {
    const items = state.recent.map((c, i) => HallQ.el("li",
      { class: i === 0 ? `newest${c.seq === flashSeq && Date.now() < flashUntil ? " flash" : ""}` : "", "data-seq": c.seq ?? "" },
      HallQ.el("span", { class: "r-number" }, c.number),
      HallQ.el("span", { class: "r-counter" }, t("counter", { n: c.counterNumber }))));
    if (!items.length) items.push(HallQ.el("li", { class: "empty" }, t("no_calls")));
    $("recent").replaceChildren(...items);
  }

  function renderWaiting() {
    const chips = [...state.services.values()].map((s) => {
      const minutes = HallQ.minutes(s.estimatedWaitS);
      return HallQ.el("div", { class: "service", "data-service": s.id },
        HallQ.el("span", { class: "s-prefix" }, s.prefix),
        HallQ.el("span", { class: "s-name" }, HallQ.name(s.name, locale(), branch.locale)),
        HallQ.el("span", { class: "s-count" }, t("people", { n: s.waiting })),
        s.waiting > 0 && minutes ? HallQ.el("span", { class: "s-est" }, t("about_min", { m: minutes })) : null,
        s.open ? null : HallQ.el("span", { class: "s-closed" }, t("not_issuing")));
    });
    $("waiting").replaceChildren(...chips);
  }

  function renderMarquee() {
    const text = (branch.settings.marquee || "").trim();
    const span = $("marquee-text");
    if (span.textContent !== text) {
      span.textContent = text;
      span.style.setProperty("--marquee-s", `${Math.max(15, text.length * 0.35)}s`);
    }
    document.querySelector(".marquee-bar").classList.toggle("empty", !text);
  }

  function renderMedia() {
    const url = (branch.settings.media_url || "").trim();
    const box = $("media");
    $("tv").classList.toggle("no-media", !url);
    box.classList.toggle("hq-hidden", !url);
    if (box.dataset.url === url) return;
    box.dataset.url = url;
    if (!url) { box.replaceChildren(); return; }
    const video = /\.(mp4|webm|ogv|m4v)(\?|$)/i.test(url);
    box.replaceChildren(video
      ? HallQ.el("video", { src: url, autoplay: true, muted: true, loop: true, playsinline: true })
      : HallQ.el("img", { src: url, alt: "" }));
  }

  function renderClock() {
    if (!branch) return;
    const now = new Date();
    const zone = branch.timezone;
    $("date").textContent = HallQ.zoned(now, locale(), zone, { year: "numeric", month: "long", day: "numeric", weekday: "long" });
    $("clock").textContent = HallQ.zoned(now, locale(), zone, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  }

  let lastRotate = Date.now();
  setInterval(() => {
    if (locales.length > 1 && Date.now() - lastRotate >= ROTATE_MS) {
      lastRotate = Date.now();
      localeIndex = (localeIndex + 1) % locales.length;
      render();
    } else if (flashUntil && Date.now() >= flashUntil) {
      flashUntil = 0;
      render();
    } else {
      renderClock();
      renderConnection();
    }
  }, 1000);

  start();
})();
