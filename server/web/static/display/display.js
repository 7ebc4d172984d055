// Hall TV page: /display?branch=<id>&token=<display device token>[&lang=zh-CN | &langs=zh-CN,en]
// Follows the event stream (resuming with `since`), shows the calls, chimes on every call and
// recall, and plays the server's spoken announcement when the branch has server_speech on.
"use strict";

(() => {
  const TEXT = TvText;
  const CHIME = "/static/common/chime.wav";
  const FRESH_MS = 60000; // older calls (a replay after a long outage) are shown, not chimed
  const FLASH_MS = 6000;
  const STALE_AFTER_MS = 10000;
  const ROTATE_MS = 10000;
  const SOUND_TIMEOUT_MS = 30000;
  const RESULTS_EVERY_MS = 5 * 60 * 1000; // the published results are read again (kept 60 s)
  const RESULTS_TURN_MS = 8000; // each service's results stay this long

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const token = HallQ.token("hallq.display.token");
  let branchId = Number(params.get("branch")) || null;
  let branch = null;
  let state = TvState.empty(8);
  const L = TvLayout;
  let locales = ["zh-CN"];
  let localeIndex = 0;
  let downSince = Date.now(); // not connected yet counts as down
  let stopped = null; // why the page cannot work ("no_token", "denied", …), shown full screen
  let flashUntil = 0;
  let flashSeq = null;
  const sounds = [];
  let playing = false;

  // The published results (公开评议结果) when the hall's publish_results is on: the hall's
  // total, then each service (and counter), one at a time in their own panel.
  let results = null;
  let incoming; // figures read but not shown yet (undefined: none)
  let resultsTurn = 0;
  let resultsTurnAt = Date.now();

  // For tests and for a technician's console: what the page has done.
  const debug = { calls: [], sounds: [], status: "starting", get state() { return state; },
    get results() { return { data: results, turn: resultsTurn, slides: resultSlides().length }; } };
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
    if (!token) { blocked("no_token", "no_token_how"); return; }
    for (;;) {
      let me = null;
      try {
        me = await HallQ.api("/api/v1/auth/me", { token });
        if (!branchId) branchId = (me.branch_ids || [])[0];
        await loadBranch();
        break;
      } catch (err) {
        if (err.status === 401 || (err.status === 403 && !me)) { blocked("denied", "denied_how"); return; }
        if (err.status === 403 || err.status === 404) {
          // The token is good, the hall is not: say which, and what the address should say.
          const mine = (me.branch_ids || [])[0];
          blocked(err.status === 404 ? "no_hall" : "not_yours", mine ? "hall_how" : "", { b: branchId, mine });
          return;
        }
        await new Promise((r) => setTimeout(r, 3000)); // the server may still be starting
      }
    }
    render();
    HallQ.stream(branchId, token, { onMessage, onStatus });
    loadResults();
    setInterval(loadResults, RESULTS_EVERY_MS);
  }

  // Read from the public endpoint, as any phone does; a hall that stops publishing (404) or a
  // failure hides the panel: it never holds up the calls.
  async function loadResults() {
    const wanted = Boolean(branch && branch.settings.publish_results);
    let found = null;
    if (wanted) {
      try {
        found = await HallQ.api(`/api/v1/public/branches/${branchId}/results`);
      } catch (_) {
        found = null;
      }
    }
    incoming = found;
    applyResults();
  }

  // New figures wait while a call flashes: the panel may come or go, and the call's layout
  // must not move under it.
  function applyResults() {
    if (incoming === undefined || Date.now() < flashUntil) return;
    const had = Boolean(results);
    results = incoming;
    incoming = undefined;
    if (had !== Boolean(results)) render();
    else renderResults();
  }

  function resultSlides() {
    if (!results) return [];
    const own = (row) => row.served || row.rating.count;
    return [{ kind: "total", row: results.total }, ...results.services.map((row) => ({ kind: "service", row })),
      ...(results.counters || []).map((row) => ({ kind: "counter", row }))].filter((slide) => own(slide.row));
  }

  // A counter that opens or stops serving changes the estimates of its services ("no counter
  // open" ↔ minutes): read the queue view again, once for a burst of changes.
  let estimatesTimer = null;
  function reloadEstimates() {
    clearTimeout(estimatesTimer);
    estimatesTimer = setTimeout(() => reloadQueue().then(() => render()).catch(() => {}), 300);
  }

  function onMessage(msg) {
    const old = msg.type === "counter.updated" ? state.counters.get(msg.data.id) : null;
    const call = TvState.apply(state, msg);
    if (old && (old.state === "open") !== (msg.data.state === "open")) reloadEstimates();
    if (msg.type === "snapshot" && branch) {
      // the stream (re)started from a snapshot: a settings change may have come in between
      loadBranch().then(loadResults).then(render).catch(() => {});
    }
    if (msg.type === "config.updated") {
      const what = msg.data && msg.data.what;
      const reload = what === "branch" ? loadBranch().then(loadResults) : reloadQueue();
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
      blocked("denied", "denied_how");
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

  // A display that cannot show anything says why and what to do, at once, in every language
  // (the wanted one first); it stops there.
  function blocked(what, how, vars = {}) {
    stopped = what;
    debug.status = what;
    banner("");
    const wanted = (params.get("langs") || params.get("lang") || "").split(",").filter((l) => HallQ.LOCALES.includes(l));
    const order = [...new Set([...wanted, ...HallQ.LOCALES])];
    $("setup").replaceChildren(...order.map((l) => HallQ.el("div", { class: "block", lang: l, "data-lang": l },
      HallQ.el("h2", {}, HallQ.t(TEXT, l, what, vars)),
      how ? HallQ.el("p", {}, HallQ.t(TEXT, l, how, vars)) : null)));
    $("setup").classList.remove("hq-hidden");
    $("tv").classList.add("hq-hidden");
    document.documentElement.lang = order[0];
  }

  function renderConnection() {
    if (stopped) return;
    const down = downSince !== null;
    $("conn-mark").classList.toggle("hq-hidden", !down);
    $("conn-mark").title = down ? t("reconnecting") : "";
    banner(down && Date.now() - downSince > STALE_AFTER_MS ? tAll("stale") : "");
  }

  // The hall's name and marquee in the locale shown (settings.hall_names / marquees), else the
  // branch's own.
  const hallName = (l) => ((branch.settings.hall_names || {})[l] || "").trim() || branch.name;
  const marqueeOf = (l) => ((branch.settings.marquees || {})[l] || "").trim() || (branch.settings.marquee || "").trim();

  function render(restartFlash = false) {
    if (!branch || stopped) return;
    document.documentElement.lang = locale();
    $("hall-name").textContent = hallName(locale());
    document.title = `${hallName(locale())} · hallq`;
    $("recent-title").textContent = t("recent");
    $("waiting-title").textContent = t("waiting");
    const open = TvState.currentCalls(state);
    arrange(open.length, state.services.size);
    renderMarquee();
    renderMedia();
    renderResults();
    renderToday();
    renderInfo();
    renderClock();
    renderLatest(restartFlash);
    renderCounters(open);
    renderRecent();
    renderWaiting();
    L.shrink($("tv"));
    renderConnection();
  }

  // The screen's areas: the newest call (and the recent calls, the media) beside the counter
  // tiles, the waiting strip under them; with no counter open the services take the big area.
  function arrange(counters, services) {
    const tv = $("tv");
    const portrait = innerHeight > innerWidth;
    const idle = counters === 0;
    const recent = state.recent.length > 0;
    const media = Boolean((branch.settings.media_url || "").trim());
    const shown = resultSlides().length > 0;
    const info = showsInfo();
    const marquee = Boolean(marqueeText());
    const main = idle ? "waiting" : "counters";
    const rows = [["head", "auto"]];
    let columns = "minmax(0, 1fr)";
    if (portrait) {
      rows.push(["latest", "minmax(0, 1fr)"], [main, "minmax(0, 2.2fr)"]);
      if (recent) rows.push(["recent", "minmax(0, 0.62fr)"]);
      if (!idle) rows.push(["waiting", "auto"]);
      if (media) rows.push(["media", "minmax(0, 0.7fr)"]);
      if (shown) rows.push(["results", "minmax(0, 0.55fr)"]);
      if (info) rows.push(["info", "minmax(0, 0.7fr)"]);
    } else {
      const side = idle ? 44 : counters <= 4 ? 40 : counters <= 12 ? 36 : 31;
      columns = `minmax(0, ${side}fr) minmax(0, ${100 - side}fr)`;
      rows.push(["latest", "minmax(0, 1.2fr)"]);
      if (recent) rows.push(["recent", "minmax(0, 1fr)"]);
      if (media) rows.push(["media", "minmax(0, 1fr)"]);
      if (shown) rows.push(["results", "minmax(0, 0.8fr)"]);
      if (info) rows.push(["info", "minmax(0, 1fr)"]);
      for (const r of rows.slice(1)) r[0] = `${r[0]} ${main}`;
      rows[0][0] = "head head";
      if (!idle) rows.push(["waiting waiting", "auto"]);
    }
    if (marquee) rows.push([portrait ? "marquee" : "marquee marquee", "auto"]);
    tv.style.gridTemplateColumns = columns;
    tv.style.gridTemplateRows = rows.map((r) => r[1]).join(" ");
    tv.style.gridTemplateAreas = rows.map((r) => `"${r[0]}"`).join(" ");
    tv.classList.toggle("portrait", portrait);
    tv.classList.toggle("idle", idle);
    $("counters-panel").classList.toggle("hq-hidden", idle);
    $("recent-panel").classList.toggle("hq-hidden", !recent);
    $("results-panel").classList.toggle("hq-hidden", !shown);
    $("marquee-bar").classList.toggle("hq-hidden", !marquee);
    // The strip under the counters: one row of up to 4 services (2 upright), more rows beyond.
    const perRow = portrait ? 2 : 4;
    const stripRows = Math.max(1, Math.ceil(services / perRow));
    $("waiting-panel").style.setProperty("--waiting-h", `${stripRows * (portrait ? 6.6 : 12.5)}vh`);
  }

  let latestFont = Infinity; // the newest call's number, px
  const px = (el, name, value) => el.style.setProperty(name, `${Math.max(1, value)}px`);
  const gapPx = () => Math.round(Math.min(innerWidth, innerHeight) * 0.011);

  function renderLatest(restartFlash) {
    const newest = state.recent[0];
    const card = $("latest");
    card.classList.toggle("empty", !newest);
    latestFont = Infinity;
    if (!newest) {
      // Nobody called yet: ask the hall to take a ticket, in each of its languages.
      const lines = [...new Set([locale(), ...locales].map((l) => HallQ.t(TEXT, l, "take_ticket")))];
      $("welcome").replaceChildren(...lines.map((line) => HallQ.el("div", { "data-fit": "" }, line)));
      const size = L.welcome(card.clientWidth, card.clientHeight, lines);
      px(card, "--f-welcome", size.big);
      px(card, "--f-welcome-small", size.small);
      card.classList.remove("flash");
      return;
    }
    const label = t("now_calling");
    const where = t("counter", { n: newest.counterNumber });
    $("latest-label").textContent = label;
    $("latest-number").textContent = newest.number;
    $("latest-counter").textContent = where;
    for (const id of ["latest-label", "latest-number", "latest-counter"]) {
      $(id).setAttribute("data-fit", "");
      $(id).style.fontSize = ""; // undo the last safety shrink
    }
    const size = L.latest(card.clientWidth, card.clientHeight, label, newest.number, where);
    latestFont = size.number;
    px(card, "--f-latest-number", size.number);
    px(card, "--f-latest-label", size.label);
    px(card, "--f-latest-counter", size.counter);
    const flashing = newest.seq === flashSeq && Date.now() < flashUntil;
    if (restartFlash && flashing) {
      card.classList.remove("flash");
      void card.offsetWidth; // restart the animation for a new call
    }
    card.classList.toggle("flash", Boolean(flashing));
  }

  function renderCounters(open) {
    const fresh = Date.now() < flashUntil ? state.recent[0] : null;
    const numbers = [];
    const labels = [];
    const tiles = open.map((c) => {
      const paused = c.state === "paused";
      const isFresh = fresh && fresh.counterNumber === c.number && fresh.number === c.ticketNumber;
      const word = paused && !c.ticketNumber;
      const big = word ? t("paused") : (c.ticketNumber || t("idle"));
      const label = t("counter", { n: c.number });
      const extra = HallQ.counterExtraName(c);
      numbers.push([big, word ? 0.6 : 1]);
      labels.push(label);
      const cls = `counter${paused ? " paused" : ""}${isFresh ? " fresh" : ""}${c.ticketNumber ? "" : " idle"}`;
      return HallQ.el("div", { class: cls, "data-counter": c.number },
        HallQ.el("div", { class: "c-name" },
          HallQ.el("span", { class: "c-label" }, label),
          extra ? HallQ.el("span", { class: "c-extra" }, `\u00a0· ${extra}`) : null),
        HallQ.el("div", { class: "c-ticket", "data-fit": "" }, big));
    });
    const box = $("counters");
    box.replaceChildren(...tiles);
    if (!tiles.length) return;
    const gap = gapPx();
    // the newest call's number stays the biggest
    const size = L.counters(tiles.length, box.clientWidth, box.clientHeight, gap, numbers, labels, latestFont * 0.8);
    box.style.setProperty("--cols", size.cols);
    box.style.setProperty("--rows", size.rows);
    px(box, "--tile-gap", gap);
    px(box, "--f-number", size.number);
    px(box, "--f-label", size.label);
  }

  function renderRecent() {
    const list = $("recent");
    if (!state.recent.length) { list.replaceChildren(); return; }
    const rows = state.recent.map((c) => [c.number, t("counter", { n: c.counterNumber })]);
    const portrait = innerHeight > innerWidth;
    const most = Math.min(innerWidth, innerHeight) * (portrait ? 0.045 : 0.05);
    const width = portrait ? list.clientWidth / 2 - gapPx() * 2 : list.clientWidth;
    const size = L.recent(width, list.clientHeight, rows, most);
    px(list, "--f-recent", size.font);
    const shown = state.recent.slice(0, size.fits * (portrait ? 2 : 1));
    list.replaceChildren(...shown.map((c, i) => HallQ.el("li",
      { class: i === 0 ? `newest${c.seq === flashSeq && Date.now() < flashUntil ? " flash" : ""}` : "", "data-seq": c.seq ?? "" },
      HallQ.el("span", { class: "r-number" }, c.number),
      HallQ.el("span", { class: "r-counter" }, t("counter", { n: c.counterNumber })))));
  }

  function renderWaiting() {
    const prefixes = [];
    const lines = [];
    const chips = [...state.services.values()].map((s) => {
      const minutes = HallQ.minutes(s.estimatedWaitS);
      const count = t("people", { n: s.waiting });
      // No open counter serves it: nobody calls it, so no estimate.
      const served = TvState.served(state, s.id);
      const est = !served ? `\u2002${t("no_counter")}`
        : s.waiting > 0 && minutes ? `\u2002${t("about_min", { m: minutes })}` : "";
      const closed = s.open ? "" : `\u2002${t("not_issuing")}`;
      prefixes.push(s.prefix);
      lines.push(count + est + closed);
      return HallQ.el("div", { class: "service", "data-service": s.id },
        HallQ.el("span", { class: "s-prefix" }, s.prefix),
        HallQ.el("span", { class: "s-name" }, HallQ.name(s.name, locale(), branch.locale)),
        HallQ.el("span", { class: "s-line", "data-fit": "" },
          HallQ.el("span", { class: "s-count" }, count),
          est ? HallQ.el("span", { class: "s-est" }, est) : null,
          closed ? HallQ.el("span", { class: "s-closed" }, closed) : null));
    });
    const box = $("waiting");
    box.replaceChildren(...chips);
    if (!chips.length) return;
    const gap = gapPx();
    const names = [...state.services.values()].map((s) => HallQ.name(s.name, locale(), branch.locale));
    const size = L.services(chips.length, box.clientWidth, box.clientHeight, gap, prefixes, lines, names);
    box.style.setProperty("--svc-cols", size.cols);
    box.style.setProperty("--svc-rows", size.rows);
    px(box, "--svc-gap", gap);
    px(box, "--f-service", size.font);
  }

  // Every language of the hall in one line, so that the rotation never restarts the scroll.
  function marqueeText() {
    return [...new Set(locales.map(marqueeOf).filter(Boolean))].join("\u3000\u3000");
  }

  function renderMarquee() {
    const text = marqueeText();
    const span = $("marquee-text");
    if (span.textContent !== text) {
      span.textContent = text;
      span.style.setProperty("--marquee-s", `${Math.max(15, text.length * 0.35)}s`);
    }
  }

  function renderMedia() {
    const url = (branch.settings.media_url || "").trim();
    const box = $("media");
    box.classList.toggle("hq-hidden", !url);
    if (box.dataset.url === url) return;
    box.dataset.url = url;
    if (!url) { box.replaceChildren(); return; }
    const video = /\.(mp4|webm|ogv|m4v)(\?|$)/i.test(url);
    box.replaceChildren(video
      ? HallQ.el("video", { src: url, autoplay: true, muted: true, loop: true, playsinline: true })
      : HallQ.el("img", { src: url, alt: "" }));
  }

  // One slide of the results: what it is about, and its four figures (never a clerk).
  function renderResults() {
    const slides = resultSlides();
    if (!slides.length || !branch) return;
    const slide = slides[resultsTurn % slides.length];
    const l = locale();
    const R = HallQResults;
    $("rp-title").textContent = R.t(l, "title");
    $("rp-month").textContent = R.month(l, results.month);
    const name = slide.kind === "total" ? R.t(l, "total")
      : slide.kind === "service" ? HallQ.name(slide.row.name, l, branch.locale) : R.counterName(l, slide.row);
    $("rp-name").textContent = name;
    $("rp-name").dataset.kind = slide.kind;
    $("rp-figs").replaceChildren(...R.figures(l, slide.row).map(([key, label, value]) =>
      HallQ.el("div", { class: `rp-fig rp-${key}` },
        HallQ.el("div", { class: "rp-v" }, value), HallQ.el("div", { class: "rp-l" }, label))));
  }

  // The next slide, unless a call is on the screen: a call always comes first.
  function turnResults() {
    const slides = resultSlides();
    if (slides.length < 2 || Date.now() < flashUntil || Date.now() - resultsTurnAt < RESULTS_TURN_MS) return;
    resultsTurnAt = Date.now();
    resultsTurn = (resultsTurn + 1) % slides.length;
    renderResults();
  }

  // Today's hours in the head, and when the hall opens next while it is closed (queue view).
  function renderToday() {
    const box = $("today");
    const hours = state.hoursToday;
    let text = "";
    if (Array.isArray(hours)) {
      const allDay = hours.length === 1 && hours[0][0] === "00:00" && hours[0][1] === "24:00";
      text = hours.length ? t("hours_today", { h: allDay ? t("all_day") : hours.map((i) => i.join("–")).join(", ") })
        : t("closed_today");
    }
    if (state.opensAt) {
      const at = new Date(state.opensAt);
      const zone = branch.timezone;
      const ymd = (d) => HallQ.zoned(d, "en-CA", zone, { year: "numeric", month: "2-digit", day: "2-digit" });
      const today = ymd(new Date());
      const next = new Date(`${today}T12:00:00Z`);
      next.setUTCDate(next.getUTCDate() + 1);
      const day = ymd(at) === today ? t("today") : ymd(at) === next.toISOString().slice(0, 10) ? t("tomorrow")
        : HallQ.zoned(at, locale(), zone, { month: "long", day: "numeric", weekday: "short" });
      const time = HallQ.zoned(at, "zh-CN", zone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      text = [text, t("opens", { d: day, t: time })].filter(Boolean).join(" · ");
    }
    box.textContent = text;
    box.classList.toggle("closed", Boolean(state.opensAt));
  }

  // The notice and the commitments (公示), where the media would be, when the hall asks for it.
  function showsInfo() {
    return Boolean(branch.settings.display_info) && !(branch.settings.media_url || "").trim();
  }

  function renderInfo() {
    const box = $("info");
    const shown = showsInfo();
    box.classList.toggle("hq-hidden", !shown);
    if (!shown) return;
    const notice = branch.settings.notice || {};
    $("notice").textContent = (notice[locale()] || notice[branch.locale] || notice["zh-CN"] || notice.en || "").trim();
    $("commitments-title").textContent = t("commitments");
    $("commitments").replaceChildren(...[...state.services.values()].map((s) => HallQ.el("li", { "data-service": s.id },
      HallQ.el("b", {}, s.prefix), HallQ.name(s.name, locale(), branch.locale),
      HallQ.el("span", {}, [s.targetWaitMin != null ? t("target", { m: s.targetWaitMin }) : null,
        s.maxServiceMin ? t("limit", { m: s.maxServiceMin }) : null].filter(Boolean).join(" · ")))));
  }

  function renderClock() {
    if (!branch) return;
    const now = new Date();
    const zone = branch.timezone;
    $("date").textContent = HallQ.zoned(now, locale(), zone, { year: "numeric", month: "long", day: "numeric", weekday: "long" });
    $("clock").textContent = HallQ.zoned(now, locale(), zone, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  }

  addEventListener("resize", () => render());

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
    applyResults();
    turnResults();
  }, 1000);

  // Today's hours and the next opening change with the clock, not with events.
  setInterval(() => { if (branch) reloadQueue().then(() => render()).catch(() => {}); }, 300000);

  start();
})();
