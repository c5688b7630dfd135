// #/slashes: the slash history, newest first. Also the slash list other pages show.

import { h, card, table, empty } from "../lib/dom.js";
import { call, all, RpcError } from "../lib/rpc.js";
import { addr, percent, shares, setLink, blockLink, txLink, num, page, pager } from "../lib/ui.js";

/**
 * A page of slashes, newest first: restake_getSlashes, or (on a node without it) the
 * OperatorSlashed events, without the shares slashed. Returns {items, next, fromEvents}.
 */
export async function fetchSlashes(query = {}, pg = { limit: 50 }) {
  try {
    const r = await call("restake_getSlashes", [query, pg]);
    return { ...r, fromEvents: false };
  } catch (e) {
    if (!(e instanceof RpcError) || !e.missing) throw e;
  }
  const q = { fromBlock: 0, type: "OperatorSlashed" };
  if (query.operator) q.address = query.operator;
  else if (query.avs) q.address = query.avs;
  const items = [];
  for (const it of (await all("restake_getEvents", [q], 20)).items) {
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
  items.reverse();
  return { items: items.slice(0, pg.limit || 50), next: null, fromEvents: true };
}

/** The slashes as a table: one row per (slash, strategy). */
export function slashTable(items, opts = {}) {
  if (!items.length) return empty(opts.none || "No slashes.");
  const rows = [];
  for (const s of items) {
    const tx = s.transactionHash.toLowerCase();
    s.strategies.forEach((st, i) => {
      const sk = `${tx}:${st.strategy.toLowerCase()}`;
      rows.push([
        i ? "" : blockLink(s.blockNumber),
        i ? "" : txLink(s.transactionHash),
        i ? "" : addr(s.operator, "operator"),
        i ? "" : setLink(s.operatorSet.avs, s.operatorSet.id),
        i ? "" : num(`slash-id:${tx}`, s.slashId),
        percent(`wad:${sk}`, st.wadSlashed),
        st.sharesSlashed === null || st.sharesSlashed === undefined ? h("span", { class: "muted" }, "—") : shares(`shares-slashed:${sk}`, st.sharesSlashed, st.strategy),
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
    return fetchSlashes({}, page(st, 50));
  },
  view(r, ctx) {
    return card(
      null,
      r.fromEvents ? h("p", { class: "hint" }, "From OperatorSlashed events (this node has no restake_getSlashes): shares slashed are not shown.") : null,
      slashTable(r.items),
      pager(ctx.state, r.next, ctx.refresh),
    );
  },
};
