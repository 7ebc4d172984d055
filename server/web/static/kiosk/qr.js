// A small QR code encoder, hand-written for hallq (no CDN, no third-party code): byte mode
// (UTF-8), error correction L/M/Q/H, versions 1-40, the mask chosen by the standard penalty
// rules (ISO/IEC 18004). It follows the well-known structure of the standard: data bits, Reed-
// Solomon codewords per block, interleaving, function patterns, zig-zag placement, masking,
// format and version information. tests/test_kiosk_page.py decodes its output with zxing-cpp.
"use strict";

const HallQR = (() => {
  const ECL = { L: [0, 1], M: [1, 0], Q: [2, 3], H: [3, 2] }; // [table row, format bits]
  // Error correction codewords per block, and number of blocks, by level (L, M, Q, H) and version.
  const ECC_PER_BLOCK = [
    [-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
    [-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    [-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  ];
  const BLOCKS = [
    [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
    [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
    [-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
    [-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
  ];

  function rawModules(ver) {
    let n = (16 * ver + 128) * ver + 64;
    if (ver >= 2) {
      const align = Math.floor(ver / 7) + 2;
      n -= (25 * align - 10) * align - 55;
      if (ver >= 7) n -= 36;
    }
    return n;
  }

  function dataCodewords(ver, row) {
    return Math.floor(rawModules(ver) / 8) - ECC_PER_BLOCK[row][ver] * BLOCKS[row][ver];
  }

  // GF(2^8) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
  function gfMul(x, y) {
    let z = 0;
    for (let i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11d);
      z ^= ((y >>> i) & 1) * x;
    }
    return z & 0xff;
  }

  function rsDivisor(degree) {
    const result = new Array(degree).fill(0);
    result[degree - 1] = 1;
    let root = 1;
    for (let i = 0; i < degree; i++) {
      for (let j = 0; j < degree; j++) {
        result[j] = gfMul(result[j], root);
        if (j + 1 < degree) result[j] ^= result[j + 1];
      }
      root = gfMul(root, 0x02);
    }
    return result;
  }

  function rsRemainder(data, divisor) {
    const result = divisor.map(() => 0);
    for (const b of data) {
      const factor = b ^ result.shift();
      result.push(0);
      divisor.forEach((coef, i) => { result[i] ^= gfMul(coef, factor); });
    }
    return result;
  }

  function utf8(text) {
    return Array.from(new TextEncoder().encode(text));
  }

  // Data codewords: mode 0100 (bytes), the count, the bytes, terminator, padding.
  function encodeData(bytes, ver, row) {
    const bits = [];
    const put = (value, len) => { for (let i = len - 1; i >= 0; i--) bits.push((value >>> i) & 1); };
    put(0b0100, 4);
    put(bytes.length, ver <= 9 ? 8 : 16);
    bytes.forEach((b) => put(b, 8));
    const capacity = dataCodewords(ver, row) * 8;
    put(0, Math.min(4, capacity - bits.length));
    put(0, (8 - (bits.length % 8)) % 8);
    for (let pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) put(pad, 8);
    const words = [];
    for (let i = 0; i < bits.length; i += 8) words.push(parseInt(bits.slice(i, i + 8).join(""), 2));
    return words;
  }

  function interleave(data, ver, row) {
    const numBlocks = BLOCKS[row][ver];
    const eccLen = ECC_PER_BLOCK[row][ver];
    const raw = Math.floor(rawModules(ver) / 8);
    const numShort = numBlocks - (raw % numBlocks);
    const shortLen = Math.floor(raw / numBlocks);
    const divisor = rsDivisor(eccLen);
    const blocks = [];
    for (let i = 0, k = 0; i < numBlocks; i++) {
      const dat = data.slice(k, k + shortLen - eccLen + (i < numShort ? 0 : 1));
      k += dat.length;
      const ecc = rsRemainder(dat, divisor);
      if (i < numShort) dat.push(0);
      blocks.push(dat.concat(ecc));
    }
    const result = [];
    for (let i = 0; i < blocks[0].length; i++) {
      blocks.forEach((block, j) => {
        if (i !== shortLen - eccLen || j >= numShort) result.push(block[i]);
      });
    }
    return result;
  }

  function alignmentPositions(ver, size) {
    if (ver === 1) return [];
    const count = Math.floor(ver / 7) + 2;
    const step = ver === 32 ? 26 : Math.ceil((ver * 4 + 4) / (count * 2 - 2)) * 2;
    const result = [6];
    for (let pos = size - 7; result.length < count; pos -= step) result.splice(1, 0, pos);
    return result;
  }

  class Matrix {
    constructor(ver) {
      this.ver = ver;
      this.size = ver * 4 + 17;
      this.dark = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
      this.fixed = Array.from({ length: this.size }, () => new Array(this.size).fill(false));
    }

    set(x, y, dark) { this.dark[y][x] = dark; this.fixed[y][x] = true; }

    drawFunctionPatterns() {
      const n = this.size;
      for (let i = 0; i < n; i++) { this.set(6, i, i % 2 === 0); this.set(i, 6, i % 2 === 0); }
      for (const [cx, cy] of [[3, 3], [n - 4, 3], [3, n - 4]]) {
        for (let dy = -4; dy <= 4; dy++) {
          for (let dx = -4; dx <= 4; dx++) {
            const x = cx + dx, y = cy + dy;
            const dist = Math.max(Math.abs(dx), Math.abs(dy));
            if (x >= 0 && x < n && y >= 0 && y < n) this.set(x, y, dist !== 2 && dist !== 4);
          }
        }
      }
      const pos = alignmentPositions(this.ver, n);
      const last = pos.length - 1;
      pos.forEach((px, i) => pos.forEach((py, j) => {
        if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) this.set(px + dx, py + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
        }
      }));
      this.drawFormat(0, 0); // reserve the areas; real bits are drawn after masking
      if (this.ver >= 7) {
        let rem = this.ver;
        for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
        const bits = (this.ver << 12) | rem;
        for (let i = 0; i < 18; i++) {
          const bit = ((bits >>> i) & 1) === 1;
          const a = n - 11 + (i % 3), b = Math.floor(i / 3);
          this.set(a, b, bit);
          this.set(b, a, bit);
        }
      }
    }

    drawFormat(formatBits, mask) {
      const data = (formatBits << 3) | mask;
      let rem = data;
      for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
      const bits = ((data << 10) | rem) ^ 0x5412;
      const bit = (i) => ((bits >>> i) & 1) === 1;
      const n = this.size;
      for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
      this.set(8, 7, bit(6));
      this.set(8, 8, bit(7));
      this.set(7, 8, bit(8));
      for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
      for (let i = 0; i < 8; i++) this.set(n - 1 - i, 8, bit(i));
      for (let i = 8; i < 15; i++) this.set(8, n - 15 + i, bit(i));
      this.set(8, n - 8, true); // the dark module
    }

    drawCodewords(words) {
      const n = this.size;
      let i = 0;
      for (let right = n - 1; right >= 1; right -= 2) {
        if (right === 6) right = 5;
        for (let vert = 0; vert < n; vert++) {
          for (let j = 0; j < 2; j++) {
            const x = right - j;
            const upward = ((right + 1) & 2) === 0;
            const y = upward ? n - 1 - vert : vert;
            if (!this.fixed[y][x] && i < words.length * 8) {
              this.dark[y][x] = ((words[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
              i++;
            }
          }
        }
      }
    }

    applyMask(mask) {
      const rules = [
        (x, y) => (x + y) % 2 === 0,
        (x, y) => y % 2 === 0,
        (x) => x % 3 === 0,
        (x, y) => (x + y) % 3 === 0,
        (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
        (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
        (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
        (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
      ];
      for (let y = 0; y < this.size; y++) {
        for (let x = 0; x < this.size; x++) {
          if (!this.fixed[y][x] && rules[mask](x, y)) this.dark[y][x] = !this.dark[y][x];
        }
      }
    }

    penalty() {
      const n = this.size;
      const d = this.dark;
      let score = 0;
      const lines = [];
      for (let i = 0; i < n; i++) {
        lines.push(d[i]);
        lines.push(d.map((row) => row[i]));
      }
      const finderLike = [/10111010000/g, /00001011101/g];
      for (const line of lines) {
        let run = 1;
        for (let i = 1; i <= n; i++) {
          if (i < n && line[i] === line[i - 1]) { run++; continue; }
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
        const text = line.map((v) => (v ? "1" : "0")).join("");
        for (const re of finderLike) score += 40 * (text.match(re) || []).length;
      }
      for (let y = 0; y < n - 1; y++) {
        for (let x = 0; x < n - 1; x++) {
          const c = d[y][x];
          if (c === d[y][x + 1] && c === d[y + 1][x] && c === d[y + 1][x + 1]) score += 3;
        }
      }
      const dark = d.reduce((sum, row) => sum + row.filter(Boolean).length, 0);
      const total = n * n;
      score += 10 * (Math.ceil(Math.abs(dark * 20 - total * 10) / total) - 1);
      return score;
    }
  }

  // Returns {size, dark: boolean[][]} for `text` at error correction level `ecl`.
  function encode(text, ecl = "M") {
    const [row, formatBits] = ECL[ecl];
    const bytes = utf8(text);
    let ver = 1;
    for (; ver <= 40; ver++) {
      const need = 4 + (ver <= 9 ? 8 : 16) + bytes.length * 8;
      if (need <= dataCodewords(ver, row) * 8) break;
    }
    if (ver > 40) throw new Error("text too long for a QR code");
    const words = interleave(encodeData(bytes, ver, row), ver, row);
    let best = null;
    for (let mask = 0; mask < 8; mask++) {
      const m = new Matrix(ver);
      m.drawFunctionPatterns();
      m.drawCodewords(words);
      m.applyMask(mask);
      m.drawFormat(formatBits, mask);
      const score = m.penalty();
      if (best === null || score < best.score) best = { score, m };
    }
    return { size: best.m.size, dark: best.m.dark };
  }

  // An <svg> element (scales without blur), with the quiet zone of 4 modules.
  function svg(text, { ecl = "M", border = 4, label = "QR" } = {}) {
    const { size, dark } = encode(text, ecl);
    const full = size + border * 2;
    let path = "";
    dark.forEach((row, y) => row.forEach((on, x) => {
      if (on) path += `M${x + border},${y + border}h1v1h-1z`;
    }));
    const ns = "http://www.w3.org/2000/svg";
    const node = document.createElementNS(ns, "svg");
    node.setAttribute("viewBox", `0 0 ${full} ${full}`);
    node.setAttribute("shape-rendering", "crispEdges");
    node.setAttribute("role", "img");
    node.setAttribute("aria-label", label);
    const bg = document.createElementNS(ns, "rect");
    bg.setAttribute("width", full);
    bg.setAttribute("height", full);
    bg.setAttribute("fill", "#fff");
    const fg = document.createElementNS(ns, "path");
    fg.setAttribute("d", path);
    fg.setAttribute("fill", "#000");
    node.append(bg, fg);
    return node;
  }

  return { encode, svg };
})();

if (typeof module !== "undefined") module.exports = HallQR; // node, for tests
