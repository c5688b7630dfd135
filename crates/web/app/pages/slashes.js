// #/slashes: the slash history, newest first. Also the slash list other pages show.

import { h, card, table, empty } from "../lib/dom.js";
import { call, RpcError } from "../lib/rpc.js";
import { addr, percent, shares, setLink, blockLink, txLink, num } from "../lib/ui.js";

/**
 * A page of slashes, newest first: restake_getSlashes, or (on a node without it) the
 * OperatorSlashed events, without the shares slashed. Returns {items, next, fromEvents}.
 */
export async function fetchSlashes(query = {}, page = { limit: 50 }) {
  try {
    const r = await call("restake_getSlashes", [query, page]);
    return { ...r, fromEvents: false };
  } catch (e) {
    if (!(e instanceof RpcError) || !e.missing) throw e;
  }
  const q = { fromBlock: 0, type: "OperatorSlashed" };
  if (query.operator) q.address = query.operator;
  else if (query.avs) q.address = query.avs;
  const items = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const r = await call("restake_getEvents", [q, cursor ? { cursor, limit: 100 } : { limit: 100 }]);
    for (const it of r.items) {
      const ev = it.event;
      if (query.operator && ev.operator.toLowerCase() !== query.operator) continue;
      if (query.avs && ev.operatorSet.avs.toLowerCase() !== query.avs) continue;
      if (query.operatorSetId !== undefined && ev.operatorSet.id !== query.operatorSetId) continue;
      items.push({
        blockNumber: it.blockNumber,
        transactionHash: it.transactionHash,
        operator: ev.operator,
        operatorSet: ev.operatorSet,
        slashId: Number(ev.slashId),
        description: ev.description,
        strategies: ev.strategies.map((s, j) => ({ strategy: s, wadSlashed: ev.wadSlashed[j], sharesSlashed: null })),
      });
    }
    if (!r.next) break;
    cursor = r.next;
  }
  items.reverse();
  return { items: items.slice(0, page.limit || 50), next: null, fromEvents: true };
}

/** The slashes as a table: one row per (slash, strategy). */
export function slashTable(items, opts = {}) {
  if (!items.length) return empty(opts.none || "No slashes.");
  const rows = [];
  for (const s of items) {
    const key = `${s.operatorSet.avs.toLowerCase()}:${s.operatorSet.id}:${s.slashId}`;
    s.strategies.forEach((st, i) => {
      const sk = `${key}:${st.strategy.toLowerCase()}`;
      rows.push([
        i ? "" : blockLink(s.blockNumber),
        i ? "" : txLink(s.transactionHash),
        i ? "" : addr(s.operator, "operator"),
        i ? "" : setLink(s.operatorSet.avs, s.operatorSet.id),
        i ? "" : num(`slash-id:${key}`, s.slashId),
        percent(`slash-wad:${sk}`, st.wadSlashed),
        st.sharesSlashed === null || st.sharesSlashed === undefined ? h("span", { class: "muted" }, "—") : shares(`slash-shares:${sk}`, st.sharesSlashed, st.strategy),
        i ? "" : h("span", { class: "desc" }, s.description || ""),
      ]);
    });
  }
  return table(["Block", "Transaction", "Operator", "Operator set", "Slash id", "Fraction slashed", "Shares slashed", "Description"], rows);
}

export default {
  name: "slashes",
  title: () => "Slashes",
  async load(ctx) {
    const st = ctx.state;
    st.cursors = st.cursors || [null];
    st.index = st.index || 0;
    const cursor = st.cursors[st.index];
    return fetchSlashes({}, cursor ? { cursor, limit: 50 } : { limit: 50 });
  },
  view(r, ctx) {
    const st = ctx.state;
    const pager = h(
      "div",
      { class: "pager" },
      h("button", { type: "button", disabled: st.index === 0, onclick: () => ((st.index = 0), ctx.refresh()) }, "First page"),
      h("span", { class: "muted" }, `page ${st.index + 1}`),
      h("button", { type: "button", disabled: !r.next, onclick: () => ((st.cursors[st.index + 1] = r.next), st.index++, ctx.refresh()) }, "Next page"),
    );
    return card(
      null,
      r.fromEvents ? h("p", { class: "hint" }, "From OperatorSlashed events (this node has no restake_getSlashes): shares slashed are not shown.") : null,
      slashTable(r.items),
      pager,
    );
  },
};
