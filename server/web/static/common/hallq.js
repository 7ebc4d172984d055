// hallq page helpers shared by every page: API calls, the event stream with resume, i18n.
// Plain ES2020, no build step, no CDN.
"use strict";

const HallQ = (() => {
  const LOCALES = ["zh-CN", "zh-TW", "en"];

  // The device token comes in the URL once (?token=…) and is then kept in the browser's storage,
  // so the address bar of a kiosk or TV can be cleaned.
  function token(storageKey) {
    const params = new URLSearchParams(location.search);
    const fromUrl = params.get("token");
    if (fromUrl) localStorage.setItem(storageKey, fromUrl);
    return fromUrl || localStorage.getItem(storageKey) || "";
  }

  class ApiError extends Error {
    constructor(status, code, detail) {
      super(detail || code);
      this.status = status;
      this.code = code;
      this.detail = detail;
    }
  }

  async function api(path, { method = "GET", body, token: tok, idempotencyKey, timeoutMs = 10000 } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (tok) headers.Authorization = `Bearer ${tok}`;
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    let resp;
    try {
      resp = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ctrl.signal,
      });
    } catch (err) {
      throw new ApiError(0, "network", String(err));
    } finally {
      clearTimeout(timer);
    }
    if (resp.status === 204) return null;
    const data = await resp.json().catch(() => null);
    if (!resp.ok) {
      throw new ApiError(resp.status, (data && data.error) || "http_" + resp.status, data && data.detail);
    }
    return data;
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // Follows `WS /api/v1/branches/{id}/events`, resuming with `since` after a drop.
  // onMessage(msg) gets the snapshot and every event in order, each seq once: an event whose seq
  // does not follow the last one (a gap) is not passed on, and the stream reconnects at once with
  // `since` so the server replays what was missed. onStatus(state, downSinceMs) gets
  // "connected" | "reconnecting" (with the time of the drop) | "denied" (token refused).
  function stream(branchId, tok, { onMessage, onStatus = () => {} }) {
    let lastSeq = null;
    let ws = null;
    let attempt = 0;
    let downSince = null;
    let stopped = false;
    let lastResync = 0;

    function resync() {
      const sock = ws;
      sock.onmessage = null;
      sock.onclose = null;
      sock.close();
      // at once; again within 2 s (a server that keeps skipping) waits a second
      const now = Date.now();
      const delay = now - lastResync < 2000 ? 1000 : 0;
      lastResync = now;
      setTimeout(() => { if (!stopped) open(); }, delay);
    }

    function open() {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      let url = `${proto}//${location.host}/api/v1/branches/${branchId}/events?token=${encodeURIComponent(tok)}`;
      if (lastSeq !== null) url += `&since=${lastSeq}`;
      ws = new WebSocket(url);
      ws.onopen = () => {
        attempt = 0;
        // A resume that missed nothing gets no message at all: call it connected once the socket
        // has stayed open a moment (a refused token is closed at once).
        const sock = ws;
        setTimeout(() => {
          if (ws === sock && sock.readyState === WebSocket.OPEN && downSince !== null) {
            downSince = null;
            onStatus("connected", null);
          }
        }, 1000);
      };
      ws.onmessage = (ev) => {
        const msg = JSON.parse(ev.data);
        if (msg.error) { onStatus("error", msg); return; }
        if (msg.type !== "snapshot" && lastSeq !== null && msg.seq <= lastSeq) return; // seen
        if (msg.type !== "snapshot" && lastSeq !== null && msg.seq > lastSeq + 1) { resync(); return; }
        lastSeq = msg.seq;
        if (downSince !== null || attempt === 0) { downSince = null; onStatus("connected", null); }
        onMessage(msg);
      };
      ws.onclose = (ev) => {
        if (stopped) return;
        if (ev.code === 4401 || ev.code === 4403) { onStatus("denied", ev.code); return; }
        if (downSince === null) downSince = Date.now();
        onStatus("reconnecting", downSince);
        attempt += 1;
        const delay = Math.min(5000, 250 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
        setTimeout(open, delay);
      };
    }
    open();
    return {
      get lastSeq() { return lastSeq; },
      close() { stopped = true; if (ws) ws.close(); },
    };
  }

  // Picks a locale's text from {"zh-CN":…, "zh-TW":…, "en":…}, falling back as API.md says.
  function name(obj, locale, fallback = "zh-CN") {
    if (!obj) return "";
    if (typeof obj === "string") return obj;
    return obj[locale] || obj[fallback] || obj["zh-CN"] || obj.en || Object.values(obj)[0] || "";
  }

  // t(dict, locale, key, vars): dict = {"zh-CN": {key: "…{n}…"}, "zh-TW": {…}, "en": {…}}
  function t(dict, locale, key, vars = {}) {
    const text = (dict[locale] && dict[locale][key]) || (dict.en && dict.en[key]) || key;
    return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
  }

  function minutes(seconds) {
    return seconds == null ? null : Math.max(0, Math.round(seconds / 60));
  }

  // A counter's name when it says more than its number, else "" ("1", "1号窗口", "1 號窗口",
  // "Counter 1" only repeat the number).
  function counterExtraName(counter) {
    const bare = (x) => String(x).replace(/\s+/g, "").toLowerCase();
    const n = bare(counter.number);
    const plain = !counter.name || ["", "号窗口", "號窗口", "窗口", "counter"]
      .some((w) => [n + w, w + n].includes(bare(counter.name)));
    return plain ? "" : counter.name;
  }

  // 75 → "1:15", 3725 → "1:02:05"
  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
    return `${h ? h + ":" : ""}${mm}:${String(s % 60).padStart(2, "0")}`;
  }

  // A date formatted in a time zone (the hall's), or in the browser's own if the zone is unknown.
  function zoned(date, locale, timeZone, options) {
    try {
      return new Intl.DateTimeFormat(locale, { ...options, timeZone: timeZone || undefined }).format(date);
    } catch (_) {
      return new Intl.DateTimeFormat(locale, options).format(date);
    }
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  return { LOCALES, token, api, ApiError, uuid, stream, name, t, minutes, el, counterExtraName, duration, zoned };
})();
