// Tiny DOM helpers. Text is always set with text nodes (never innerHTML): metadata URIs,
// descriptions and symbols come from users.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.setAttribute("class", Array.isArray(v) ? v.filter(Boolean).join(" ") : v);
    else if (k === "value" && "value" in el && el.namespaceURI !== SVG_NS) el.value = v;
    else if (k === "checked" || k === "selected" || k === "disabled" || k === "hidden" || k === "multiple" || k === "required") el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** An HTML element: h("a", {href: "#/"}, "Overview"). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** A document fragment of children. */
export function frag(...children) {
  const f = document.createDocumentFragment();
  append(f, children);
  return f;
}

/** A titled block of the page. */
export function card(title, ...children) {
  return h("div", { class: "card" }, title ? h("h2", null, title) : null, ...children);
}

/** A table that scrolls sideways on narrow screens. rows: arrays of cells (nodes or text). */
export function table(head, rows, opts = {}) {
  const thead = h("thead", null, h("tr", null, head.map((c) => h("th", null, c))));
  const tbody = h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => h("td", null, c)))));
  return h("div", { class: "table-wrap" }, h("table", { class: opts.class }, thead, tbody));
}

/** "Nothing here" text. */
export function empty(text) {
  return h("p", { class: "empty" }, text);
}

/** A definition list of [label, value] pairs. */
export function fields(pairs) {
  return h("dl", { class: "fields" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}
