// Elements for values from the node: amounts, addresses, heights. Every number carries
// data-field (what it is) and data-raw (exactly what the node sent).

import { h, s } from "./dom.js";
import { displayUnits, formatUnits, shortAddr, shortHash, duration, wadPercent } from "./format.js";
import { chain, tokenInfo, strategyInfo, blockSeconds } from "./chain.js";

/** A number with its field name and raw value; text is what people read. */
export function num(field, raw, text, title) {
  return h("span", { class: "num", "data-field": field, "data-raw": String(raw), title: title || String(raw), "data-copy": title || String(raw) }, text === undefined ? String(raw) : text);
}

/** A token amount in units: the number (data-field) then the symbol. */
export function amount(field, raw, decimals, symbol) {
  const exact = formatUnits(raw, decimals);
  return h(
    "span",
    { class: "amount" },
    h("span", { class: "num", "data-field": field, "data-raw": String(raw), title: `${exact} ${symbol || ""} (raw ${raw})`.replace("  ", " "), "data-copy": exact }, displayUnits(raw, decimals)),
    symbol ? h("span", { class: "sym" }, " " + symbol) : null,
  );
}

/** An amount of a token, by its address. */
export function tokenAmount(field, raw, token) {
  const t = tokenInfo(token);
  return amount(field, raw, t.decimals, t.symbol);
}

/** Shares of a pool, in units of its token. */
export function shares(field, raw, strategy) {
  const t = strategyInfo(strategy);
  return amount(field, raw, t.decimals, t.symbol);
}

/** A WAD as percent: the number (data-field, data-raw the WAD) then "%". */
export function percent(field, raw) {
  return h("span", { class: "amount" }, h("span", { class: "num", "data-field": field, "data-raw": String(raw), title: `${formatUnits(raw, 16)}% (WAD ${raw})`, "data-copy": String(raw) }, wadPercent(raw)), h("span", { class: "sym" }, "%"));
}

/** A copy button for a full value. */
export function copyButton(value) {
  const icon = s("svg", { viewBox: "0 0 16 16", width: 12, height: 12, "aria-hidden": "true" }, s("rect", { x: 5, y: 5, width: 9, height: 9, rx: 1.5 }), s("path", { d: "M11 3V2.5A1.5 1.5 0 0 0 9.5 1h-7A1.5 1.5 0 0 0 1 2.5v7A1.5 1.5 0 0 0 2.5 11H3" }));
  return h("button", { type: "button", class: "copy", title: "Copy " + value, "data-copy": value, "aria-label": "Copy" }, icon);
}

/** An address, shortened, linking to a page (staker by default), with a copy button. */
export function addr(a, kind = "staker", field) {
  if (!a) return h("span", { class: "muted" }, "none");
  const low = a.toLowerCase();
  const attrs = { class: "addr", href: `#/${kind}/${low}`, title: low };
  if (field) Object.assign(attrs, { "data-field": field, "data-raw": low });
  return h("span", { class: "addr-wrap" }, h("a", attrs, shortAddr(low)), copyButton(low));
}

/** An address that links nowhere (e.g. a consensus key). */
export function plainAddr(a, field) {
  const attrs = { class: "addr", title: a, "data-copy": a };
  if (field) Object.assign(attrs, { "data-field": field, "data-raw": a });
  return h("span", attrs, shortAddr(a));
}

/** A hash linking to its transaction page. */
export function txLink(hash) {
  return h("span", { class: "addr-wrap" }, h("a", { class: "addr", href: `#/tx/${hash}`, title: hash }, shortHash(hash)), copyButton(hash));
}

/** A hash shown short with a copy button. */
export function hash(x, field) {
  const attrs = { class: "addr", title: x, "data-copy": x };
  if (field) Object.assign(attrs, { "data-field": field, "data-raw": x });
  return h("span", attrs, shortHash(x));
}

/** A height linking to its block. */
export function blockLink(height, field) {
  const attrs = { href: `#/block/${height}` };
  if (field) Object.assign(attrs, { "data-field": field, "data-raw": String(height) });
  return h("a", attrs, String(height));
}

/** A pool by its token's symbol (full address on hover). */
export function strategyName(strategy) {
  const t = strategyInfo(strategy);
  return h("span", { class: "strategy", title: strategy, "data-copy": strategy }, t.symbol);
}

/** An operator set, linking to its page. */
export function setLink(avs, id) {
  const a = avs.toLowerCase();
  return h("a", { href: `#/operator-set/${a}/${id}`, title: `${a} set ${id}` }, `${shortAddr(a)} #${id}`);
}

/** "at height H (in N blocks, about T)", or "height H (reached)". */
export function futureHeight(height, field) {
  const n = chain.head === null ? 0 : height - chain.head;
  const H = h("span", { class: "num", "data-field": field, "data-raw": String(height) }, String(height));
  if (n <= 0) return h("span", null, "height ", H, " (reached)");
  return h("span", null, "at height ", H, ` (in ${n} block${n === 1 ? "" : "s"}, ${duration(n * blockSeconds())})`);
}

/** A status badge. */
export function badge(text, kind) {
  return h("span", { class: ["badge", kind] }, text);
}

/** The page parameter for a paged list kept in st (cursors of the pages seen, index shown). */
export function page(st, limit) {
  st.cursors = st.cursors || [null];
  st.index = st.index || 0;
  const cursor = st.cursors[st.index];
  return cursor ? { cursor, limit } : { limit };
}

/** "First page" / "Next page" for a paged list kept in st. */
export function pager(st, next, refresh) {
  const go = (i) => () => {
    if (i > st.index) st.cursors[i] = next;
    st.index = i;
    refresh();
  };
  return h(
    "div",
    { class: "pager" },
    h("button", { type: "button", disabled: st.index === 0, onclick: go(0) }, "First page"),
    h("span", { class: "muted" }, `page ${st.index + 1}`),
    h("button", { type: "button", disabled: !next, onclick: go(st.index + 1) }, "Next page"),
  );
}
