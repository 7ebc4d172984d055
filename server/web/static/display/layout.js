// Hall TV sizing: which grid the counter tiles and the waiting tiles take, and how big their
// text can be, from the number of tiles, the box they get and the width of their text.
// The page sets the results as CSS variables (--cols, --rows, --f…); the CSS does the rest.
"use strict";

const TvLayout = (() => {
  const canvas = document.createElement("canvas");
  const pen = canvas.getContext("2d");
  const MARGIN = 1.08; // canvas widths vs. the laid-out text (tabular digits, hinting)

  // Width of `text` in em (1 = the font size) in the page's font at `weight`.
  function em(text, weight = 400) {
    pen.font = `${weight} 100px ${getComputedStyle(document.body).fontFamily}`;
    return (pen.measureText(String(text)).width / 100) * MARGIN;
  }
  const widest = (texts, weight) => Math.max(0.1, ...texts.map((x) => em(x, weight)));

  // The columns × rows for n tiles in a W×H box (gap between tiles) that give the biggest font;
  // `font(w, h)` says how big a tile of w×h may set its main text.
  function grid(n, W, H, gap, font) {
    let best = { cols: 1, rows: Math.max(1, n), font: 0 };
    for (let cols = 1; cols <= Math.max(1, n); cols++) {
      const rows = Math.ceil(n / cols) || 1;
      if (cols > 1 && Math.ceil(n / (cols - 1)) === rows) continue; // as many rows, narrower
      const w = (W - gap * (cols - 1)) / cols;
      const h = (H - gap * (rows - 1)) / rows;
      const f = w > 0 && h > 0 ? font(w, h) : 0;
      if (f > best.font * 1.02) best = { cols, rows, font: f };
    }
    return best;
  }

  // Counter tiles: the counter's label over its ticket number. `numbers` are [text, scale]: the
  // texts the tiles show in big type (a paused tile's word smaller), `labels` the labels
  // ("12 号窗口"), never cut; `most` caps the number. The label takes the height the number
  // leaves, up to 0.6 of it.
  const LABEL = 0.42; // the least label size / number size
  function counters(n, W, H, gap, numbers, labels, most = Infinity) {
    // Sized for the usual number (the median): a longer one (VIP10000) shrinks alone (shrink()).
    const ems = numbers.map(([text, scale]) => em(text, 800) * scale).sort((a, b) => a - b);
    const numEm = Math.max(em("A000", 800), ems[Math.floor((ems.length - 1) / 2)] || 0);
    const labelEm = widest(labels, 600);
    const inner = (w, h) => [w * 0.9, h * 0.88];
    const out = grid(n, W, H, gap, (w, h) => {
      const [iw, ih] = inner(w, h);
      return Math.min(ih / (1.1 + LABEL * 1.3), iw / numEm, iw / (LABEL * labelEm));
    });
    const number = Math.min(out.font, most);
    const [iw, ih] = inner((W - gap * (out.cols - 1)) / out.cols, (H - gap * (out.rows - 1)) / out.rows);
    const label = Math.min(iw / labelEm, (ih - number * 1.1) / 1.3, 0.6 * number);
    return { ...out, number: Math.floor(number), label: Math.floor(label) };
  }

  // Waiting tiles: a big prefix beside two lines, the service's name (may be cut with "…")
  // and "12 人 · 约 15 分钟" (never cut).
  const PREFIX = 1.6; // prefix size / line size
  function services(n, W, H, gap, prefixes, lines, names) {
    const prefixEm = widest(prefixes, 900);
    // a name is cut rather than the type made small for it, but not below 6 em
    const lineEm = Math.max(widest(lines, 700), Math.min(widest(names, 400), 6), 3);
    const out = grid(n, W, H, gap, (w, h) => {
      const iw = w - 0.5 * Math.min(h, w) * 0.3;
      return Math.min((h * 0.86) / 2.75, iw / (prefixEm * PREFIX + 0.5 + lineEm));
    });
    return { ...out, font: Math.floor(out.font) };
  }

  // The newest call: a label, the number as big as the box allows, the counter under it.
  function latest(W, H, label, number, counter) {
    const iw = W * 0.92;
    const n = Math.min(H / (0.3 * 1.25 + 1.08 + 0.42 * 1.25) * 0.92, iw / em(number, 900));
    return {
      number: Math.floor(n),
      label: Math.floor(Math.min(0.3 * n, iw / em(label, 500))),
      counter: Math.floor(Math.min(0.42 * n, iw / em(counter, 700))),
    };
  }

  // The empty state: the first line big, the others (the same in the hall's other languages)
  // smaller, all on one line each.
  function welcome(W, H, lines) {
    const iw = W * 0.92;
    const rest = lines.length - 1;
    let big = (H * 0.9) / (1.3 + rest * 0.5 * 1.3);
    big = Math.min(big, iw / em(lines[0], 800));
    const small = Math.min(big * 0.5, ...lines.slice(1).map((l) => iw / em(l, 500)));
    return { big: Math.floor(big), small: Math.floor(small) };
  }

  // The list of recent calls: one row per call, a number and its counter; as many rows as fit.
  function recent(W, H, rows, most) {
    const rowEm = widest(rows.map(([number, counter]) => `${number}MM`), 800)
      + widest(rows.map(([, counter]) => counter), 500) * 0.72;
    const f = Math.min(most, (W * 0.94) / rowEm);
    return { font: Math.floor(f), fits: Math.max(1, Math.floor(H / (f * 1.42))) };
  }

  // Last safety net: any [data-fit] text still wider than its box gets smaller until it fits.
  function shrink(root) {
    const over = [...root.querySelectorAll("[data-fit]")]
      .map((el) => [el, el.scrollWidth, el.clientWidth]).filter(([, sw, cw]) => cw > 0 && sw > cw);
    for (const [el, sw, cw] of over) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      el.style.fontSize = `${Math.floor((size * cw) / sw) - 1}px`;
    }
    return over.length;
  }

  return { em, grid, counters, services, latest, welcome, recent, shrink };
})();
