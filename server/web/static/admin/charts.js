// Bar charts as inline SVG (no library, no CDN).
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function empty(container, message) {
    container.replaceChildren(HallQ.el("p", { class: "nodata" }, message));
  }

  // Vertical bars: value above each bar, label below.
  function bars(container, labels, values, { color = "#0d6efd", fmt = (v) => String(v), noData = "–" } = {}) {
    if (!values.length || values.every((v) => !v)) { empty(container, noData); return; }
    const W = 600, H = 260, top = 24, bottom = 28, left = 8, right = 8;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "chart" });
    const peak = Math.max(...values, 1e-9);
    const slot = (W - left - right) / values.length;
    root.append(svg("line", { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: "axis" }));
    values.forEach((value, i) => {
      const x = left + i * slot + slot * 0.15, w = slot * 0.7;
      const h = (H - top - bottom) * (value || 0) / peak;
      if (value) {
        root.append(svg("rect", { x, y: H - bottom - h, width: w, height: h, fill: color, rx: 2 }));
        root.append(svg("text", { x: x + w / 2, y: H - bottom - h - 5, class: "val" }, fmt(value)));
      }
      root.append(svg("text", { x: x + w / 2, y: H - 8, class: "lbl" }, labels[i]));
    });
    container.replaceChildren(root);
  }

  // Horizontal bars: label left, value (and a note) after the bar.
  function hbars(container, labels, values, { color = "#198754", max = null, fmt = (v) => String(v),
    notes = null, noData = "–" } = {}) {
    if (!labels.length) { empty(container, noData); return; }
    const W = 600, row = 30, H = Math.max(60, labels.length * row + 10);
    const labelW = 170, valueW = 150;
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "chart" });
    const peak = max || Math.max(...values.map((v) => v || 0), 1e-9);
    labels.forEach((label, i) => {
      const y = 5 + i * row;
      const length = values[i] == null ? 0 : (W - labelW - valueW) * values[i] / peak;
      root.append(svg("text", { x: labelW - 8, y: y + row / 2 + 5, class: "hlbl" }, label));
      root.append(svg("rect", { x: labelW, y: y + 6, width: Math.max(length, 0), height: row - 12, fill: color, rx: 2 }));
      const text = (values[i] == null ? "–" : fmt(values[i])) + (notes ? `  ${notes[i]}` : "");
      root.append(svg("text", { x: labelW + length + 6, y: y + row / 2 + 5, class: "hval" }, text));
    });
    container.replaceChildren(root);
  }

  return { bars, hbars };
})();
