// Hand-written SVG charts: a line over block height (axes, hover value) and a bar/line plot.
// Floats only place pixels and label axes; values shown on hover come from the exact amounts.

import { s, h } from "./dom.js";
import { displayUnits } from "./format.js";

// The drawing is as wide as the screen allows (so text keeps its size on a phone), at most 820.
let W = 640;
const H = 220;
function fitWidth(max = 820) {
  W = Math.round(Math.min(max, Math.max(300, (window.innerWidth || 640) - 64)));
}
const M = { l: 64, r: 14, t: 14, b: 30 };

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

function axisLabel(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e9) return +(v / 1e9).toPrecision(3) + "G";
  if (a >= 1e6) return +(v / 1e6).toPrecision(3) + "M";
  if (a >= 1e4) return +(v / 1e3).toPrecision(3) + "k";
  return String(+v.toPrecision(4));
}

/**
 * History points merged with the values this page saw itself (by height, the node's first), so a
 * chart reaches the head even while the node's history lags. key: a name; cur: {x, y} now.
 */
const seen = new Map();
export function withSeen(key, points, cur) {
  const list = seen.get(key) || [];
  if (!list.length || list[list.length - 1].x < cur.x) list.push(cur);
  while (list.length > 300) list.shift();
  seen.set(key, list);
  const by = new Map(list.map((p) => [p.x, p]));
  for (const p of points) by.set(p.x, p);
  const out = [...by.values()].sort((a, b) => a.x - b.x);
  const first = points.length ? points[0].x : Infinity;
  // Only the session's points after the node's history (earlier ones would look like history).
  return points.length ? out.filter((p) => p.x >= first) : out;
}

/**
 * A line chart over block height. points: [{x: height, y: raw integer string}], in height order.
 * opts: {decimals, symbol, label, field}.
 */
export function lineChart(points, opts = {}) {
  fitWidth(opts.maxWidth);
  const dec = opts.decimals ?? 18;
  const scale = 10 ** Math.min(dec, 300);
  const pts = points.map((p) => ({ x: p.x, raw: String(p.y), v: Number(BigInt(p.y)) / scale }));
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": opts.label || "chart" });
  if (!pts.length) {
    svg.appendChild(s("text", { x: W / 2, y: H / 2, class: "chart-empty", "text-anchor": "middle" }, "no data yet"));
    return h("div", { class: "chart-box" }, svg);
  }
  let minX = pts[0].x;
  let maxX = pts[pts.length - 1].x;
  if (maxX === minX) {
    minX -= 1;
    maxX += 1;
  }
  let maxY = Math.max(...pts.map((p) => p.v));
  let minY = Math.min(0, ...pts.map((p) => p.v));
  if (opts.fitY) {
    minY = Math.min(...pts.map((p) => p.v));
    if (maxY - minY < Math.abs(maxY) * 1e-6 || maxY === minY) {
      const pad = Math.abs(maxY) * 0.01 || 1;
      minY -= pad;
      maxY += pad;
    }
  }
  if (maxY === minY) maxY = minY + 1;
  const step = niceStep(maxY - minY, 4);
  const y0 = Math.floor(minY / step) * step;
  const y1 = Math.ceil(maxY / step) * step;
  const px = (x) => M.l + ((x - minX) / (maxX - minX)) * (W - M.l - M.r);
  const py = (y) => H - M.b - ((y - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);

  const grid = s("g", { class: "chart-axes" });
  for (let y = y0; y <= y1 + step / 2; y += step) {
    grid.appendChild(s("line", { x1: M.l, x2: W - M.r, y1: py(y), y2: py(y) }));
    grid.appendChild(s("text", { x: M.l - 6, y: py(y) + 4, "text-anchor": "end" }, axisLabel(y)));
  }
  const xs = niceStep(maxX - minX, 5);
  for (let x = Math.ceil(minX / xs) * xs; x <= maxX; x += xs) {
    const xi = Math.round(x);
    grid.appendChild(s("line", { x1: px(xi), x2: px(xi), y1: H - M.b, y2: H - M.b + 4 }));
    grid.appendChild(s("text", { x: px(xi), y: H - M.b + 17, "text-anchor": "middle" }, String(xi)));
  }
  grid.appendChild(s("line", { class: "axis", x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }));
  grid.appendChild(s("line", { class: "axis", x1: M.l, x2: M.l, y1: M.t, y2: H - M.b }));
  svg.appendChild(grid);

  const d = pts.map((p, i) => `${i ? "L" : "M"}${px(p.x).toFixed(1)},${py(p.v).toFixed(1)}`).join(" ");
  const area = d + ` L${px(pts[pts.length - 1].x).toFixed(1)},${py(y0)} L${px(pts[0].x).toFixed(1)},${py(y0)} Z`;
  svg.appendChild(s("path", { class: "chart-area", d: area }));
  svg.appendChild(s("path", { class: "chart-line", d }));
  if (pts.length === 1) svg.appendChild(s("circle", { class: "chart-dot", cx: px(pts[0].x), cy: py(pts[0].v), r: 3 }));

  const guide = s("line", { class: "chart-guide", y1: M.t, y2: H - M.b, visibility: "hidden" });
  const dot = s("circle", { class: "chart-dot", r: 4, visibility: "hidden" });
  const label = s("text", { class: "chart-label", y: M.t + 10, visibility: "hidden" });
  svg.append(guide, dot, label);
  const overlay = s("rect", { class: "chart-overlay", x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b });
  svg.appendChild(overlay);
  const hide = () => [guide, dot, label].forEach((e) => e.setAttribute("visibility", "hidden"));
  overlay.addEventListener("pointerleave", hide);
  overlay.addEventListener("pointermove", (ev) => {
    const r = svg.getBoundingClientRect();
    const x = ((ev.clientX - r.left) / r.width) * W;
    const hx = minX + ((x - M.l) / (W - M.l - M.r)) * (maxX - minX);
    let best = pts[0];
    for (const p of pts) if (Math.abs(p.x - hx) < Math.abs(best.x - hx)) best = p;
    const cx = px(best.x);
    guide.setAttribute("x1", cx);
    guide.setAttribute("x2", cx);
    dot.setAttribute("cx", cx);
    dot.setAttribute("cy", py(best.v));
    const text = `height ${best.x}: ${displayUnits(best.raw, dec)}${opts.symbol ? " " + opts.symbol : ""}`;
    label.textContent = text;
    const right = cx > W / 2;
    label.setAttribute("x", right ? cx - 8 : cx + 8);
    label.setAttribute("text-anchor", right ? "end" : "start");
    [guide, dot, label].forEach((e) => e.setAttribute("visibility", "visible"));
  });
  return h("div", { class: "chart-box" }, svg);
}

/**
 * Bars with a line over the same categories, y in percent. bars/line: numbers in [0, 1];
 * labels: category names; legend: [barName, lineName].
 */
export function barLineChart(labels, bars, line, legend) {
  fitWidth();
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": legend.join(" and ") });
  const top = Math.max(0.0001, ...bars, ...line);
  const step = niceStep(top * 100, 4) / 100;
  const y1 = Math.ceil(top / step) * step;
  const py = (y) => H - M.b - (y / y1) * (H - M.t - M.b);
  const n = labels.length;
  const slot = (W - M.l - M.r) / n;
  const g = s("g", { class: "chart-axes" });
  for (let y = 0; y <= y1 + step / 2; y += step) {
    g.appendChild(s("line", { x1: M.l, x2: W - M.r, y1: py(y), y2: py(y) }));
    g.appendChild(s("text", { x: M.l - 6, y: py(y) + 4, "text-anchor": "end" }, axisLabel(y * 100) + "%"));
  }
  labels.forEach((l, i) => g.appendChild(s("text", { x: M.l + slot * (i + 0.5), y: H - M.b + 17, "text-anchor": "middle" }, l)));
  g.appendChild(s("line", { class: "axis", x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }));
  svg.appendChild(g);
  bars.forEach((b, i) => {
    const x = M.l + slot * i + slot * 0.25;
    const rect = s("rect", { class: "chart-bar", x, y: py(b), width: slot * 0.5, height: Math.max(0, H - M.b - py(b)) });
    rect.appendChild(s("title", null, `${labels[i]}: ${legend[0]} ${(b * 100).toPrecision(4)}%`));
    svg.appendChild(rect);
  });
  const d = line.map((v, i) => `${i ? "L" : "M"}${(M.l + slot * (i + 0.5)).toFixed(1)},${py(v).toFixed(1)}`).join(" ");
  svg.appendChild(s("path", { class: "chart-line alt", d }));
  line.forEach((v, i) => svg.appendChild(s("circle", { class: "chart-dot alt", cx: M.l + slot * (i + 0.5), cy: py(v), r: 3.5 })));
  const key = h("div", { class: "chart-key" }, h("span", { class: "key-bar" }, legend[0]), h("span", { class: "key-line" }, legend[1]));
  return h("div", { class: "chart-box" }, svg, key);
}
